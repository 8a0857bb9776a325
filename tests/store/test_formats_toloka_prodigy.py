"""Toloka tasks (gold and baseline solutions, overlap) and Prodigy examples (hashes, dedup)."""

from __future__ import annotations

import json

import pytest

from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.formats.prodigy import set_hashes
from dl_jupyter.workflows.gold import Solutions
from tests.images import make_image

SEED_TASK = {
    "id": "95199da8-77f4-4ceb-8316-2916a84b4641",
    "origin_task_id": "e3da7fe1-828d-4d9c-b49d-42c0eb5fcfde",
    "pool_id": "1",
    "input_values": {"image_url": "image1.png"},
    "known_solutions": [
        {"output_values": {"result": "OK", "like": False}, "correctness_weight": 0.8},
        {"output_values": {"result": "OK", "like": True}, "correctness_weight": 1},
    ],
    "baseline_solutions": [
        {"output_values": {"result": "OK", "like": False}, "confidence_weight": 0.8},
        {"output_values": {"result": "OK", "like": True}},
    ],
    "message_on_unknown_solution": "The cat is in a good mood",
    "overlap": 3,
    "infinite_overlap": False,
    "reserved_for": [],
    "unavailable_for": ["u9"],
    "created": "2016-09-07T08:49:27.272",
}


@pytest.fixture
def dataset(project):
    return project.datasets.create(dataset_name="crowd")


def test_toloka_task_becomes_item_gold_baseline_and_overlap(dataset, tmp_path):
    make_image(tmp_path / "image1.png")
    (tmp_path / "tasks.json").write_text(
        json.dumps([SEED_TASK, {"input_values": {"text": "plain text"}}])
    )
    report = dataset.import_from(tmp_path / "tasks.json", format="toloka")
    assert (report.items, report.solutions, report.annotations) == (2, 4, 2)
    item = dataset.items.get(filepath="/image1.png")
    toloka = item.metadata["system"]["toloka"]
    assert (toloka["overlap"], toloka["pool_id"], toloka["unavailable_for"]) == (3, "1", ["u9"])
    assert item.metadata["user"] == {"image_url": "image1.png"}
    solutions = Solutions(dataset.client, dataset.id).get(item)
    assert solutions["known_solutions"] == SEED_TASK["known_solutions"]
    assert solutions["message_on_unknown_solution"] == "The cat is in a good mood"
    assert solutions["baseline_solutions"][1] == {
        "output_values": {"result": "OK", "like": True},
        "confidence_weight": 1,
    }
    baseline = sorted(
        (a.label, a.attributes["like"], a.score, a.automated) for a in item.annotations.list()
    )
    assert baseline == [("OK", False, 0.8, True), ("OK", True, 1.0, True)]
    assert Solutions(dataset.client, dataset.id).gold_item_ids() == [item.id]
    assert "OK" in dataset.labels_flat_dict


def test_toloka_json_and_tsv_round_trips(dataset, project, tmp_path):
    make_image(tmp_path / "image1.png")
    (tmp_path / "tasks.json").write_text(json.dumps(SEED_TASK))
    dataset.import_from(tmp_path / "tasks.json", format="toloka")
    dataset.export_to(tmp_path / "out.json", format="toloka")
    (task,) = json.loads((tmp_path / "out.json").read_text())
    assert task == SEED_TASK | {
        "baseline_solutions": [
            {"output_values": {"result": "OK", "like": False}, "confidence_weight": 0.8},
            {"output_values": {"result": "OK", "like": True}, "confidence_weight": 1.0},
        ]
    }
    report = dataset.export_to(tmp_path / "out.tsv", format="toloka")
    header, row = (tmp_path / "out.tsv").read_text().splitlines()
    assert header.split("\t") == ["INPUT:image_url", "GOLDEN:like", "GOLDEN:result", "HINT:text"]
    assert row.split("\t") == ["image1.png", "False", "OK", "The cat is in a good mood"]
    assert report.skipped[("solution", "TSV holds one known solution per task")] == 1
    again = project.datasets.create(dataset_name="again")
    again.import_from(tmp_path / "out.tsv", format="toloka")
    item = again.items.get(filepath="/image1.png")
    assert Solutions(again.client, again.id).get(item)["known_solutions"] == [
        {"output_values": {"like": "False", "result": "OK"}, "correctness_weight": 1.0}
    ]


