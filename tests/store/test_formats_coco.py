"""COCO import and export against the store: geometry, labels, reports, refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.formats import rle
from tests.images import make_image

MASK = np.zeros((48, 64), dtype=bool)
MASK[10:20, 30:50] = True


def write_coco(tmp_path, **changes):
    for name in ("a.png", "b.png"):
        make_image(tmp_path / "images" / name, (64, 48))
    coco = {
        "info": {"description": "test"},
        "images": [
            {"id": 1, "file_name": "a.png", "width": 64, "height": 48, "license": 3},
            {"id": 2, "file_name": "b.png", "width": 64, "height": 48},
            {"id": 3, "file_name": "gone.png", "width": 64, "height": 48},
        ],
        "annotations": [
            {"id": 10, "image_id": 1, "category_id": 1, "bbox": [1.5, 2, 10, 20], "iscrowd": 0},
            {
                "id": 11,
                "image_id": 1,
                "category_id": 2,
                "segmentation": [[1, 1, 10, 1, 10, 10], [20, 20, 30, 20, 30, 30]],
                "bbox": [1, 1, 29, 29],
                "area": 90.5,
                "iscrowd": 0,
            },
            {
                "id": 12,
                "image_id": 2,
                "category_id": 2,
                "segmentation": rle.coco_encode(MASK),
                "iscrowd": 1,
            },
            {
                "id": 13,
                "image_id": 2,
                "category_id": 3,
                "bbox": [2, 2, 20, 30],
                "keypoints": [5, 6, 2, 0, 0, 0, 7, 8, 1],
                "num_keypoints": 2,
            },
            {"id": 14, "image_id": 3, "category_id": 1, "bbox": [1, 2, 10, 20]},
            {"id": 15, "image_id": 2, "category_id": 99, "bbox": [1, 2, 10, 20]},
            {"id": 16, "image_id": 7, "category_id": 1, "bbox": [1, 2, 10, 20]},
            {"id": 17, "image_id": 2, "category_id": 1, "bbox": [60, 2, 10, 20]},
        ],
        "categories": [
            {"id": 1, "name": "cat", "supercategory": "animal"},
            {"id": 2, "name": "dog", "supercategory": "animal"},
            {
                "id": 3,
                "name": "person",
                "supercategory": "person",
                "keypoints": ["nose", "eye", "ear"],
                "skeleton": [[1, 2]],
            },
        ],
    }
    coco.update(changes)
    path = tmp_path / "instances.json"
    path.write_text(json.dumps(coco))
    return path


@pytest.fixture
def dataset(project):
    """A dataset whose recipe starts empty, so that labels come from the file."""
    return project.datasets.create(dataset_name="coco")


def by_item(dataset):
    return {item.name: list(item.annotations.list()) for item in dataset.items.list().all()}


def test_import_maps_every_geometry_and_reports_what_it_left_out(dataset, tmp_path):
    report = dataset.import_from(write_coco(tmp_path), format="coco", images=tmp_path / "images")
    assert (report.items, report.annotations) == (2, 9)
    assert dict(report.skipped) == {
        ("item", f"image file 'gone.png' not found under {tmp_path / 'images'}, {tmp_path}"): 1,
        ("annotation", "its image was not found"): 1,
        ("annotation", "unknown category_id 99"): 1,
        ("annotation", "unknown image_id 7"): 1,
    }
    assert dict(report.warnings) == {("annotation", "coordinates outside the image (kept)"): 1}
    found = by_item(dataset)
    a = {x.type: x for x in found["a.png"] if x.type == "box"}["box"]
    assert (a.left, a.top, a.right, a.bottom, a.label) == (1.5, 2, 11.5, 22, "animal.cat")
    polygons = [x for x in found["a.png"] if x.type == "segment"]
    assert [p.geo.tolist() for p in polygons] == [
        [[1, 1], [10, 1], [10, 10]],
        [[20, 20], [30, 20], [30, 30]],
    ]
    mask = next(x for x in found["b.png"] if x.type == "binary")
    assert np.array_equal(mask.annotation_definition.geo.astype(bool), MASK)
    pose = next(x for x in found["b.png"] if x.type == "pose")
    points = {p.label: p for p in found["b.png"] if p.parent_id == pose.id}
    assert {k: (p.x, p.y) for k, p in points.items()} == {"nose": (5, 6), "ear": (7, 8)}
    assert points["ear"].metadata["system"]["coco"]["visibility"] == 1
    item = dataset.items.get(filepath="/a.png")
    assert item.metadata["system"]["coco"] == {"image_id": 1}
    assert item.metadata["user"] == {"license": 3}
    assert item.annotations_count == 3
    assert {"animal", "animal.cat", "animal.dog", "person", "nose", "eye", "ear"} <= set(
        dataset.labels_flat_dict
    )
    assert dataset.get_recipe().metadata["system"]["templates"][0]["points"] == [
        "nose",
        "eye",
        "ear",
    ]


def test_export_gives_back_the_same_ids_categories_and_geometry(dataset, tmp_path):
    source = write_coco(tmp_path)
    dataset.import_from(source, format="coco", images=tmp_path / "images")
    report = dataset.export_to(tmp_path / "out", format="coco")
    exported = json.loads((tmp_path / "out" / "coco.json").read_text())
    original = json.loads(source.read_text())
    assert report.files == [str(tmp_path / "out" / "coco.json")]
    assert [(c["id"], c["name"], c["supercategory"]) for c in exported["categories"]] == [
        (1, "cat", "animal"),
        (2, "dog", "animal"),
        (3, "person", "person"),
    ]
    assert exported["categories"][2]["keypoints"] == ["nose", "eye", "ear"]
    assert [i["id"] for i in exported["images"]] == [1, 2]
    by_id = {a["id"]: a for a in exported["annotations"]}
    assert sorted(by_id) == [10, 11, 12, 13, 17]
    assert by_id[10]["bbox"] == [1.5, 2, 10, 20]
    assert by_id[11]["segmentation"] == original["annotations"][1]["segmentation"]
    assert by_id[11]["area"] == 90.5
    assert by_id[12]["segmentation"] == original["annotations"][2]["segmentation"]
    assert by_id[12]["iscrowd"] == 1
    assert by_id[13]["keypoints"] == [5, 6, 2, 0, 0, 0, 7, 8, 1]
    assert by_id[13]["bbox"] == [2, 2, 20, 30]


def test_reimporting_an_export_gives_the_same_annotations(dataset, project, tmp_path):
    dataset.import_from(write_coco(tmp_path), format="coco", images=tmp_path / "images")
    dataset.export_to(tmp_path / "out", format="coco")
    again = project.datasets.create(dataset_name="again")
    again.import_from(tmp_path / "out" / "coco.json", format="coco", images=tmp_path / "images")

    def shapes(ds):
        return sorted(
            (name, a.type, a.label, repr(a.annotation_definition) if a.type != "pose" else "")
            for name, found in by_item(ds).items()
            for a in found
        )

    assert shapes(again) == shapes(dataset)


def test_only_bbox_and_out_of_bounds_skip(dataset, tmp_path):
    report = dataset.import_from(
        write_coco(tmp_path),
        format="coco",
        images=tmp_path / "images",
        only_bbox=True,
        out_of_bounds="skip",
    )
    assert {a.type for found in by_item(dataset).values() for a in found} == {"box"}
    assert report.skipped[("annotation", "coordinates outside the image")] == 1


@pytest.mark.parametrize(
    ("annotation", "reason"),
    [
        ({"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3]}, "bbox must be 4 numbers"),
        (
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, -3, 4]},
            "bbox width and height must not be negative",
        ),
        (
            {"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[1, 2, 3, 4]]},
            "a segmentation polygon",
        ),
        ({"id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}, "annotation needs 'image_id'"),
    ],
)
def test_a_malformed_annotation_fails_with_its_position_and_changes_nothing(
    dataset, tmp_path, annotation, reason
):
    good = json.loads(write_coco(tmp_path).read_text())["annotations"][:2]
    path = write_coco(tmp_path, annotations=[*good, annotation])
    with pytest.raises(BadRequestError) as caught:
        dataset.import_from(path, format="coco", images=tmp_path / "images")
    assert f"{path}: line 1, column" in caught.value.message
    assert f"annotations[2]: {reason}" in caught.value.message
    assert dataset.items_count == 0
    assert "animal.cat" not in dataset.labels_flat_dict


def test_a_truncated_file_changes_nothing(dataset, tmp_path):
    path = write_coco(tmp_path)
    path.write_text(path.read_text()[:-40])
    with pytest.raises(BadRequestError, match=r"instances\.json: line 1"):
        dataset.import_from(path, format="coco", images=tmp_path / "images")
    assert dataset.items_count == 0


def test_linked_images_stay_where_they_are(dataset, tmp_path):
    dataset.import_from(write_coco(tmp_path), format="coco", images=tmp_path / "images", link=True)
    item = dataset.items.get(filepath="/a.png")
    assert item.link == str((tmp_path / "images" / "a.png").resolve())
    assert item.blob is None
    with item.open() as stream:
        assert stream.read() == (tmp_path / "images" / "a.png").read_bytes()


def test_references_cannot_climb_out_of_the_image_folder(dataset, tmp_path):
    secret = tmp_path / "secret.png"
    make_image(secret)
    images = [{"id": 1, "file_name": "../secret.png", "width": 64, "height": 48}]
    report = dataset.import_from(
        write_coco(tmp_path / "data", images=images, annotations=[]),
        format="coco",
        images=tmp_path / "data" / "images",
    )
    assert report.items == 0
    assert report.skipped_count == 1


def test_unknown_options_and_formats_are_named(dataset, tmp_path):
    with pytest.raises(
        BadRequestError, match=r"Unknown option\(s\) for the coco format: \['imgs'\]"
    ):
        dataset.import_from(write_coco(tmp_path), format="coco", imgs="x")
    with pytest.raises(BadRequestError, match="Unknown format 'cocoa'"):
        dataset.import_from(write_coco(tmp_path), format="cocoa")
