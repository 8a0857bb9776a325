"""Items: every upload source, reading, updating, moving, deleting and downloading."""

from __future__ import annotations

import http.server
import io
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from PIL import Image

import dl_jupyter as dl
from dl_jupyter.store import schema
from tests.images import make_folder, make_image


def test_upload_a_file_reads_the_header(dataset, tmp_path):
    item = dataset.items.upload(local_path=str(make_image(tmp_path / "a.png", (321, 123))))
    assert isinstance(item, dl.Item)
    assert (item.filename, item.dir, item.name, item.type) == ("/a.png", "/", "a.png", "file")
    assert (item.width, item.height, item.mimetype) == (321, 123, "image/png")
    assert item.size == (tmp_path / "a.png").stat().st_size
    assert item.creator == "owner@example.com" and item.metadata["system"]["refs"] == []
    assert dataset.items.get(item_id=item.id).filename == "/a.png"


def test_upload_a_folder_keeps_the_tree_and_star_drops_the_head(dataset, tmp_path):
    make_folder(tmp_path / "pics", ["x.jpg", "sub/y.jpg", "sub/deeper/z.png"])
    (tmp_path / "pics" / "notes.txt").write_text("hello")
    uploaded = dataset.items.upload(local_path=str(tmp_path / "pics"), remote_path="/in")
    assert sorted(i.filename for i in uploaded) == [
        "/in/pics/notes.txt",
        "/in/pics/sub/deeper/z.png",
        "/in/pics/sub/y.jpg",
        "/in/pics/x.jpg",
    ]
    text = dataset.items.get(filepath="/in/pics/notes.txt")
    assert text.mimetype == "text/plain" and text.width is None
    only = dataset.items.upload(
        local_path=str(tmp_path / "pics") + "/*", remote_path="/flat", file_types=[".jpg"]
    )
    assert sorted(i.filename for i in only) == ["/flat/sub/y.jpg", "/flat/x.jpg"]
    tree = dataset.directory_tree()
    assert "/in/pics/sub/deeper" in tree.dir_names and tree.children("/in/pics") == ["/in/pics/sub"]
    dirs = dataset.items.list(filters=dl.Filters(field="type", values="dir"))
    assert {d.filename for d in dirs.all()} >= {"/in", "/in/pics", "/in/pics/sub", "/flat"}


def test_upload_buffers_arrays_lists_and_dataframes(dataset, tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10)).save(buffer, format="JPEG")
    buffer.name = "buf.jpg"
    assert dataset.items.upload(local_path=buffer, remote_path="/b").filename == "/b/buf.jpg"
    array = np.zeros((8, 9, 3), dtype=np.uint8)
    assert dataset.items.upload(local_path=array, remote_name="arr.png").width == 9
    with pytest.raises(dl.BadRequestError, match="remote_name"):
        dataset.items.upload(local_path=array)
    files = [str(make_image(tmp_path / f"l{i}.jpg")) for i in range(3)]
    assert len(dataset.items.upload(local_path=files, remote_path="/list")) == 3
    frame = pd.DataFrame(
        {
            "local_path": files[:2],
            "remote_path": ["/df", "/df2"],
            "item_metadata": [{"user": {"k": 1}}, {"user": {"k": 2}}],
        }
    )
    uploaded = dataset.items.upload(local_path=frame)
    assert [i.metadata["user"]["k"] for i in uploaded] == [1, 2]


def test_metadata_shapes_and_description(dataset, tmp_path):
    path = str(make_image(tmp_path / "m.jpg"))
    item = dataset.items.upload(
        local_path=path, item_metadata={"Hellow": "Word"}, item_description="a car"
    )
    assert item.metadata["user"] == {"Hellow": "Word"} and item.description == "a car"
    with pytest.raises(dl.BadRequestError, match="JSON"):
        dataset.items.upload(
            local_path=path, remote_path="/x", item_metadata={"user": {"n": float("nan")}}
        )
    assert dataset.items.list(filters=dl.Filters(field="dir", values="/x")).items_count == 0