def test_toloka_bad_weights_and_the_seeds_trailing_comma_change_nothing(dataset, tmp_path):
    bad = dict(
        SEED_TASK, known_solutions=[{"output_values": {"result": "OK"}, "correctness_weight": 2}]
    )
    (tmp_path / "bad.json").write_text(json.dumps([bad]))
    with pytest.raises(
        BadRequestError,
        match=r"\[0\]: known_solutions\[0\] correctness_weight must be a number from 0 to 1",
    ):
        dataset.import_from(tmp_path / "bad.json", format="toloka")
    (tmp_path / "comma.json").write_text(
        '{"input_values": {"a": "b"}, "known_solutions": [{"output_values": {"r": 1}}, ]}'
    )
    with pytest.raises(
        BadRequestError, match=r"comma.json: line 1, column 79: expected a JSON value"
    ):
        dataset.import_from(tmp_path / "comma.json", format="toloka")
    assert dataset.items_count == 0


EXAMPLES = [
    {
        "text": "Apple is looking at buying U.K. startup",
        "spans": [{"start": 0, "end": 5, "label": "ORG", "token_start": 0, "token_end": 0}],
        "answer": "accept",
        "_session_id": "joe",
    },
    {"text": "Apple is looking at buying U.K. startup", "label": "TECH", "answer": "reject"},
    {
        "text": "Good movie",
        "options": [{"id": "POS", "text": "positive"}, {"id": "NEG", "text": "negative"}],
        "accept": ["POS"],
        "answer": "accept",
        "meta": {"source": "imdb"},
    },
]


def test_prodigy_examples_hashes_and_deduplication(dataset, tmp_path):
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(e) + "\n" for e in EXAMPLES))
    report = dataset.import_from(tmp_path / "data.jsonl", format="prodigy")
    assert (report.items, report.annotations) == (2, 3)
    items = {
        i.metadata["user"].get("meta", {}).get("source"): i for i in dataset.items.list().all()
    }
    apple = items[None]
    with apple.open() as stream:
        assert stream.read().decode() == EXAMPLES[0]["text"]
    found = {a.type: a for a in apple.annotations.list()}
    assert (found["text_mark"].start, found["text_mark"].end, found["text_mark"].label) == (
        0,
        5,
        "ORG",
    )
    assert found["class"].metadata["system"]["prodigy"]["answer"] == "reject"
    hashes = {a.metadata["system"]["prodigy"]["input_hash"] for a in apple.annotations.list()}
    assert len(hashes) == 1
    assert [a.label for a in items["imdb"].annotations.list()] == ["POS"]
    again = dataset.import_from(tmp_path / "data.jsonl", format="prodigy")
    assert (again.items, again.annotations) == (0, 0)
    assert again.skipped[("example", "its task hash is already in the dataset")] == 3


def test_prodigy_export_rebuilds_the_examples(dataset, tmp_path):
    (tmp_path / "data.jsonl").write_text("".join(json.dumps(e) + "\n" for e in EXAMPLES))
    dataset.import_from(tmp_path / "data.jsonl", format="prodigy")
    dataset.export_to(tmp_path / "out.jsonl", format="prodigy")
    exported = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert len(exported) == 3
    assert sorted(e["_task_hash"] for e in exported) == sorted(
        set_hashes(dict(e))["_task_hash"] for e in EXAMPLES
    )
    by_text = {(e["text"], e.get("label"), tuple(e.get("accept", []))): e for e in exported}
    ner = by_text[(EXAMPLES[0]["text"], None, ())]
    assert (
        ner["spans"] == EXAMPLES[0]["spans"]
        and ner["_session_id"] == "joe"
        and ner["answer"] == "accept"
    )
    assert by_text[(EXAMPLES[1]["text"], "TECH", ())]["answer"] == "reject"
    choice = by_text[("Good movie", None, ("POS",))]
    assert choice["options"] == EXAMPLES[2]["options"] and choice["meta"] == {"source": "imdb"}


def test_prodigy_image_spans(dataset, tmp_path):
    make_image(tmp_path / "cat.png", (100, 80))
    example = {
        "image": "cat.png",
        "spans": [
            {"label": "CAT", "points": [[10, 10], [10, 40], [50, 40], [50, 10]], "type": "rect"},
            {"label": "EAR", "points": [[1, 1], [5, 1], [3, 6]]},
        ],
    }
    (tmp_path / "img.jsonl").write_text(json.dumps(example) + "\n")
    dataset.import_from(tmp_path / "img.jsonl", format="prodigy")
    found = {a.type: a for a in dataset.items.get(filepath="/cat.png").annotations.list()}
    assert (found["box"].left, found["box"].top, found["box"].right, found["box"].bottom) == (
        10,
        10,
        50,
        40,
    )
    assert found["segment"].geo.tolist() == [[1, 1], [5, 1], [3, 6]]
