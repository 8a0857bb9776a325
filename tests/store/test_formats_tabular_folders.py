"""Label Studio's other inputs: CSV/TSV rows, text lines, text, image and audio folders."""

from __future__ import annotations

import csv
import json

import pytest

from dl_jupyter.exceptions import BadRequestError
from tests.images import make_image


@pytest.fixture
def dataset(project):
    return project.datasets.create(dataset_name="inputs")


def test_csv_columns_become_data_keys_and_images_are_found(dataset, tmp_path):
    make_image(tmp_path / "imgs" / "a.png")
    (tmp_path / "tasks.csv").write_text(
        "my_text,optional_field\nthis is a first task,123\nthis is a second task,456\n"
    )
    (tmp_path / "images.tsv").write_text("image\tsplit\nimgs/a.png\ttrain\n")
    report = dataset.import_from(tmp_path / "tasks.csv", format="csv")
    assert report.items == 2
    first = dataset.items.get(filepath="/tasks-2.txt")
    assert first.metadata["user"] == {"my_text": "this is a first task", "optional_field": "123"}
    with first.open() as stream:
        assert stream.read() == b"this is a first task"
    dataset.import_from(tmp_path / "images.tsv", format="tsv")
    assert dataset.items.get(filepath="/imgs/a.png").metadata["user"] == {
        "image": "imgs/a.png",
        "split": "train",
    }


def test_csv_with_a_ragged_row_names_the_line(dataset, tmp_path):
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n3\n")
    with pytest.raises(BadRequestError, match=r"bad\.csv: line 3: expected 2 columns"):
        dataset.import_from(tmp_path / "bad.csv", format="csv")
    assert dataset.items_count == 0


def test_csv_export_has_metadata_columns_and_annotations(dataset, tmp_path):
    (tmp_path / "tasks.csv").write_text("text,score\nhello,1\n")
    dataset.import_from(tmp_path / "tasks.csv", format="csv")
    dataset.export_to(tmp_path / "out.csv", format="csv")
    with open(tmp_path / "out.csv", newline="") as stream:
        (row,) = list(csv.DictReader(stream))
    assert (row["filename"], row["text"], row["score"], json.loads(row["annotations"])) == (
        "/tasks-2.txt",
        "hello",
        "1",
        [],
    )


def test_text_and_text_dir_make_one_task_per_line(dataset, tmp_path):
    (tmp_path / "lines.txt").write_text("this is a first task\n\nthis is a second task\n")
    (tmp_path / "dir" / "sub").mkdir(parents=True)
    (tmp_path / "dir" / "a.txt").write_text("one\ntwo\n")
    (tmp_path / "dir" / "sub" / "b.txt").write_text("three\n")
    assert dataset.import_from(tmp_path / "lines.txt", format="text").items == 2
    assert dataset.import_from(tmp_path / "dir", format="text-dir", remote_path="/dir").items == 3
    names = sorted(i.filename for i in dataset.items.list().all())
    assert names == [
        "/dir/a-1.txt",
        "/dir/a-2.txt",
        "/dir/sub/b-1.txt",
        "/lines-1.txt",
        "/lines-3.txt",
    ]
    assert dataset.items.get(filepath="/lines-3.txt").metadata["user"] == {
        "text": "this is a second task"
    }


def test_image_dir_and_audio_dir_are_recursive_with_the_seeds_extensions(dataset, tmp_path):
    for name in ("a.png", "b.jpg", "deep/c.gif", ".hidden/d.png"):
        make_image(tmp_path / "media" / name, fmt="PNG" if name.endswith("png") else None)
    (tmp_path / "media" / "notes.txt").write_text("x")
    (tmp_path / "media" / "song.wav").write_bytes(b"RIFF....WAVEfmt ")
    report = dataset.import_from(tmp_path / "media", format="image-dir", link=True)
    assert report.items == 3
    assert sorted(i.filename for i in dataset.items.list().all()) == [
        "/a.png",
        "/b.jpg",
        "/deep/c.gif",
    ]
    assert dataset.items.get(filepath="/a.png").width == 64
    assert (
        dataset.import_from(tmp_path / "media", format="audio-dir", remote_path="/audio").items == 1
    )
    assert dataset.items.get(filepath="/audio/song.wav").mimetype.startswith("audio/")