def test_overwrite_keeps_or_replaces(dataset, tmp_path):
    path = make_image(tmp_path / "o.png", (10, 10))
    first = dataset.items.upload(local_path=str(path))
    make_image(path, (30, 20))
    kept = dataset.items.upload(local_path=str(path))
    assert kept.id == first.id and kept.width == 10
    replaced = dataset.items.upload(local_path=str(path), overwrite=True)
    assert replaced.id == first.id and replaced.width == 30 and replaced.version == 2
    assert not dataset._client.store.blobs.exists(first.blob)  # the old binary went away


def test_identical_content_is_stored_once(dataset, tmp_path):
    make_image(tmp_path / "one.png")
    make_image(tmp_path / "two.png")
    a = dataset.items.upload(local_path=str(tmp_path / "one.png"))
    b = dataset.items.upload(local_path=str(tmp_path / "two.png"))
    assert a.blob == b.blob
    a.delete()
    assert dataset._client.store.blobs.exists(b.blob)
    assert (
        dataset.items.get(item_id=b.id).download(save_locally=False).read().startswith(b"\x89PNG")
    )


def test_linked_files_and_url_links(dataset, tmp_path):
    path = make_image(tmp_path / "linked.jpg", (12, 34))
    linked = dataset.items.upload(local_path=str(path), link=True)
    assert linked.blob is None and linked.height == 34
    assert linked.download(save_locally=False, to_array=True).shape == (34, 12, 3)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = lambda *a: Quiet(*a, directory=str(tmp_path))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/linked.jpg"
        item = dataset.items.upload(
            local_path=dl.UrlLink(ref=url, mimetype="image", name="remote.jpg")
        )
        assert (item.filename, item.width, item.mimetype) == ("/remote.jpg", 12, "image/jpeg")
        assert item.download(save_locally=False).read()[:2] == b"\xff\xd8"
        dead = dataset.items.upload(local_path=f"http://127.0.0.1:{server.server_port}/missing.jpg")
        assert dead.width is None and dead.mimetype == "image/jpeg"
    finally:
        server.shutdown()


def test_bad_input_changes_nothing(dataset, tmp_path):
    good = str(make_image(tmp_path / "g.jpg"))
    with pytest.raises(dl.NotFoundError, match="Unknown local path"):
        dataset.items.upload(local_path=[good, str(tmp_path / "missing.jpg")])
    for remote in ("/../etc", "/a/../../b", "a\\b"):
        with pytest.raises(dl.BadRequestError):
            dataset.items.upload(local_path=good, remote_path=remote)
    with pytest.raises(dl.BadRequestError, match="both be uploaded"):
        dataset.items.upload(local_path=[good, good])
    assert dataset.items.count() == 0
    with dataset._client.store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.items)).scalar() == 0


def test_decompression_bombs_are_refused_and_broken_images_kept(dataset, tmp_path, monkeypatch):
    from dl_jupyter.store import media

    monkeypatch.setattr(media, "MAX_PIXELS", 100 * 100)
    big = make_image(tmp_path / "big.png", (200, 200))
    with pytest.raises(dl.BadRequestError, match="decompression bomb"):
        dataset.items.upload(local_path=str(big))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    item = dataset.items.upload(local_path=str(broken))
    assert item.mimetype == "image/jpeg" and item.width is None and dataset.items.count() == 1


def test_get_errors_name_what_was_asked(dataset):
    with pytest.raises(dl.NotFoundError, match=r"Filepath: '/nope\.jpg'"):
        dataset.items.get(filepath="/nope.jpg")
    with pytest.raises(dl.NotFoundError, match="Id: 'abc'"):
        dataset.items.get(item_id="abc")


