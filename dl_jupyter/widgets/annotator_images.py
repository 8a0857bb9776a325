"""Item images for the annotator: a bounded preview per item, the full image on zoom.

Decoding goes through ``store.media.open_image`` (pixel limit enforced). An item is first
decoded at most ``PREVIEW_SIDE`` pixels on its long side (JPEG draft mode makes an 8000 x 6000
photo cost a fraction of a full decode); only when the view zooms in beyond what the preview
holds is the full image decoded, once, in a worker thread, and the view drawn again from it.
The next item's preview is decoded ahead, so moving on finds it ready.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from dl_jupyter.exceptions import DlError
from dl_jupyter.store.media import open_image

PREVIEW_SIDE = 2048
KEEP_PREVIEWS = 8
KEEP_FULL = 1


@dataclass(frozen=True)
class Picture:
    """Decoded pixels of an item, ``scale`` picture pixels per item pixel."""

    image: Image.Image
    scale: float


@dataclass(frozen=True)
class View:
    """``scale`` CSS pixels per image pixel; (x, y) the image point at the stage's top-left."""

    scale: float
    x: float
    y: float


@dataclass(frozen=True)
class Region:
    """Pixels for part of a layer: ``pixels`` (H x W x 3) go at (left, top) of the layer."""

    pixels: np.ndarray
    left: int
    top: int


def decode(item: Any, max_side: int | None) -> Picture | None:
    """The item's image (RGB), reduced to ``max_side``; None when it is not an image."""
    if not item.width or not item.height:
        return None
    try:
        with item.open() as stream:
            image = open_image(stream, item.name or "image", max_side=max_side)
            image = image.convert("RGB")
    except (DlError, OSError):
        return None
    return Picture(image, image.width / item.width)


class ItemImages:
    """Previews of recent items and the full image of the last zoomed one, decoded off the
    kernel's thread; ``on_ready`` callbacks run back on the kernel's event loop."""

    def __init__(self, preview_side: int = PREVIEW_SIDE) -> None:
        self.preview_side = preview_side
        self._previews: OrderedDict[str, Future] = OrderedDict()
        self._full: OrderedDict[str, Future] = OrderedDict()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dl-annotator-decode")
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:  # a plain script: no loop to come back to, decode inline
            self._loop = None

    def _future(self, cache: OrderedDict, keep: int, item: Any, max_side: int | None) -> Future:
        with self._lock:
            future = cache.get(item.id)
            if future is None:
                future = self._pool.submit(decode, item, max_side)
                cache[item.id] = future
            cache.move_to_end(item.id)
            while len(cache) > keep:
                cache.popitem(last=False)
            return future

    def preview(self, item: Any) -> Picture | None:
        """The item's preview, decoding it now if it was not fetched ahead."""
        return self._future(self._previews, KEEP_PREVIEWS, item, self.preview_side).result()

    def prefetch(self, item: Any | None) -> None:
        if item is not None:
            self._future(self._previews, KEEP_PREVIEWS, item, self.preview_side)

    def full(self, item: Any, on_ready: Callable[[], None]) -> Picture | None:
        """The full image if decoded; else start decoding it and call ``on_ready`` (on the
        kernel's loop) when done. Without a loop it is decoded right away."""
        future = self._future(self._full, KEEP_FULL, item, None)
        if self._loop is None or future.done():
            return future.result()
        if not getattr(future, "dl_notifies", False):
            future.dl_notifies = True
            loop = self._loop
            future.add_done_callback(lambda _f: loop.call_soon_threadsafe(on_ready))
        return None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def render_region(
    picture: Picture, item_size: tuple[int, int], view: View, size: tuple[int, int], dpr: float
) -> Region | None:
    """The part of the image a layer of ``size`` device pixels shows under ``view``."""
    item_width, item_height = item_size
    width, height = size
    device = view.scale * dpr
    x0, y0 = max(view.x, 0.0), max(view.y, 0.0)
    x1 = min(view.x + width / device, float(item_width))
    y1 = min(view.y + height / device, float(item_height))
    if x1 <= x0 or y1 <= y0:
        return None
    left, top = round((x0 - view.x) * device), round((y0 - view.y) * device)
    out = (max(1, round((x1 - x0) * device)), max(1, round((y1 - y0) * device)))
    s = picture.scale
    box = (x0 * s, y0 * s, x1 * s, y1 * s)
    resample = Image.Resampling.BILINEAR if device < s else Image.Resampling.NEAREST
    pixels = picture.image.resize(out, resample, box=box, reducing_gap=2.0)
    return Region(np.asarray(pixels), left, top)


def needs_full(picture: Picture | None, view: View, dpr: float) -> bool:
    """Whether the view shows more image detail than the preview holds."""
    return picture is not None and picture.scale < 1 and view.scale * dpr > picture.scale * 1.05
