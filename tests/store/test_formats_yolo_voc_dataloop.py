"""YOLO, VOC and Dataloop JSON folders in and out."""

from __future__ import annotations

import json

import pytest

import dl_jupyter as dl
from dl_jupyter.exceptions import BadRequestError
from tests.images import make_image


@pytest.fixture
def dataset(project):
    return project.datasets.create(dataset_name="folders")


def boxes(dataset):
    return sorted(
        (item.filename, a.label, *(round(v, 6) for v in (a.left, a.top, a.right, a.bottom)))
        for item in dataset.items.list().all()
        for a in item.annotations.list()
        if a.type == "box"
    )


def yolo_folder(tmp_path):
    root = tmp_path / "yolo"
    make_image(root / "images" / "train" / "a.jpg", (100, 50))
    make_image(root / "images" / "b.jpg", (100, 50))
    (root / "labels" / "train").mkdir(parents=True)
    (root / "labels" / "train" / "a.txt").write_text(
        "0 0.5 0.5 0.2 0.4\n1 0.1 0.1 0.3 0.1 0.3 0.3\n1 0.5 0.5 0.1 0.1 0.87\n7 0.5 0.5 0.1 0.1\n"
    )
    (root / "labels" / "b.txt").write_text("0 0.95 0.5 0.2 0.2\n")
    (root / "labels" / "orphan.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    (root / "data.yaml").write_text("path: .\nnames:\n  0: cat\n  1: dog\n")
    return root


def test_yolo_import_reads_boxes_polygons_predictions_and_reports(dataset, tmp_path):
    report = dataset.import_from(yolo_folder(tmp_path), format="yolo")
    assert (report.items, report.annotations) == (2, 4)
    assert report.skipped[("annotation", "unknown class id 7 (2 classes)")] == 1
    assert report.skipped[("item", "label file without an image")] == 1
    assert report.warnings[("annotation", "coordinates outside the image (kept)")] == 1
    item = dataset.items.get(filepath="/train/a.jpg")
    found = {(a.type, a.label): a for a in item.annotations.list()}
    box = found[("box", "cat")]
    assert (box.left, box.top, box.right, box.bottom) == pytest.approx((40, 15, 60, 35))
    assert found[("segment", "dog")].geo.ravel().tolist() == pytest.approx([10, 5, 30, 5, 30, 15])
    assert found[("box", "dog")].score == 0.87 and found[("box", "dog")].automated
    assert list(dataset.labels_flat_dict)[-2:] == ["cat", "dog"]


def test_yolo_export_and_reimport(dataset, project, tmp_path):
    dataset.import_from(yolo_folder(tmp_path), format="yolo")
    report = dataset.export_to(tmp_path / "out", format="yolo", with_images=True)
    lines = (tmp_path / "out" / "labels" / "train" / "a.txt").read_text().splitlines()
    assert lines[0] == "0 0.5 0.5 0.2 0.4"
    assert lines[2] == "1 0.5 0.5 0.1 0.1 0.87"
    assert (tmp_path / "out" / "classes.txt").read_text() == "cat\ndog\n"
    assert (tmp_path / "out" / "images" / "train" / "a.jpg").is_file()
    assert report.annotations == 4
    again = project.datasets.create(dataset_name="again")
    again.import_from(tmp_path / "out", format="yolo")
    assert boxes(again) == boxes(dataset)


def test_yolo_malformed_line_names_file_and_line(dataset, tmp_path):
    root = yolo_folder(tmp_path)
    (root / "labels" / "b.txt").write_text("0 0.5 0.5 0.2 0.2\n0 0.5 x 0.2 0.2\n")
    with pytest.raises(BadRequestError, match=r"b.txt: line 2: expected 'class x y w h'"):
        dataset.import_from(root, format="yolo")
    assert dataset.items_count == 0


def voc_folder(tmp_path):
    root = tmp_path / "voc"
    make_image(root / "JPEGImages" / "a.jpg", (100, 50))
    (root / "Annotations").mkdir(parents=True)
    (root / "Annotations" / "a.xml").write_text(
        "<annotation><folder>VOC</folder><filename>a.jpg</filename><size><width>100</width><height>50</height>"
        "<depth>3</depth></size><object><name>cat</name><pose>Left</pose><truncated>1</truncated><difficult>0</difficult>"
        "<bndbox><xmin>10</xmin><ymin>5.5</ymin><xmax>40</xmax><ymax>30</ymax></bndbox></object>"
        "<object><name>dog</name><bndbox><xmin>50</xmin><ymin>10</ymin><xmax>120</xmax><ymax>20</ymax></bndbox></object>"
        "</annotation>"
    )
    (root / "Annotations" / "gone.xml").write_text(
        "<annotation><filename>gone.jpg</filename></annotation>"
    )
    return root


def test_voc_import_export_round_trip(dataset, project, tmp_path):
    report = dataset.import_from(voc_folder(tmp_path), format="voc")
    assert (report.items, report.annotations, report.skipped_count) == (1, 2, 1)
    assert report.warnings[("annotation", "coordinates outside the image (kept)")] == 1
    assert boxes(dataset) == [
        ("/a.jpg", "cat", 10, 5.5, 40, 30),
        ("/a.jpg", "dog", 50, 10, 120, 20),
    ]
    cat = next(
        a for a in dataset.items.get(filepath="/a.jpg").annotations.list() if a.label == "cat"
    )
    assert cat.metadata["system"]["voc"] == {"pose": "Left", "truncated": "1", "difficult": "0"}
    dataset.export_to(tmp_path / "out", format="voc", with_images=True)
    xml = (tmp_path / "out" / "Annotations" / "a.xml").read_text()
    assert "<xmin>10</xmin>" in xml and "<ymin>5.5</ymin>" in xml and "<pose>Left</pose>" in xml
    again = project.datasets.create(dataset_name="again")
    again.import_from(tmp_path / "out", format="voc")
    assert boxes(again) == boxes(dataset)


def test_voc_refuses_entities(dataset, tmp_path):
    root = voc_folder(tmp_path)
    (root / "Annotations" / "a.xml").write_text('<!DOCTYPE a [<!ENTITY x "y">]><annotation/>')
    with pytest.raises(BadRequestError, match="DOCTYPE or entities"):
        dataset.import_from(root, format="voc")


def test_dataloop_json_export_import_keeps_annotations_metadata_and_parents(
    dataset, project, tmp_path
):
    make_image(tmp_path / "src" / "a.png", (64, 48))
    item = dataset.items.upload(
        local_path=str(tmp_path / "src" / "a.png"),
        remote_path="/sub",
        item_metadata={"user": {"split": "train"}},
    )
    builder = item.annotations.builder()
    builder.add(dl.Box(left=1, top=2, right=30, bottom=40, label="cat"))
    builder.add(dl.Polygon(geo=[[1, 1], [20, 1], [20, 20]], label="dog"))
    builder.add(dl.Classification(label="day"))
    builder.upload()
    report = dataset.export_to(tmp_path / "out", format="dataloop", with_images=True)
    data = json.loads((tmp_path / "out" / "json" / "sub" / "a.json").read_text())
    assert data["filename"] == "/sub/a.png" and len(data["annotations"]) == 3
    assert (tmp_path / "out" / "items" / "sub" / "a.png").is_file()
    assert report.annotations == 3
    again = project.datasets.create(dataset_name="again")
    again.import_from(tmp_path / "out", format="dataloop")
    copy = again.items.get(filepath="/sub/a.png")
    assert copy.metadata["user"] == {"split": "train"}
    assert sorted(
        (a.type, a.label, repr(a.annotation_definition)) for a in copy.annotations.list()
    ) == sorted((a.type, a.label, repr(a.annotation_definition)) for a in item.annotations.list())
    # importing the same files again makes new ids, never clashing ones
    again.import_from(tmp_path / "out", format="dataloop", resume=False)
    assert again.items.get(filepath="/sub/a.png").annotations_count == 6
