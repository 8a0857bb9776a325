"""Mask encodings: COCO RLE as pycocotools writes it, and Label Studio's brush RLE."""

from __future__ import annotations

import numpy as np
import pytest

from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.formats import rle


def _mask(height: int = 7, width: int = 5) -> np.ndarray:
    mask = np.zeros((height, width), dtype=bool)
    mask[1:4, 2:5] = True
    mask[6, 0] = True
    return mask


def test_coco_runs_go_down_the_columns_starting_with_zeros():
    mask = np.array([[0, 1], [1, 1]], dtype=bool)
    # column-major: 0, 1, 1, 1 -> one zero, three ones
    assert rle.coco_counts(mask) == [1, 3]
    assert rle.coco_counts(np.ones((2, 2))) == [0, 4]


def test_compressed_counts_match_pycocotools_strings():
    # the C encoder's output for these runs (pycocotools' rleToString), worked by hand:
    # 100 -> 4 | 0x20 then 3: 'T3'; a difference of -5 from two runs back -> '[' (0x1b + 48)
    assert rle.compress_counts([100]) == "T3"
    assert rle.compress_counts([0, 4]) == "04"
    assert rle.compress_counts([1, 2, 3, 4]) == "123" + chr(((4 - 2) & 0x1F) + 48)
    assert rle.decompress_counts(rle.compress_counts([10, 20, 30, 15, 25, 1, 900])) == [
        10,
        20,
        30,
        15,
        25,
        1,
        900,
    ]


def test_coco_encode_decode_round_trip_and_uncompressed_counts():
    mask = _mask()
    encoded = rle.coco_encode(mask)
    assert encoded["size"] == [7, 5]
    assert np.array_equal(rle.coco_decode(encoded), mask)
    assert np.array_equal(rle.coco_decode({"size": [7, 5], "counts": rle.coco_counts(mask)}), mask)


def test_coco_rle_with_the_wrong_total_is_refused():
    with pytest.raises(BadRequestError, match="add up to 10"):
        rle.coco_decode({"size": [3, 3], "counts": [4, 6]})


def test_brush_rle_round_trip_and_header():
    mask = np.zeros((30, 40), dtype=bool)
    mask[5:20, 10:35] = True
    encoded = rle.brush_encode(mask)
    assert all(0 <= b <= 255 for b in encoded)
    assert int.from_bytes(bytes(encoded[:4]), "big") == 30 * 40 * 4  # 32-bit value count first
    assert np.array_equal(rle.brush_decode(encoded, 40, 30), mask)


def test_brush_rle_reads_literal_chunks_and_long_runs():
    # header: 8 values, word size 8, run sizes 3, 4, 8, 16; a literal chunk of 4 words
    # (0, 0, 0, 255) then a repeat chunk of 4 x 255: one pixel clear, one set
    bits = f"{8:032b}" + f"{7:05b}" + "0010" + "0011" + "0111" + "1111"
    bits += "0" + "00" + "011" + "00000000" * 3 + "11111111"
    bits += "1" + "00" + "011" + "11111111"
    bits += "0" * (-len(bits) % 8)
    data = list(int(bits, 2).to_bytes(len(bits) // 8, "big"))
    assert rle.brush_decode(data, 2, 1).tolist() == [[True, True]]
    big = np.ones((300, 300), dtype=bool)  # 360,000 equal values: split into 65,536-long runs
    assert np.array_equal(rle.brush_decode(rle.brush_encode(big), 300, 300), big)


def test_brush_rle_of_another_size_is_refused():
    with pytest.raises(BadRequestError, match="not 4 x 4 x 4"):
        rle.brush_decode(rle.brush_encode(np.ones((3, 3))), 4, 4)
