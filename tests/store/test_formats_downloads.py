"""``dataset.download`` / ``items.download`` with annotation options: the SDK's folder layout
and the pixel values of the PNG masks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import dl_jupyter as dl
from dl_jupyter.exceptions import BadRequestError
from tests.images import make_folder


@pytest.fixture
def annotated(dataset, tmp_path):
    """/src/a.jpg (40 x 30) with a filled cat box and a dog polygon; /src/sub/b.jpg bare."""
    make_folder(tmp_path / "src", ["a.jpg", "sub/b.jpg"], size=(40, 30))
    dataset.items.upload(local_path=str(tmp_path / "src"))
    item = dataset.items.get(filepath="/src/a.jpg")
    builder = item.annotations.builder()
    builder.add(dl.Box(left=2, top=2, right=10, bottom=8, label="cat"))
    builder.add(dl.Polygon(geo=[[20, 10], [35, 10], [35, 25], [20, 25]], label="dog"))
    builder.upload()
    return dataset


def test_layout_items_json_mask_and_instance_folders(annotated, tmp_path):
    folder = Path(
        annotated.download(
            local_path=str(tmp_path / "out"),
            annotation_options=[dl.ViewAnnotationOptions.JSON, "mask", "instance"],
            thickness=-1,
        )
    )
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "instance/src/a.png",
        "instance/src/sub/b.png",
        "items/src/a.jpg",
        "items/src/sub/b.jpg",
        "json/src/a.json",
        "json/src/sub/b.json",
        "mask/src/a.png",
        "mask/src/sub/b.png",
    ]
    data = json.loads((folder / "json" / "src" / "a.json").read_text())
    assert data["filename"] == "/src/a.jpg"
    assert sorted(a["label"] for a in data["annotations"]) == ["cat", "dog"]


def test_mask_png_pixels_are_the_label_colours_with_alpha(annotated, tmp_path):
    folder = Path(
        annotated.download(
            local_path=str(tmp_path / "out"), annotation_options="mask", thickness=-1
        )
    )
    mask = np.asarray(Image.open(folder / "mask" / "src" / "a.png"))
    assert mask.shape == (30, 40, 4)
    assert tuple(mask[5, 5]) == (255, 0, 0, 255)  # inside the cat box: the recipe's #ff0000
    assert tuple(mask[15, 25]) == (0, 255, 0, 255)  # inside the dog polygon: #00ff00
    assert tuple(mask[0, 39]) == (0, 0, 0, 0)  # untouched: transparent


def test_instance_png_pixels_are_the_label_ids(annotated, tmp_path):
    folder = Path(
        annotated.download(
            local_path=str(tmp_path / "out"), annotation_options="instance", thickness=-1
        )
    )
    instance = np.asarray(Image.open(folder / "instance" / "src" / "a.png"))
    ids = annotated.instance_map
    assert instance.ndim == 2 and instance.shape == (30, 40)
    assert instance[5, 5] == ids["cat"] and instance[15, 25] == ids["dog"] and instance[0, 39] == 0
    assert set(np.unique(instance)) == {0, ids["cat"], ids["dog"]}
    assert not np.asarray(Image.open(folder / "instance" / "src" / "sub" / "b.png")).any()


def test_outline_thickness_leaves_the_inside_clear(annotated, tmp_path):
    folder = Path(
        annotated.download(
            local_path=str(tmp_path / "out"), annotation_options="instance", thickness=1
        )
    )
    instance = np.asarray(Image.open(folder / "instance" / "src" / "a.png"))
    assert instance[2, 5] == annotated.instance_map["cat"]  # on the top edge
    assert instance[5, 5] == 0  # inside


def test_filters_annotation_filters_and_flat_layouts(annotated, tmp_path):
    only_dogs = dl.Filters(resource=dl.FiltersResource.ANNOTATION, field="label", values="dog")
    paths = annotated.items.download(
        filters=dl.Filters(field="dir", values="/src"),
        local_path=str(tmp_path / "f"),
        annotation_options="json",
        annotation_filters=only_dogs,
        to_items_folder=False,
    )
    assert paths == [str(tmp_path / "f" / "src" / "a.jpg")]
    data = json.loads((tmp_path / "f" / "json" / "src" / "a.json").read_text())
    assert [a["label"] for a in data["annotations"]] == ["dog"]
    flat = annotated.items.download(local_path=str(tmp_path / "flat"), without_relative_path=True)
    assert sorted(Path(p).name for p in flat) == ["a.jpg", "b.jpg"]
    assert all(Path(p).parent == tmp_path / "flat" / "items" for p in flat)


def test_existing_files_are_kept_unless_overwrite(annotated, tmp_path):
    target = tmp_path / "out" / "items" / "src" / "a.jpg"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"mine")
    annotated.download(local_path=str(tmp_path / "out"))
    assert target.read_bytes() == b"mine"
    annotated.download(local_path=str(tmp_path / "out"), overwrite=True)
    assert target.read_bytes() != b"mine"


def test_item_download_with_annotation_options_and_bad_options(annotated, tmp_path):
    item = annotated.items.get(filepath="/src/a.jpg")
    path = item.download(local_path=str(tmp_path / "one"), annotation_options=["json"])
    assert Path(path).is_file()
    assert (tmp_path / "one" / "json" / "src" / "a.json").is_file()
    with pytest.raises(BadRequestError, match="Unknown annotation option 'pdf'"):
        annotated.download(local_path=str(tmp_path / "bad"), annotation_options="pdf")


def test_download_folder_and_save_locally_as_the_sdks_snippets_call_them(annotated, tmp_path):
    folder = Path(
        annotated.download_folder(
            folder_path="/src/sub",
            local_path=str(tmp_path / "sub"),
            annotation_options="json",
            save_locally=True,
        )
    )
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "items/src/sub/b.jpg",
        "json/src/sub/b.json",
    ]
    assert Path(annotated.download(local_path=str(tmp_path / "all"), save_locally=True)).is_dir()
