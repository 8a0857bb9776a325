"""Label Studio tasks against the store: every result type round-trips exactly."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.formats import rle
from tests.images import make_image

SIZE = {"original_width": 200, "original_height": 100}
MASK = np.zeros((100, 200), dtype=bool)
MASK[10:30, 20:60] = True
RESULTS = {
    "rectanglelabels": {
        "type": "rectanglelabels",
        **SIZE,
        "value": {
            "x": 10.5,
            "y": 20.25,
            "width": 33.3,
            "height": 12.7,
            "rotation": 30,
            "rectanglelabels": ["cat"],
        },
    },
    "polygonlabels": {
        "type": "polygonlabels",
        **SIZE,
        "value": {"points": [[1.1, 2.2], [50.5, 3.3], [20, 70.7]], "polygonlabels": ["dog"]},
    },
    "keypointlabels": {
        "type": "keypointlabels",
        **SIZE,
        "value": {"x": 33.3, "y": 66.6, "width": 0.75, "keypointlabels": ["nose"]},
    },
    "brushlabels": {
        "type": "brushlabels",
        **SIZE,
        "value": {"format": "rle", "rle": rle.brush_encode(MASK), "brushlabels": ["cat"]},
    },
    "choices": {"type": "choices", "value": {"choices": ["indoor", "day"]}},
    "taxonomy": {"type": "taxonomy", "value": {"taxonomy": [["Animal", "Cat"], ["Plant"]]}},
    "textarea": {"type": "textarea", "value": {"text": ["a cat", "on a mat"]}},
    "rating": {"type": "rating", "value": {"rating": 4}},
    "labels": {
        "type": "labels",
        "value": {"start": 0, "end": 5, "text": "hello", "labels": ["GREET"]},
    },
}


@pytest.fixture
def dataset(project):
    return project.datasets.create(dataset_name="ls")


def task_for(kind: str) -> dict:
    result = {"id": f"r-{kind}", "from_name": f"ctl-{kind}", "to_name": "obj", **RESULTS[kind]}
    data = (
        {"text": "hello world"} if kind == "labels" else {"image": "/data/upload/1/3f9a1b2c-a.png"}
    )
    return {
        "id": 7,
        "data": data,
        "annotations": [{"id": 70, "completed_by": 1, "result": [result]}],
    }


def definitions(dataset):
    return sorted(
        (item.name, a.type, a.label, repr(a.annotation_definition))
        for item in dataset.items.list().all()
        for a in item.annotations.list()
    )


@pytest.mark.parametrize("kind", sorted(RESULTS))
def test_import_export_import_is_lossless(project, dataset, tmp_path, kind):
    make_image(tmp_path / "img" / "a.png", (200, 100))
    source = tmp_path / "tasks.json"
    task = task_for(kind)
    source.write_text(json.dumps([task]))
    report = dataset.import_from(source, format="label_studio", images=tmp_path / "img")
    assert report.items == 1 and report.annotations >= 1
    dataset.export_to(tmp_path / "out", format="label_studio")
    (exported,) = json.loads((tmp_path / "out" / "tasks.json").read_text())
    assert exported["id"] == 7
    assert exported["data"] == task["data"]
    assert exported["annotations"][0]["id"] == 70
    assert exported["annotations"][0]["result"] == task["annotations"][0]["result"]
    again = project.datasets.create(dataset_name="again")
    again.import_from(
        tmp_path / "out" / "tasks.json", format="label_studio", images=tmp_path / "img"
    )
    assert definitions(again) == definitions(dataset)


def test_percent_coordinates_become_pixels(dataset, tmp_path):
    make_image(tmp_path / "a.png", (200, 100))
    task = {
        "data": {"image": "a.png"},
        "annotations": [
            {
                "result": [
                    {
                        "from_name": "b",
                        "to_name": "i",
                        "type": "rectanglelabels",
                        "value": {
                            "x": 10,
                            "y": 20,
                            "width": 50,
                            "height": 25,
                            "rectanglelabels": ["cat"],
                        },
                    }
                ]
            }
        ],
    }
    (tmp_path / "tasks.json").write_text(json.dumps([task]))
    dataset.import_from(tmp_path / "tasks.json", format="label_studio")
    (box,) = dataset.items.get(filepath="/a.png").annotations.list()
    # no original size in the result: the image's own size (200 x 100) is read
    assert (box.left, box.top, box.right, box.bottom) == (20, 20, 120, 45)


def test_seed_example_predictions_completions_and_implicit_data(dataset, tmp_path):
    tasks = [
        {
            "id": 123,
            "data": {
                "my_text": "Opossum is great",
                "ref_id": 456,
                "meta_info": {"timestamp": "2020-03-09 18:15:28.212882", "location": "North Pole"},
            },
            "completions": [
                {
                    "result": [
                        {
                            "from_name": "sentiment_class",
                            "to_name": "message",
                            "type": "choices",
                            "value": {"choices": ["Positive"]},
                        }
                    ]
                }
            ],
            "predictions": [
                {
                    "result": [
                        {
                            "from_name": "sentiment_class",
                            "to_name": "message",
                            "type": "choices",
                            "value": {"choices": ["Neutral"]},
                        }
                    ],
                    "score": 0.95,
                }
            ],
        },
        {"my_text": "no data key here"},
    ]
    config = (
        '<View><Text name="message" value="$my_text"/>'
        '<Choices name="sentiment_class" toName="message">'
        '<Choice value="Positive"/><Choice value="Neutral"/><Choice value="Negative"/>'
        "</Choices></View>"
    )
    (tmp_path / "tasks.json").write_text(json.dumps(tasks))
    report = dataset.import_from(
        tmp_path / "tasks.json", format="label_studio", label_config=config
    )
    assert (report.items, report.annotations) == (2, 2)
    item = dataset.items.get(filepath="/task-123.txt")
    assert item.metadata["user"]["ref_id"] == 456
    assert item.metadata["system"]["label_studio"]["id"] == 123
    with item.open() as stream:
        assert stream.read() == b"Opossum is great"
    labels = {a.label: a for a in item.annotations.list()}
    assert labels["Positive"].automated is False
    assert (labels["Neutral"].automated, labels["Neutral"].score) == (True, 0.95)
    assert labels["Neutral"].model_info == {"name": "label_studio", "confidence": 0.95}
    assert {"Positive", "Neutral", "Negative"} <= set(dataset.labels_flat_dict)
    assert dataset.get_recipe().metadata["system"]["label_studio_config"] == config
    implicit = dataset.items.get(filepath="/tasks-1.txt")
    assert implicit.metadata["user"] == {"my_text": "no data key here"}


def test_annotations_made_here_export_with_the_configs_controls(dataset, tmp_path):
    import dl_jupyter as dl

    make_image(tmp_path / "a.png", (200, 100))
    config = (
        '<View><Image name="img" value="$image"/><RectangleLabels name="boxes" toName="img">'
        '<Label value="cat"/></RectangleLabels></View>'
    )
    (tmp_path / "tasks.json").write_text(json.dumps([{"data": {"image": "a.png"}}]))
    dataset.import_from(tmp_path / "tasks.json", format="label_studio", label_config=config)
    item = dataset.items.get(filepath="/a.png")
    builder = item.annotations.builder()
    builder.add(dl.Box(left=20, top=10, right=120, bottom=60, label="cat"))
    builder.upload()
    dataset.export_to(tmp_path / "out.json", format="label_studio")
    (task,) = json.loads((tmp_path / "out.json").read_text())
    (result,) = task["annotations"][0]["result"]
    assert (result["from_name"], result["to_name"], result["type"]) == (
        "boxes",
        "img",
        "rectanglelabels",
    )
    assert result["value"] == {
        "x": 10,
        "y": 10,
        "width": 50,
        "height": 50,
        "rotation": 0,
        "rectanglelabels": ["cat"],
    }


def test_missing_images_are_reported_and_bad_tasks_change_nothing(dataset, tmp_path):
    (tmp_path / "tasks.json").write_text(json.dumps([{"data": {"image": "gone.png"}}]))
    report = dataset.import_from(tmp_path / "tasks.json", format="label_studio")
    assert report.items == 0
    assert report.skipped_count == 1 and "gone.png" in repr(report)
    make_image(tmp_path / "a.png")
    bad = [
        {"data": {"image": "a.png"}},
        {
            "data": {"image": "a.png"},
            "annotations": [
                {
                    "result": [
                        {
                            "type": "rectanglelabels",
                            "value": {"x": 1},
                            "original_width": 10,
                            "original_height": 10,
                        }
                    ]
                }
            ],
        },
    ]
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    with pytest.raises(
        BadRequestError, match=r"\[1\]\.annotations\[0\]\.result\[0\]: malformed rectanglelabels"
    ):
        dataset.import_from(tmp_path / "bad.json", format="label_studio")
    assert dataset.items_count == 0


def test_json_dir_reads_every_file(dataset, tmp_path):
    folder = tmp_path / "tasks"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps([{"text": "one"}, {"text": "two"}]))
    (folder / "b.json").write_text(json.dumps({"text": "three"}))
    report = dataset.import_from(folder, format="json-dir")
    assert report.items == 3
    assert sorted(i.name for i in dataset.items.list().all()) == ["a-0.txt", "a-1.txt", "b.txt"]
