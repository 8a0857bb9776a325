"""Quality control: QA over a parent task, gold items (Toloka known_solutions), qualification,
consensus agreement and merging, dynamic overlap, and progress."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

import dl_jupyter as dl
from dl_jupyter import api
from dl_jupyter.store import schema
from dl_jupyter.store.timeutil import to_iso
from tests.store.workflow_team import ANNOTATORS, MANAGER, acting_as, add_items, add_team, drain

A1, A2, A3 = ANNOTATORS


@pytest.fixture(autouse=True)
def module_level_client(client, monkeypatch):
    monkeypatch.setattr(api, "_client", client)


@pytest.fixture
def team(project):
    add_team(project)
    return project


def label(client, email, item, *definitions):
    with acting_as(client, email):
        item.annotations.upload([dl.Annotation.new(annotation_definition=d) for d in definitions])


def statuses_of(item) -> list[str | None]:
    return sorted(a.status or "" for a in item.annotations.list())


# -- QA ----------------------------------------------------------------------------------------
def test_qa_issue_goes_back_to_the_annotator_and_returns_when_fixed(client, dataset, team):
    items = add_items(dataset, 4)
    task = dataset.tasks.create(task_name="label", assignee_ids=[A1], items=items)
    with acting_as(client, A1):
        queue = task.queue()
        for _ in range(3):
            item = queue.next()
            item.annotations.upload(
                dl.Annotation.new(
                    annotation_definition=dl.Box(left=0, top=0, right=5, bottom=5, label="cat")
                )
            )
            queue.set_status(item, "completed")
    with pytest.raises(dl.BadRequestError, match="task_parent_id"):
        dataset.tasks.create(task_name="orphan", task_type="qa", assignee_ids=[A2])
    qa = dataset.tasks.create_qa_task(task=task, assignee_ids=[A2])
    assert qa.total_items == 3  # only items with a status in the parent
    with acting_as(client, A2):
        review = qa.queue()
        first = review.next()
        review.set_status(first, "issue")
    assert statuses_of(dl.items.get(item_id=first.id)) == ["issue"]
    with acting_as(client, A1):
        queue = task.queue()
        assert queue.next().id == first.id  # back with its annotator
        queue.set_status(first, "completed")
    assert statuses_of(dl.items.get(item_id=first.id)) == ["review"]
    with acting_as(client, A2):
        review = qa.queue()
        reviewed = [review.next() for _ in range(3)]
        assert first.id in {i.id for i in reviewed}  # returned to QA
        for item in reviewed:
            review.set_status(item, "approved")
        assert review.next() is None
    fixed = dl.items.get(item_id=first.id)
    assert statuses_of(fixed) == ["approved"]
    assert fixed.metadata["system"]["annotationStatus"] == ["approved", "completed"]
    log = schema.item_status_log
    with client.store.read() as conn:
        trail = conn.execute(
            sa.select(log.c.status, log.c.creator)
            .where(log.c.item_id == first.id)
            .order_by(log.c.created_at, log.c.id)
        ).all()
    assert [tuple(t) for t in trail] == [
        ("completed", A1),
        ("issue", A2),
        ("issue", A2),
        ("completed", A1),
        (None, A1),
        ("approved", A2),
    ]
    assert qa.progress().loc[A2, "approved"] == 3


# -- gold --------------------------------------------------------------------------------------
TOLOKA_TASK = {
    "id": "95199da8-77f4-4ceb-8316-2916a84b4641",
    "pool_id": "1",
    "input_values": {"image_url": "www.images/image1.ru"},
    "known_solutions": [
        {"output_values": {"result": "OK", "like": False}, "correctness_weight": 0.8},
        {"output_values": {"result": "OK", "like": True}, "correctness_weight": 1},
    ],
    "baseline_solutions": [
        {"output_values": {"result": "OK", "like": False}, "confidence_weight": 0.8},
        {"output_values": {"result": "OK", "like": True}, "confidence_weight": 1},
    ],
    "message_on_unknown_solution": "The cat is in a good mood",
    "overlap": 3,
    "infinite_overlap": False,
    "reserved_for": [],
    "unavailable_for": [],
}


def test_solutions_in_toloka_keys(dataset, team):
    item = add_items(dataset, 1)[0]
    dataset.tasks.solutions.set_from_toloka(item, TOLOKA_TASK)
    stored = dataset.tasks.solutions.get(item)
    assert stored["known_solutions"] == [
        {"output_values": {"result": "OK", "like": False}, "correctness_weight": 0.8},
        {"output_values": {"result": "OK", "like": True}, "correctness_weight": 1.0},
    ]
    assert stored["baseline_solutions"][0]["confidence_weight"] == 0.8
    assert stored["message_on_unknown_solution"] == "The cat is in a good mood"
    with pytest.raises(dl.BadRequestError, match="correctness_weight"):
        dataset.tasks.solutions.set_known(
            item, [{"output_values": {"label": "cat"}, "correctness_weight": 2}]
        )
    assert dataset.tasks.solutions.gold_item_ids() == [item.id]


def test_honeypot_mixes_gold_at_its_ratio_and_measures_accuracy(client, dataset, team):
    add_items(dataset, 16, prefix="/batch")
    gold = add_items(dataset, 3, prefix="/gold")
    for item in gold:
        dataset.tasks.solutions.set_known(
            item,
            [
                {"output_values": {"label": "cat"}, "correctness_weight": 1},
                {"output_values": {"label": "lynx"}, "correctness_weight": 0.5},
            ],
            message_on_unknown_solution="Look at the ears",
        )
    task = dataset.tasks.create_honeypot_task(
        name="honey",
        assignee_ids=[A1, A2],
        consensus_percentage=0,
        gold_ratio=0.25,
        filters=dl.Filters(field="dir", values="/batch"),
    )
    assert task.total_items == 19 and task.kind == "honeypot"
    gold_ids = {i.id for i in gold}
    answers = {A1: ["lynx", "cat"], A2: ["dog", "dog"]}
    for person in (A1, A2):
        with acting_as(client, person):
            queue = task.queue()
            served = []
            while (item := queue.next()) is not None:
                if item.id in gold_ids:
                    label(client, person, item, dl.Classification(label=answers[person].pop()))
                    grade = queue.gold_feedback(item)
                    assert grade.correct is (person == A1)
                    assert grade.hint == (None if person == A1 else "Look at the ears")
                queue.set_status(item, "completed")
                served.append(item.id in gold_ids)
        assert served == [False, False, False, True] * 2 + [False, False]  # one in four is gold
    accuracy = task.gold_accuracy().set_index("annotator")
    assert accuracy.loc[A1, "accuracy"] == pytest.approx(1.5 / 2)
    assert accuracy.loc[A2, "accuracy"] == 0 and accuracy.loc[A2, "answered"] == 2


def test_qualification_records_a_pass_and_gates_production_work(client, dataset, team):
    exam = add_items(dataset, 2, prefix="/exam")
    for item in exam:
        dataset.tasks.solutions.set_known(item, [{"output_values": {"label": "cat"}}])
    qualification = dataset.tasks.create_qualification_task(
        name="exam",
        assignee_ids=[A1, A2],
        consensus_percentage=66,
        consensus_assignees=2,
        filters=dl.Filters(field="dir", values="/exam"),
    )
    for person, answer in ((A1, "cat"), (A2, "dog")):
        with acting_as(client, person):
            queue = qualification.queue()
            while (item := queue.next()) is not None:
                label(client, person, item, dl.Classification(label=answer))
                queue.set_status(item, "completed")
    results = qualification.qualification_results().set_index("annotator")
    assert results.loc[A1, "passed"] and results.loc[A1, "score"] == 1
    assert not results.loc[A2, "passed"] and results.loc[A2, "answered"] == 2
    add_items(dataset, 4, prefix="/production")
    production = dataset.tasks.create(
        task_name="production",
        assignee_ids=[A1, A2],
        qualification_task=qualification,
        filters=dl.Filters(field="dir", values="/production"),
    )
    with acting_as(client, A1):
        assert production.queue().next() is not None
    with acting_as(client, A2), pytest.raises(dl.ForbiddenError, match="must pass qualification"):
        production.queue().next()


# -- consensus ---------------------------------------------------------------------------------
def box(left, top, right, bottom, tag="cat"):
    return dl.Box(left=left, top=top, right=right, bottom=bottom, label=tag)


@pytest.fixture
def answered_consensus(client, dataset, team):
    """Three annotators on two items: boxes with one disagreement, and classes."""
    items = add_items(dataset, 2)
    task = dataset.tasks.create_consensus_task(
        name="consensus", assignee_ids=ANNOTATORS, consensus_percentage=100, consensus_assignees=3
    )
    drawings = {
        A1: [box(0, 0, 10, 10), box(50, 50, 60, 60, "dog")],
        A2: [box(1, 1, 11, 11), box(50, 50, 60, 60, "dog")],
        A3: [box(0, 0, 10, 10, "dog")],
    }
    classes = {A1: "day", A2: "day", A3: "night"}
    for person in ANNOTATORS:
        label(client, person, items[0], *drawings[person])
        label(client, person, items[1], dl.Classification(label=classes[person]))
        with acting_as(client, person):
            drain(task.queue())
    return task, items


def test_agreement_and_task_scores(answered_consensus):
    task, items = answered_consensus
    pairs = task.agreement(level="pair")
    assert len(pairs) == 6
    by_item = task.agreement(level="item").set_index("item_id")
    assert by_item.loc[items[1].id, "agreement"] == pytest.approx(1 / 3)
    assert by_item.loc[items[1].id, "annotators"] == 3
    people = task.agreement(level="annotator").set_index("annotator")
    assert people.loc[A1, "agreement"] > people.loc[A3, "agreement"]
    scores = task.task_scores()
    assert [s["itemId"] for s in scores] == sorted(i.id for i in items)
    assert all(len(s["pairs"]) == 3 for s in scores)
    with pytest.raises(dl.BadRequestError, match="agreement level"):
        task.agreement(level="everything")


@pytest.mark.parametrize("method", ["majority", "dawid_skene"])
def test_merging_answers_into_final_annotations(answered_consensus, method):
    task, items = answered_consensus
    merged = task.merge_consensus(method=method)
    boxes = sorted(merged[items[0].id], key=lambda b: b.left)
    assert [(b.label, round(b.left, 2), round(b.right, 2)) for b in boxes] == [
        ("cat", 0.33, 10.33),
        ("dog", 50, 60),
    ]
    assert [c.label for c in merged[items[1].id]] == ["day"]
    task.merge_consensus(method=method)  # merging again replaces the earlier merge
    stored = [a for a in items[0].annotations.list() if "consensus" in a.metadata.get("system", {})]
    assert len(stored) == 2 and all(a.automated for a in stored)
    assert stored[0].metadata["system"]["consensus"]["taskId"] == task.id
    with pytest.raises(dl.BadRequestError, match="merge method"):
        task.merge_consensus(method="coin")


# -- dynamic overlap ---------------------------------------------------------------------------
def test_dynamic_overlap_adds_assignees_while_confidence_is_low(client, dataset, team):
    items = add_items(dataset, 2)
    for item in items:
        dataset.tasks.solutions.set_baseline(
            item,
            [
                {"output_values": {"label": "dog"}, "confidence_weight": 0.8},
                {"output_values": {"label": "cat"}, "confidence_weight": 0.4},
            ],
        )
    task = dataset.tasks.create_labeling(
        name="irl", batch_size=3, allowed_assignees=ANNOTATORS, dynamic_overlap=(1, 3, 0.8)
    )
    answers = {
        A1: {items[0].id: "dog", items[1].id: "cat"},
        A2: {items[1].id: "dog"},
        A3: {items[1].id: "dog"},
    }
    for person in ANNOTATORS:
        with acting_as(client, person):
            queue = task.queue()
            while (item := queue.next()) is not None:
                label(client, person, item, dl.Classification(label=answers[person][item.id]))
                queue.set_status(item, "completed")
    done = task.to_df().groupby("item_id")["assignee"].apply(sorted).to_dict()
    assert done == {items[0].id: [A1], items[1].id: sorted(ANNOTATORS)}
    assert dl.tasks.get(task_id=task.id).status == "completed"


# -- progress ----------------------------------------------------------------------------------
def test_progress_counts_and_pace(client, dataset, team):
    add_items(dataset, 6)
    task = dataset.tasks.create(task_name="pace", assignee_ids=[A1, A2])
    with acting_as(client, A1):
        queue = task.queue()
        for status in ("completed", "completed", "discarded"):
            queue.set_status(queue.next(), status)
    log = schema.item_status_log
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    with client.store.write() as conn:  # pretend A1 worked 30 s, then 90 s, per item
        rows = conn.execute(
            sa.select(log.c.id).where(log.c.task_id == task.id).order_by(log.c.created_at, log.c.id)
        )
        for seconds, (log_id,) in zip((0, 30, 120), rows.all()):
            conn.execute(
                log.update()
                .where(log.c.id == log_id)
                .values(created_at=to_iso(start + timedelta(seconds=seconds)))
            )
    frame = task.progress()
    assert frame.loc[A1, ["assigned", "done", "open", "completed", "discarded"]].tolist() == [
        3,
        3,
        0,
        2,
        1,
    ]
    assert frame.loc[A2, ["assigned", "done", "open"]].tolist() == [3, 0, 3]
    assert frame.loc[A1, "seconds_per_item"] == 60
    assert frame.loc[A1, "items_per_hour"] == pytest.approx(2 * 3600 / 120)
    with acting_as(client, MANAGER):
        assert task.progress().attrs["pool"] == 0