def test_update_metadata_rename_and_conflicts(dataset, tmp_path):
    item = dataset.items.upload(local_path=str(make_image(tmp_path / "u.jpg")))
    stale = dataset.items.get(item_id=item.id)
    if "user" not in item.metadata:
        item.metadata["user"] = {}
    item.metadata["user"]["MyKey"] = "MyValue"
    item.metadata["system"]["width"] = 1  # ignored without system_metadata=True
    item = item.update()
    assert item.metadata["user"] == {"MyKey": "MyValue"} and item.width == 64
    assert (
        dataset.items.list(
            filters=dl.Filters(field="metadata.user.MyKey", values="MyValue")
        ).items_count
        == 1
    )
    stale.metadata["user"] = {"other": 1}
    with pytest.raises(dl.ConflictError):
        stale.update()
    item.name = "renamed.jpg"
    item = item.update()
    assert item.filename == "/renamed.jpg"
    assert item.set_description("described").description == "described"


def test_bulk_update_user_and_system_sections(dataset, tmp_path):
    make_folder(tmp_path / "f", ["a.jpg", "b.jpg", "c.jpg"])
    dataset.items.upload(local_path=str(tmp_path / "f"))
    every = dl.Filters(field="dir", values="/f")
    with pytest.raises(dl.BadRequestError, match="at least ONE"):
        dataset.items.update(filters=every)
    dataset.items.update(filters=every, update_values={"user": {"dateTime": "2024-01-01"}})
    dataset.items.update(filters=every, update_values={"score": 0.5, "tags": ["x", "y"]})
    dataset.items.update(
        filters=every, system_update_values={"origin": "camera"}, system_metadata=True
    )
    item = dataset.items.get(filepath="/f/a.jpg")
    assert item.metadata["user"] == {"dateTime": "2024-01-01", "score": 0.5, "tags": ["x", "y"]}
    assert item.metadata["system"]["origin"] == "camera" and item.version == 4
    tagged = dl.Filters(field="metadata.user.tags", values="y")
    assert dataset.items.list(filters=tagged).items_count == 3
    dataset.items.update(filters=every, update_values={"tags": ["z"]})
    assert dataset.items.list(filters=tagged).items_count == 0


def test_bulk_update_replaces_the_index_rows_below_a_key_and_keeps_its_neighbours(
    dataset, tmp_path
):
    make_folder(tmp_path / "n", ["a.jpg", "b.jpg"])
    dataset.items.upload(local_path=str(tmp_path / "n"))
    every = dl.Filters(field="dir", values="/n")
    dataset.items.update(
        filters=every, update_values={"camera": {"make": "acme"}, "camera-id": 7, "cameras": 2}
    )
    dataset.items.update(filters=every, update_values={"camera": "plain"})

    def count(field: str, value: object) -> int:
        return dataset.items.list(filters=dl.Filters(field=field, values=value)).items_count

    assert count("metadata.user.camera.make", "acme") == 0
    assert count("metadata.user.camera", "plain") == 2
    assert count("metadata.user.camera-id", 7) == 2
    assert count("metadata.user.cameras", 2) == 2


def test_move_make_dir_and_collisions(dataset, tmp_path):
    make_folder(tmp_path / "m", ["a.jpg", "b.jpg"])
    dataset.items.upload(local_path=str(tmp_path / "m"))
    folder = dataset.items.make_dir(directory="/archive/2024")
    assert folder.type == "dir" and folder.filename == "/archive/2024"
    dataset.items.move_items(
        destination="/archive/2024", filters=dl.Filters(field="dir", values="/m")
    )
    assert sorted(i.filename for i in dataset.items.list().all()) == [
        "/archive/2024/a.jpg",
        "/archive/2024/b.jpg",
    ]
    a = dataset.items.get(filepath="/archive/2024/a.jpg")
    moved = a.move("/new/")
    assert moved.filename == "/new/a.jpg"
    with pytest.raises(dl.ConflictError, match="already exists"):
        dataset.items.get(filepath="/archive/2024/b.jpg").move("/new/a.jpg")
    assert moved.move("/new/c.jpg").filename == "/new/c.jpg"


