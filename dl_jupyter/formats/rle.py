"""Run-length encodings of masks: COCO's (as pycocotools writes them) and Label Studio's brush.

COCO: runs over the mask read column by column (Fortran order), starting with a run of
zeros; ``counts`` is either the list of runs or pycocotools' compressed string, where each
run (minus the run two places before, from the fourth on) is written as 5-bit groups,
low bits first, in characters from '0' (48), 0x20 meaning "more groups follow" and 0x10
the sign of the last group.

Label Studio brush: the thi.ng ``rle-pack`` bit stream over the RGBA pixels of the image,
row by row. Header: 32 bits of value count, 5 bits of word size minus one, four 4-bit run
length sizes minus one; then chunks of 1 bit (repeat or literal), 2 bits choosing a run
length size, that many bits of length minus one, and one word (repeat) or that many words
(literal). The mask is the alpha channel.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dl_jupyter.exceptions import BadRequestError

BRUSH_RUN_SIZES = (3, 4, 8, 16)
BRUSH_WORD = 8


def _runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lengths, values) of the runs of equal values in a 1-D array."""
    if values.size == 0:
        return np.zeros(0, dtype=np.int64), values
    ends = np.flatnonzero(values[1:] != values[:-1])
    ends = np.append(ends, values.size - 1)
    lengths = np.diff(np.append(-1, ends))
    return lengths, values[ends]


# -- COCO ---------------------------------------------------------------------------------


def coco_counts(mask: np.ndarray) -> list[int]:
    """Uncompressed COCO runs of a 2-D mask (column-major, zeros first)."""
    flat = (np.asarray(mask) != 0).ravel(order="F").astype(np.uint8)
    lengths, values = _runs(flat)
    counts = lengths.tolist()
    if values.size and values[0] == 1:
        counts.insert(0, 0)
    return counts


def compress_counts(counts: Sequence[int]) -> str:
    """pycocotools' string form of a list of runs."""
    out = []
    for index, run in enumerate(counts):
        x = int(run) - (int(counts[index - 2]) if index > 2 else 0)
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = x != -1 if c & 0x10 else x != 0
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return "".join(out)


def decompress_counts(text: str) -> list[int]:
    """The list of runs of pycocotools' string form."""
    counts: list[int] = []
    position = 0
    while position < len(text):
        x = shift = 0
        more = True
        while more:
            if position >= len(text):
                raise BadRequestError("COCO RLE counts string ends in the middle of a number")
            c = ord(text[position]) - 48
            x |= (c & 0x1F) << shift
            more = bool(c & 0x20)
            position += 1
            shift += 5
            if not more and c & 0x10:
                x |= -1 << shift
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts


def coco_encode(mask: np.ndarray) -> dict:
    """A mask as compressed COCO RLE: ``{'size': [h, w], 'counts': str}``."""
    height, width = np.asarray(mask).shape[:2]
    return {"size": [int(height), int(width)], "counts": compress_counts(coco_counts(mask))}


def coco_decode(rle: dict) -> np.ndarray:
    """The boolean (h, w) mask of COCO RLE (compressed string or list of runs)."""
    try:
        height, width = (int(n) for n in rle["size"])
        counts = rle["counts"]
    except (KeyError, TypeError, ValueError):
        raise BadRequestError("COCO RLE needs 'size' [height, width] and 'counts'") from None
    runs = decompress_counts(counts) if isinstance(counts, str) else [int(c) for c in counts]
    if any(r < 0 for r in runs) or sum(runs) != height * width:
        raise BadRequestError(f"COCO RLE runs add up to {sum(runs)}, not {height} x {width} pixels")
    values = np.zeros(len(runs), dtype=bool)
    values[1::2] = True
    flat = np.repeat(values, runs)
    return flat.reshape((width, height)).T


# -- Label Studio brush ---------------------------------------------------------------------


def brush_encode(mask: np.ndarray) -> list[int]:
    """Label Studio's brush RLE of a 2-D mask (every channel 255 where the mask is set)."""
    flat = np.repeat((np.asarray(mask) != 0).ravel().astype(np.uint8) * 255, 4)
    bits = [
        f"{flat.size:032b}",
        f"{BRUSH_WORD - 1:05b}",
        *(f"{s - 1:04b}" for s in BRUSH_RUN_SIZES),
    ]
    lengths, values = _runs(flat)
    for length, value in zip(lengths.tolist(), values.tolist()):
        word = f"{value:08b}"
        if length == 1:
            bits.append("0" + "00" + "000" + word)
            continue
        while length > 0:
            part = min(length, 1 << BRUSH_RUN_SIZES[-1])
            size_index = next(k for k, s in enumerate(BRUSH_RUN_SIZES) if part <= 1 << s)
            size = BRUSH_RUN_SIZES[size_index]
            bits.append(f"1{size_index:02b}{part - 1:0{size}b}{word}")
            length -= part
    text = "".join(bits)
    text += "0" * (-len(text) % 8)
    return list(int(text, 2).to_bytes(len(text) // 8, "big"))


class _Bits:
    """Reads big-endian bit fields from bytes."""

    def __init__(self, data: Sequence[int]) -> None:
        try:
            self.bits = np.unpackbits(np.asarray(data, dtype=np.uint8))
        except (TypeError, ValueError, OverflowError):
            raise BadRequestError(
                "Label Studio brush rle must be a list of bytes (0-255)"
            ) from None
        self.position = 0

    def read(self, count: int) -> int:
        end = self.position + count
        if end > self.bits.size:
            raise BadRequestError("Label Studio brush rle ends in the middle of a value")
        value = 0
        for bit in self.bits[self.position : end].tolist():
            value = (value << 1) | bit
        self.position = end
        return value


def brush_decode(rle: Sequence[int], width: int, height: int) -> np.ndarray:
    """The boolean (height, width) mask (alpha > 0) of Label Studio's brush RLE."""
    bits = _Bits(rle)
    count = bits.read(32)
    if count != width * height * 4:
        raise BadRequestError(
            f"Label Studio brush rle holds {count} values, not "
            f"{width} x {height} x 4 for the image size given"
        )
    word = bits.read(5) + 1
    sizes = [bits.read(4) + 1 for _ in range(4)]
    out = np.zeros(count, dtype=np.uint8)
    index = 0
    while index < count:
        repeat = bits.read(1)
        end = min(index + 1 + bits.read(sizes[bits.read(2)]), count)
        if repeat:
            out[index:end] = bits.read(word)
        else:
            out[index:end] = [bits.read(word) for _ in range(end - index)]
        index = end
    return out.reshape(height, width, 4)[:, :, 3] > 0
