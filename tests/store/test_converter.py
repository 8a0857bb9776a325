"""``dl.Converter``: the SDK's converter calls on top of the formats."""

from __future__ import annotations

import json

import pytest

import dl_jupyter as dl
from dl_jupyter.exceptions import BadRequestError
from tests.images import make_image


@pytest.fixture
def boxed(project, tmp_path):
    dataset = project.datasets.create(dataset_name="boxed", labels=["cat", "dog"])
    make_image(tmp_path / "src" / "a.png", (100, 50))
    item = dataset.items.upload(local_path=str(tmp_path / "src" / "a.png"))
    builder = item.annotations.builder()
    builder.add(dl.Box(left=10, top=5, right=30, bottom=25, label="dog"))
    builder.add(dl.Polygon(geo=[[0, 0], [10, 0], [10, 10]], label="cat"))
    builder.upload()
    return dataset


def test_convert_dataset_writes_each_format(boxed, tmp_path):
    converter = dl.Converter()
    report = converter.convert_dataset(
        dataset=boxed, to_format=dl.AnnotationFormat.COCO, local_path=str(tmp_path / "coco")
    )
    coco = json.loads((tmp_path / "coco" / "coco.json").read_text())
    assert report.annotations == 2 and len(coco["annotations"]) == 2
    converter.convert_dataset(dataset=boxed, to_format="yolo", local_path=str(tmp_path / "yolo"))
    assert (tmp_path / "yolo" / "labels" / "a.txt").read_text().splitlines()[
        0
    ] == "1 0.2 0.3 0.2 0.4"
    converter.convert_dataset(
        dataset=boxed,
        to_format="voc",
        local_path=str(tmp_path / "voc"),
        annotation_filters=dl.Filters(
            resource=dl.FiltersResource.ANNOTATION, field="label", values="dog"
        ),
    )
    assert "<name>dog</name>" in (tmp_path / "voc" / "Annotations" / "a.xml").read_text()
    with pytest.raises(BadRequestError, match="to_format must be one of"):
        converter.convert_dataset(dataset=boxed, to_format="kitti", local_path=str(tmp_path / "k"))


def test_custom_conversion_function(boxed, tmp_path):
    dl.Converter().convert_dataset(
        dataset=boxed,
        to_format="coco",
        local_path=str(tmp_path / "custom"),
        conversion_func=lambda annotation, item: [annotation.label, item.name],
    )
    assert json.loads((tmp_path / "custom" / "a.png.json").read_text()) == [
        ["dog", "a.png"],
        ["cat", "a.png"],
    ]


def test_convert_in_memory_both_ways(boxed):
    item = boxed.items.get(filepath="/a.png")
    converter = dl.Converter()
    annotations = item.annotations.list()
    coco = converter.convert(annotations, from_format="dataloop", to_format="coco", item=item)
    assert [c["bbox"] for c in coco] == [[10, 5, 20, 20], [0, 0, 10, 10]]
    assert [c["category_id"] for c in coco] == [2, 1]
    lines = converter.convert(annotations, from_format="dataloop", to_format="yolo", item=item)
    assert lines == ["1 0.2 0.3 0.2 0.4", "0 0 0 0.1 0 0.1 0.2"]
    back = converter.convert(lines, from_format="yolo", to_format="dataloop", item=item)
    assert [(a.type, a.label) for a in back] == [("box", "dog"), ("segment", "cat")]
    voc = converter.convert(annotations, from_format="dataloop", to_format="voc", item=item)
    assert voc == [{"name": "dog", "bndbox": {"xmin": 10, "ymin": 5, "xmax": 30, "ymax": 25}}]
    box = converter.from_voc(voc[0])
    assert (box.label, box.right) == ("dog", 30)
    (from_coco,) = converter.from_coco(coco[0], item=item)
    assert (from_coco.label, from_coco.bottom) == ("dog", 25)


def test_upload_local_dataset_and_convert_directory(project, tmp_path):
    make_image(tmp_path / "images" / "a.png", (100, 50))
    coco = {
        "images": [{"id": 1, "file_name": "a.png", "width": 100, "height": 50}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 5, 20, 20]}],
        "categories": [{"id": 1, "name": "dog"}],
    }
    (tmp_path / "coco.json").write_text(json.dumps(coco))
    dataset = project.datasets.create(dataset_name="uploaded")
    report = dl.Converter().upload_local_dataset(
        from_format=dl.AnnotationFormat.COCO,
        dataset=dataset,
        local_items_path=str(tmp_path / "images"),
        local_annotations_path=str(tmp_path / "coco.json"),
    )
    assert (report.items, report.annotations) == (1, 1)
    converted = dl.Converter().convert_directory(
        local_path=str(tmp_path / "coco.json"),
        from_format="coco",
        to_format="yolo",
        save_to=str(tmp_path / "as-yolo"),
    )
    assert converted.annotations == 1
    assert (tmp_path / "as-yolo" / "labels" / "a.txt").read_text() == "0 0.2 0.3 0.2 0.4\n"
    assert (tmp_path / "as-yolo" / "classes.txt").read_text() == "dog\n"
