"""Prodigy's hashes: MurmurHash3 x86 32-bit and the input/task hash rules."""

from __future__ import annotations

import pytest

from dl_jupyter.formats.prodigy import get_hash, murmurhash3_32, set_hashes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("hello", 613153351),
        ("foo", -156908512),
        ("The quick brown fox jumps over the lazy dog", 776992547),
    ],
)
def test_murmurhash3_matches_the_reference_vectors(text, expected):
    assert murmurhash3_32(text.encode()) == expected


def test_murmurhash3_seed_and_tails():
    assert murmurhash3_32(b"", seed=1) == 1364076727
    assert len({murmurhash3_32(b"abcde"[:n]) for n in range(6)}) == 6


def test_same_input_other_question_shares_the_input_hash_only():
    a = set_hashes({"text": "Text", "label": "LABEL_A"})
    b = set_hashes({"text": "Text", "label": "LABEL_B"})
    c = set_hashes({"text": "Other", "label": "LABEL_A"})
    assert a["_input_hash"] == b["_input_hash"] != c["_input_hash"]
    assert len({a["_task_hash"], b["_task_hash"], c["_task_hash"]}) == 3


def test_answers_and_session_stamps_do_not_change_the_hashes():
    plain = set_hashes({"text": "Text", "spans": [{"start": 0, "end": 4, "label": "X"}]})
    stamped = set_hashes(
        {
            "text": "Text",
            "spans": [{"start": 0, "end": 4, "label": "X"}],
            "answer": "reject",
            "_session_id": "ann-joe",
            "meta": {"source": "x"},
        }
    )
    assert (plain["_input_hash"], plain["_task_hash"]) == (
        stamped["_input_hash"],
        stamped["_task_hash"],
    )


def test_existing_hashes_are_kept_unless_overwritten():
    task = {"text": "a", "_input_hash": 1, "_task_hash": 2}
    assert set_hashes(dict(task))["_task_hash"] == 2
    assert set_hashes(dict(task), overwrite=True)["_input_hash"] == get_hash(task, ("text",))


def test_without_input_keys_every_other_key_counts():
    assert get_hash({"question": "a", "score": 0.1}, ("text",)) == get_hash(
        {"question": "a", "score": 0.9}, ("text",)
    )
    assert get_hash({"question": "a"}, ("text",)) != get_hash({"question": "b"}, ("text",))
