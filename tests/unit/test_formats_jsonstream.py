"""Streaming JSON: values split across chunks, positions in errors, bounded reads."""

from __future__ import annotations

import json

import pytest

from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.formats.jsonstream import JsonReader, iter_json_lines, position

DOCUMENT = {
    "info": {"year": 2024, "text": 'caf\u00e9 "quoted" \\ slash'},
    "images": [{"id": n, "file_name": f"img{n}.jpg", "width": 640.5 + n} for n in range(50)],
    "annotations": [
        {"id": n, "bbox": [1e-3 * n, -2.5, 123456789, True], "x": None} for n in range(200)
    ],
    "categories": [],
}


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 20])
def test_members_stream_arrays_and_decode_the_rest_whatever_the_chunk_size(tmp_path, chunk):
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(DOCUMENT, indent=1))
    seen: dict = {}
    for key, index, value, _ in JsonReader(path, chunk=chunk).members(
        stream={"images", "annotations", "categories"}
    ):
        if index is None:
            seen[key] = value
        else:
            assert index == len(seen.setdefault(key, []))
            seen[key].append(value)
    assert seen == {k: v for k, v in DOCUMENT.items() if k != "categories"}


def test_array_elements_report_their_offsets(tmp_path):
    path = tmp_path / "tasks.json"
    path.write_text('[\n  {"a": 1},\n  12.5e3,\n  "x"\n]')
    elements = list(JsonReader(path, chunk=4).array())
    assert [(i, v) for i, v, _ in elements] == [(0, {"a": 1}), (1, 12500.0), (2, "x")]
    assert position(path, elements[1][2]) == "line 3, column 3"


def test_a_number_cut_by_a_chunk_boundary_is_read_whole(tmp_path):
    path = tmp_path / "numbers.json"
    path.write_text("[1234567890123, 98765]")
    assert [v for _, v, _ in JsonReader(path, chunk=3).array()] == [1234567890123, 98765]


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        ('[{"a": 1},\n {"b": 2}, ]', "line 2, column 12", "expected a JSON value"),
        ('{"images": [1, 2}', "line 1, column 17", "expected ',' or ']'"),
        ("[1, 2]\n[3]", "line 2, column 1", "extra data"),
        ('{"a": tru}', "line 1, column 7", "expected a JSON value"),
        ('["unterminated', "line 1, column 2", "Unterminated string"),
    ],
)
def test_malformed_files_fail_with_the_file_the_position_and_the_reason(
    tmp_path, text, where, reason
):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(BadRequestError) as caught:
        reader = JsonReader(path, chunk=2)
        if text.startswith("{"):
            list(reader.members(stream={"images"}))
        else:
            list(reader.array())
    assert str(path) in caught.value.message
    assert where in caught.value.message
    assert reason in caught.value.message


def test_the_toloka_seed_sample_with_its_trailing_comma_is_refused_clearly(tmp_path):
    path = tmp_path / "toloka.json"
    path.write_text(
        '{"known_solutions": [\n {"output_values": {"result": "OK"}},\n ],\n "overlap": 3}'
    )
    with pytest.raises(BadRequestError, match=r"line 3, column 2: expected a JSON value"):
        JsonReader(path).document()


def test_json_lines_name_the_bad_line(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text('{"text": "a"}\n\n{"text": "b"\n')
    with pytest.raises(BadRequestError, match=r"data.jsonl: line 3"):
        list(iter_json_lines(path))


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(BadRequestError, match="Cannot read"):
        JsonReader(tmp_path / "none.json").document()
