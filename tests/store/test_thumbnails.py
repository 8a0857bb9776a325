"""Thumbnails: made once through the bounded decoder, cached beside the blobs."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image

from dl_jupyter.store.media import MAX_PIXELS
from dl_jupyter.store.thumbnails import SIZES, Thumbnails, bucket, source_key
from tests.images import make_image


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels in a few bytes (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def test_sizes_are_served_from_buckets():
    assert [bucket(s) for s in (10, 128, 129, 300, 5000)] == [128, 128, 256, 512, SIZES[-1]]


def test_a_thumbnail_is_made_once_and_kept_beside_the_blobs(store, tmp_path):
    blob = store.blobs.put_bytes(make_image(tmp_path / "a.png", (600, 300)).read_bytes()).sha256
    thumbnails = Thumbnails(store.blobs)
    data = thumbnails.get(blob, 200)
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (256, 128)
    path = Path(thumbnails.path(blob, 200))
    assert path.is_relative_to(Path(store.blobs.root)) and path.read_bytes() == data
    assert path.parts[-3:-1] == ("256", blob[:2])

    def refuse(*_args):
        raise AssertionError("the cached thumbnail should have been used")

    thumbnails._make = refuse
    assert thumbnails.get(blob, 140) == data  # same bucket: read from disk
    assert not list(path.parent.glob("*.tmp"))


def test_transparent_images_go_on_white_and_small_ones_stay_small(store, tmp_path):
    rgba = Image.new("RGBA", (40, 20), (255, 0, 0, 0))
    buffer = io.BytesIO()
    rgba.save(buffer, format="PNG")
    blob = store.blobs.put_bytes(buffer.getvalue()).sha256
    image = Image.open(io.BytesIO(Thumbnails(store.blobs).get(blob, 64)))
    assert image.mode == "RGB" and image.getpixel((5, 5)) == (255, 255, 255)  # on white
    small = store.blobs.put_bytes(make_image(tmp_path / "s.png", (30, 30)).read_bytes()).sha256
    assert Image.open(io.BytesIO(Thumbnails(store.blobs).get(small, 64))).size == (30, 30)


def test_what_is_not_an_image_or_too_big_has_no_thumbnail(store):
    text = store.blobs.put_bytes(b"just text").sha256
    bomb = store.blobs.put_bytes(_png_header_only(20_000, 20_000)).sha256
    assert MAX_PIXELS < 20_000 * 20_000
    thumbnails = Thumbnails(store.blobs)
    assert thumbnails.get(text, 128) is None
    assert thumbnails.get(bomb, 128) is None
    assert thumbnails.get(None, 128) is None


def test_linked_files_are_keyed_by_their_link(store, tmp_path):
    path = make_image(tmp_path / "linked.jpg", (100, 50))
    thumbnails = Thumbnails(store.blobs)
    data = thumbnails.get(None, 128, link=str(path))
    assert Image.open(io.BytesIO(data)).size == (100, 50)
    key = source_key(None, str(path))
    assert Path(thumbnails.path(key, 128)).exists()


def test_many_at_once_keep_their_order(store, tmp_path):
    blobs = [
        store.blobs.put_bytes(make_image(tmp_path / f"{n}.png", (20 + n, 10)).read_bytes()).sha256
        for n in range(6)
    ]
    found = Thumbnails(store.blobs).get_many([(b, None) for b in blobs] + [(None, None)], 128)
    assert [Image.open(io.BytesIO(d)).size[0] for d in found[:-1]] == [20, 21, 22, 23, 24, 25]
    assert found[-1] is None