def test_delete_one_and_by_filter_cleans_everything(dataset, tmp_path):
    make_folder(tmp_path / "d", ["a.jpg", "b.jpg", "c.jpg"])
    items = dataset.items.upload(local_path=str(tmp_path / "d"), item_metadata={"user": {"k": 1}})
    items[0].annotations.upload(
        dl.Annotation.new(annotation_definition=dl.Box(0, 0, 3, 3, label="cat"))
    )
    assert dataset.items.delete(item_id=items[0].id)
    dataset.items.delete(filters=dl.Filters(field="name", values="b.jpg"))
    assert [i.name for i in dataset.items.list().all()] == ["c.jpg"]
    with dataset._client.store.read() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(schema.annotations)).scalar() == 0
        )
        fields = conn.execute(sa.select(schema.item_fields.c.item_id).distinct()).scalars().all()
    assert fields == [items[2].id]


def test_item_clone_shares_the_binary(dataset, project, tmp_path):
    other = project.datasets.create(dataset_name="other")
    item = dataset.items.upload(
        local_path=str(make_image(tmp_path / "c.jpg")), item_metadata={"user": {"k": 1}}
    )
    item.annotations.upload(dl.Annotation.new(annotation_definition=dl.Point(1, 2, label="cat")))
    clone = item.clone(dst_dataset_id=other.id, remote_filepath="/copies/c.jpg")
    assert clone.dataset_id == other.id and clone.blob == item.blob and clone.annotations_count == 1
    assert clone.metadata["user"] == {"k": 1} and clone.src_item_id == item.id
    with pytest.raises(dl.ConflictError, match="allow_many"):
        item.clone(dst_dataset_id=other.id, remote_filepath="/copies/d.jpg")


def test_download_layout_buffers_and_arrays(dataset, tmp_path):
    make_folder(tmp_path / "src", ["a.jpg", "sub/b.jpg"], size=(40, 30))
    dataset.items.upload(local_path=str(tmp_path / "src"))
    item = dataset.items.get(filepath="/src/a.jpg")
    item.annotations.upload(
        dl.Annotation.new(annotation_definition=dl.Box(1, 1, 20, 10, label="cat"))
    )
    folder = Path(
        dataset.download(local_path=str(tmp_path / "out"), annotation_options=["json", "mask"])
    )
    assert (folder / "items" / "src" / "sub" / "b.jpg").is_file()
    assert (folder / "json" / "src" / "a.json").is_file()
    mask = np.asarray(Image.open(folder / "mask" / "src" / "a.png"))
    assert mask.shape == (30, 40, 4) and tuple(mask[1, 10][:3]) == (255, 0, 0)
    path = item.download(local_path=str(tmp_path / "one"))
    assert Path(path).read_bytes() == (tmp_path / "src" / "a.jpg").read_bytes()
    buffer = item.download(save_locally=False)
    assert buffer.name == "a.jpg" and buffer.read() == (tmp_path / "src" / "a.jpg").read_bytes()
    assert item.download(save_locally=False, to_array=True).shape == (30, 40, 3)


def test_readonly_dataset_refuses_writes(dataset, tmp_path):
    item = dataset.items.upload(local_path=str(make_image(tmp_path / "r.jpg")))
    dataset.set_readonly(True)
    with pytest.raises(dl.ForbiddenError, match="read-only"):
        dataset.items.upload(local_path=str(make_image(tmp_path / "s.jpg")))
    with pytest.raises(dl.ForbiddenError, match="read-only"):
        item.annotations.upload(
            dl.Annotation.new(annotation_definition=dl.Point(1, 1, label="cat"))
        )
    dataset.set_readonly(False)
    assert dataset.items.upload(local_path=str(make_image(tmp_path / "s.jpg"))).name == "s.jpg"
