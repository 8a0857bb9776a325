"""Binary masks to outlines in numpy: 8-connected components, outer-border tracing, simplification.

Outlines run through the centres of the blob's border pixels, in (x, y) = (column, row) pixel
indices, as OpenCV's ``findContours`` reports them; filling such an outline with its boundary
included gives the blob back (holes excepted).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from dl_jupyter.exceptions import BadRequestError

# Neighbour steps (row, column) in counter-clockwise order on screen (y grows downwards):
# east, north-east, north, north-west, west, south-west, south, south-east.
_STEPS = ((0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1), (1, 0), (1, 1))
_WEST = 4


@dataclass(frozen=True)
class Component:
    """One 8-connected blob: pixel count, inclusive extent, first pixel in raster order."""

    pixels: int
    top: int
    left: int
    bottom: int
    right: int
    start: tuple[int, int]


def binary_mask(mask: object, owner: str = "mask") -> np.ndarray:
    """A 2-D bool array where ``mask`` is nonzero; anything else is a BadRequestError."""
    array = np.asarray(mask)
    if array.ndim != 2:
        raise BadRequestError(f"{owner} must be a 2-D mask, got shape {array.shape}")
    if array.dtype == bool:
        return array
    if not (np.issubdtype(array.dtype, np.number)):
        raise BadRequestError(f"{owner} must hold numbers or booleans, got dtype {array.dtype}")
    return array != 0


def find_components(mask: object) -> list[Component]:
    """The mask's 8-connected blobs, largest first (ties in raster order).

    Works on horizontal runs of set pixels: runs in neighbouring rows that touch are merged with a
    vectorised union-find, so the cost follows the number of runs, not of pixels.
    """
    set_pixels = binary_mask(mask)
    width = set_pixels.shape[1]
    edges = np.diff(np.pad(set_pixels, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    rows, starts = np.nonzero(edges == 1)
    ends = np.nonzero(edges == -1)[1]  # exclusive
    if rows.size == 0:
        return []
    stride = width + 2
    below = (rows + 1) * stride
    # Runs of the next row touching run [s, e) (8-connected): start <= e and end >= s.
    first = np.searchsorted(rows * stride + ends, below + starts, side="left")
    stop = np.searchsorted(rows * stride + starts, below + ends, side="right")
    counts = np.maximum(stop - first, 0)
    upper = np.repeat(np.arange(rows.size), counts)
    lower = np.repeat(first - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())
    roots = _merge(rows.size, upper, lower)

    # A root is the smallest run index of its blob, hence the blob's first run in raster order.
    unique_roots, run_blob = np.unique(roots, return_inverse=True)
    blobs = unique_roots.size
    pixels = np.bincount(run_blob, weights=ends - starts, minlength=blobs).astype(int)
    bottom = np.zeros(blobs, dtype=int)
    np.maximum.at(bottom, run_blob, rows)
    left = np.full(blobs, width, dtype=int)
    np.minimum.at(left, run_blob, starts)
    right = np.zeros(blobs, dtype=int)
    np.maximum.at(right, run_blob, ends - 1)
    order = np.lexsort((unique_roots, -pixels))
    return [
        Component(
            pixels=int(pixels[i]),
            top=int(rows[unique_roots[i]]),
            left=int(left[i]),
            bottom=int(bottom[i]),
            right=int(right[i]),
            start=(int(rows[unique_roots[i]]), int(starts[unique_roots[i]])),
        )
        for i in order
    ]


def _merge(size: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Union-find over edges (a, b): each node's root, the smallest node of its connected set."""
    parent = np.arange(size)
    while a.size:
        root_a, root_b = parent[a], parent[b]
        apart = root_a != root_b
        if not apart.any():
            break
        a, b, root_a, root_b = a[apart], b[apart], root_a[apart], root_b[apart]
        np.minimum.at(parent, np.maximum(root_a, root_b), np.minimum(root_a, root_b))
        while True:  # point every node straight at its root
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
    return parent


