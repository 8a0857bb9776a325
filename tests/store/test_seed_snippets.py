"""The seeds' data-management snippets, run as written (only the login line and placeholder
values changed), including the tolerant call forms of inventory appendix B."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image
from tqdm import tqdm

import dl_jupyter as dl
from dl_jupyter import api
from tests.images import make_folder, make_image


@pytest.fixture
def dl_client(client, monkeypatch):
    """``dl.projects`` & co. on the test store, logged in."""
    monkeypatch.setattr(api, "_client", client)
    return client


def test_getting_started(dl_client, tmp_path):
    if dl.token_expired():
        dl.login()
    project = dl.projects.create(project_name="My-First-Project")
    project = dl.projects.get(project_name="My-First-Project")
    dataset = project.datasets.create(dataset_name="My-First-Dataset")
    dataset = project.datasets.get(dataset_name="My-First-Dataset")
    with pytest.raises(dl.NotFoundError) as error:
        project.datasets.get(dataset_name="Not-There")
    assert str(error.value) == "('404', \"Dataset not found. Name: 'Not-There'\")"
    local = make_folder(tmp_path / "images", ["test1.jpg", "test2.jpg"])
    dataset.items.upload(
        local_path=str(local / "test1.jpg"), item_metadata={"user": {"dummy": "fir"}}
    )
    item = dataset.items.get(filepath="/test1.jpg")
    assert item.metadata["user"]["dummy"] == "fir"
    label = dataset.add_label(label_name="Person")
    assert repr(label).startswith("Label(tag='Person', display_data={}, color='#")
    builder = item.annotations.builder()
    builder.add(
        annotation_definition=dl.Box(top=10, left=10, bottom=100, right=100, label="Person")
    )
    item.annotations.upload(builder)
    filters = dl.Filters()
    filters.add_join(field="label", values="Person")
    pages = dataset.items.list(filters=filters)
    assert pages.items_count == 1
    with pytest.raises(dl.NotFoundError, match="Unknown local path"):
        dataset.items.upload(local_path=str(tmp_path / "nowhere"))


def test_metadata_recipes(dl_client, dataset, tmp_path):
    item = dataset.items.upload(local_path=str(make_image(tmp_path / "m.jpg")))
    if "user" not in item.metadata:
        item.metadata["user"] = dict()
    item.metadata["user"]["MyKey"] = "MyValue"
    item = item.update()
    item.metadata["user"]["MyList"] = [1, "two"]
    item.metadata["user"]["MyList"].append(3)
    item = item.update()
    filters = dl.Filters()
    filters.add(field="metadata.user.MyKey", values="MyValue")
    assert dataset.items.list(filters=filters).items_count == 1
    assert dataset.items.get(item_id=item.id).metadata["user"]["MyList"] == [1, "two", 3]


def test_deep_copy_a_folder_to_another_dataset(dl_client, project, dataset, tmp_path):
    make_folder(tmp_path / "src", ["a.jpg", "sub/b.jpg"])
    dataset.items.upload(local_path=str(tmp_path / "src"), remote_path="/")
    for item in dataset.items.list().all():
        item.annotations.upload(
            dl.Annotation.new(annotation_definition=dl.Point(x=1, y=2, label="cat"))
        )
    dataset_to = project.datasets.create(dataset_name="destination")
    source_folder, destination_folder = "/src", "/copied"
    filters = dl.Filters()
    filters.add(field="filename", values=source_folder + "/**")
    pages = dataset.items.list(filters=filters)
    for page in pages:
        for item in page:
            buffer = item.download(save_locally=False)
            buffer.name = item.filename[len(source_folder) + 1 :]
            new_item = dataset_to.items.upload(local_path=buffer, remote_path=destination_folder)
            assert isinstance(new_item, dl.Item)
            new_item.annotations.upload(item.annotations.list())
    copied = sorted(i.filename for i in dataset_to.items.list().all())
    assert copied == ["/copied/a.jpg", "/copied/sub/b.jpg"]
    assert all(i.annotations_count == 1 for i in dataset_to.items.list().all())


def test_annotation_snippets(dl_client, dataset, tmp_path):
    dl.use_attributes_2(True)
    item = dataset.items.upload(local_path=str(make_image(tmp_path / "a.png", (320, 200))))
    builder = item.annotations.builder()
    builder.add(
        annotations_definition=dl.Ellipse(x=50, y=50, rx=20, ry=10, angle=30, label="my-label")
    )
    mask = np.zeros(shape=(item.height, item.width), dtype=np.uint8)
    mask[50:100, 200:250] = 1
    builder.add(annotation_definition=dl.Segmentation(geo=mask, label="my-label"))
    builder.add(
        annotation_definition=dl.Point(x=80, y=80, label="person", attributes={"color": "red"})
    )
    item.annotations.upload(builder)
    annotations = item.annotations.list()
    builder = item.annotations.builder()
    for annotation in annotations:
        if annotation.type == dl.AnnotationType.SEGMENTATION:
            builder.add(
                dl.Polygon.from_segmentation(
                    mask=annotation.annotation_definition.geo,
                    label=annotation.label,
                    max_instances=None,
                )
            )
            builder.add(annotation_definition=annotation.annotation_definition.to_box())
            annotation.delete()
    item.annotations.upload(annotations=builder)
    assert sorted(a.type for a in item.annotations.list()) == ["box", "ellipse", "point", "segment"]
    annotation = item.annotations.list()[0]
    annotation.attributes.update({"ID of the attribute": "value of the attribute"})
    annotation = annotation.update(system_metadata=True)
    assert item.annotations.get(annotation.id).attributes == {
        "ID of the attribute": "value of the attribute"
    }
    annotation.metadata["user"] = True  # B.1 #15: stored as given
    annotation.update()
    assert item.annotations.get(annotation.id).metadata["user"] is True
    overlay = item.annotations.show(width=item.width, height=item.height, thickness=3)
    image = Image.new("RGB", (item.width, item.height))
    mask_image = Image.fromarray(overlay)
    image.paste(mask_image, (0, 0), mask_image)
    assert image.getbbox() is not None
    item.set_description(text="this is item description")
    assert dataset.items.get(item_id=item.id).description == "this is item description"


def test_rgb_label_image_to_segmentations(dl_client, dataset, tmp_path):
    item = dataset.items.upload(local_path=str(make_image(tmp_path / "s.png", (40, 30))))
    mask = np.zeros((30, 40, 3), dtype=np.uint8)
    mask[5:10, 5:10] = (255, 0, 0)
    mask[20:25, 20:30] = (0, 0, 255)
    builder = item.annotations.builder()
    colors = np.unique(mask.reshape(-1, 3), axis=0)
    for i, color in enumerate(colors[1:]):  # the first is the background
        builder.add(
            annotation_definition=dl.Segmentation(geo=np.all(color == mask, axis=2), label=str(i))
        )
    assert len(item.annotations.upload(builder)) == 2


def test_pagination_patterns(dl_client, dataset, tmp_path):
    make_folder(tmp_path / "p", [f"{n}.jpg" for n in range(7)], size=(4, 4))
    dataset.items.upload(local_path=str(tmp_path / "p"))
    pages = dataset.items.list(page_size=3)
    assert [len(page) for i_page, page in enumerate(pages)] == [3, 3, 1]
    seen = []
    for page in reversed(pages):
        for item in page:
            item.metadata.setdefault("user", {})["visited"] = True
            item.update()
            seen.append(item.name)
    assert len(seen) == 7
    with ThreadPoolExecutor(max_workers=32) as pool:
        sizes = list(tqdm(pool.map(lambda item: item.width, pages.all()), total=pages.items_count))
    assert sizes == [4] * 7
    filters = dl.Filters(resource=dl.FiltersResource.ANNOTATION)
    filters.page_size = 0
    assert dataset.annotations.list(filters=filters).items_count == 0
    assert len(dataset.items.get_all_items()) == 7


def test_bulk_label_change(dl_client, dataset, tmp_path):
    item = dataset.items.upload(local_path=str(make_image(tmp_path / "l.png")))
    builder = item.annotations.builder()
    for n in range(5):
        builder.add(dl.Box(n, n, n + 3, n + 3, label="oldLabel"))
    item.annotations.upload(builder)
    dataset.add_label(label_name="newLabel", color=(2, 43, 123))
    filters = dl.Filters(resource=dl.FiltersResource.ANNOTATION)
    filters.add(field="label", values="oldLabel")
    pages = dataset.annotations.list(filters=filters)
    for annotation in pages.all():
        annotation.label = "newLabel"
        annotation.update()
    assert {a.label for a in item.annotations.list()} == {"newLabel"}


def test_upload_dataframe_buffers_and_annotation_files(dl_client, dataset, tmp_path):
    import json

    import pandas

    local = make_image(tmp_path / "x.jpg")
    annotation_file = tmp_path / "x.json"
    annotation_file.write_text(
        json.dumps(
            {
                "metadata": {"user": {"from": "json"}},
                "annotations": [
                    dl.Annotation.new(
                        annotation_definition=dl.Box(1, 2, 3, 4, label="cat")
                    ).to_json()
                ],
            }
        )
    )
    df = pandas.DataFrame(
        [
            {
                "local_path": str(local),
                "local_annotations_path": str(annotation_file),
                "remote_path": "/df",
                "remote_name": "renamed.jpg",
                "item_metadata": {"user": {"k": "v"}},
            }
        ]
    )
    items = dataset.items.upload(local_path=df, overwrite=True)
    assert items[0].filename == "/df/renamed.jpg" and items[0].annotations_count == 1
    from_json = dataset.items.upload(
        local_path=str(local),
        local_annotations_path=str(annotation_file),
        item_metadata=dl.ExportMetadata.FROM_JSON,
        overwrite=True,
    )
    assert from_json.metadata["user"] == {"from": "json"}
    buffer = io.BytesIO((tmp_path / "x.jpg").read_bytes())
    buffer.name = "from-buffer.jpg"
    assert dataset.items.upload(local_path=buffer).name == "from-buffer.jpg"
