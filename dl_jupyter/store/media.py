"""What a binary is (mimetype, image size) from its header, and bounded image decoding.

Only the header is read at upload: Pillow's ``Image.open`` is lazy, so a 100-megapixel
JPEG costs a few kilobytes to probe. Images above ``MAX_PIXELS`` are refused as possible
decompression bombs; a file Pillow cannot read is simply not an image.
"""

from __future__ import annotations

import mimetypes
import warnings
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from PIL import Image, UnidentifiedImageError

from dl_jupyter.exceptions import BadRequestError

MAX_PIXELS = 150_000_000


@dataclass(frozen=True)
class MediaInfo:
    mimetype: str
    width: int | None = None
    height: int | None = None


def guess_mimetype(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def probe(stream: BinaryIO, name: str) -> MediaInfo:
    """The mimetype and, for images, the size, read from the header of ``stream``."""
    start = stream.tell() if stream.seekable() else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                width, height = image.size
                mimetype = Image.MIME.get(image.format or "", guess_mimetype(name))
    except Image.DecompressionBombError:
        raise BadRequestError(
            f"{name}: image is too large to open safely (decompression bomb)"
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return MediaInfo(guess_mimetype(name))
    finally:
        if start is not None:
            stream.seek(start)
    if width * height > MAX_PIXELS:
        raise BadRequestError(
            f"{name}: {width} x {height} pixels is above the limit of {MAX_PIXELS:,} "
            "(a possible decompression bomb)"
        )
    return MediaInfo(mimetype, width, height)


def open_image(stream: BinaryIO, name: str = "image", max_side: int | None = None) -> Image.Image:
    """Decode an image with the pixel limit enforced; ``max_side`` decodes a reduced copy
    (JPEG draft mode skips most of the work)."""
    info = probe(stream, name)
    if info.width is None:
        raise BadRequestError(f"{name} is not an image Pillow can decode")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image = Image.open(stream)
        if max_side is not None and max(image.size) > max_side:
            image.draft("RGB", (max_side, max_side))
            image.thumbnail((max_side, max_side))
        image.load()
    return image


def image_array(stream: BinaryIO, name: str = "image") -> np.ndarray:
    """The decoded image as an array (H x W x C, uint8)."""
    return np.asarray(open_image(stream, name))