class BorderTracer:
    """Follows outer borders of one mask (Suzuki-Abe border following, 8-connectivity)."""

    def __init__(self, mask: object) -> None:
        set_pixels = binary_mask(mask)
        self._stride = set_pixels.shape[1] + 2
        padded = np.zeros((set_pixels.shape[0] + 2, self._stride), dtype=np.uint8)
        padded[1:-1, 1:-1] = set_pixels
        self._cells = padded.tobytes()  # bytes indexing is much faster than numpy scalars
        self._offsets = [row * self._stride + col for row, col in _STEPS]

    def outer_border(self, start: tuple[int, int]) -> np.ndarray:
        """The (x, y) border pixels of the blob whose first pixel in raster order is ``start``."""
        row, col = start
        path = np.asarray(list(self._follow((row + 1) * self._stride + col + 1)))
        rows, cols = np.divmod(path, self._stride)
        return np.column_stack([cols - 1, rows - 1]).astype(float)

    def _follow(self, start: int) -> Iterator[int]:
        cells, offsets = self._cells, self._offsets
        yield start
        for turn in range(8):  # clockwise from the (empty) west neighbour
            direction = (_WEST - turn) % 8
            if cells[start + offsets[direction]]:
                break
        else:
            return  # a lone pixel
        last = start + offsets[direction]  # the border comes back to start through this pixel
        here, back = start, direction
        while True:
            for turn in range(1, 9):  # counter-clockwise, starting after the pixel we came from
                direction = (back + turn) % 8
                step = here + offsets[direction]
                if cells[step]:
                    break
            if step == start and here == last:
                return
            yield step
            here, back = step, (direction + 4) % 8


def simplify_closed(points: np.ndarray, epsilon: float | None) -> np.ndarray:
    """Douglas-Peucker on a closed outline; ``epsilon`` in pixels, 0 or None keeps every point."""
    if not epsilon or len(points) < 4:
        return points
    far = int(np.argmax(np.hypot(*(points - points[0]).T)))
    ring = np.vstack([points, points[:1]])
    keep = np.concatenate(
        [_keep_open(ring[: far + 1], epsilon)[:-1], _keep_open(ring[far:], epsilon)]
    )
    return points[keep[:-1]]


def _keep_open(points: np.ndarray, epsilon: float) -> np.ndarray:
    keep = np.zeros(len(points), dtype=bool)
    keep[[0, -1]] = True
    pending = [(0, len(points) - 1)]
    while pending:
        first, last = pending.pop()
        if last - first < 2:
            continue
        distances = _distance_to_segment(points[first + 1 : last], points[first], points[last])
        farthest = int(np.argmax(distances))
        if distances[farthest] > epsilon:
            split = first + 1 + farthest
            keep[split] = True
            pending += [(first, split), (split, last)]
    return keep


def _distance_to_segment(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    direction = b - a
    length_squared = float(direction @ direction)
    if length_squared == 0:
        return np.hypot(*(points - a).T)
    t = np.clip((points - a) @ direction / length_squared, 0, 1)
    return np.hypot(*(points - (a + t[:, None] * direction)).T)


def mask_to_outlines(
    mask: object,
    epsilon: float | None = None,
    max_instances: int | None = None,
    min_area: float = 0,
) -> list[np.ndarray]:
    """Outer outlines (Nx2 x, y) of blobs of at least ``min_area`` pixels, largest first.

    Blobs too thin to outline with three points (a lone pixel, two pixels) are skipped.
    """
    set_pixels = binary_mask(mask)
    tracer = BorderTracer(set_pixels)
    outlines: list[np.ndarray] = []
    for component in find_components(set_pixels):
        if component.pixels < min_area or (
            max_instances is not None and len(outlines) >= max_instances
        ):
            break
        outline = simplify_closed(tracer.outer_border(component.start), epsilon)
        if len(outline) >= 3:
            outlines.append(outline)
    return outlines


def polygon_area(points: np.ndarray) -> float:
    """Shoelace area of a closed outline (always non-negative)."""
    if len(points) < 3:
        return 0.0
    x, y = points[:, 0], points[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)
