"""One routing engine for every system: overlap in distribution and pulling tasks, Prodigy's
routers (the seed's examples run as written), sessions up front or joining, work stealing,
Toloka's reserved_for / unavailable_for, and Label Studio's sampling orders."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Dict, List  # noqa: UP035 (the seed's routers are typed so)

import pytest
import sqlalchemy as sa

import dl_jupyter as dl
from dl_jupyter import TASK_HASH_ATTR, Controller, api
from dl_jupyter.store import schema
from dl_jupyter.store.timeutil import to_iso
from dl_jupyter.workflows.hashing import task_hash
from dl_jupyter.workflows.overlap import overlap_from
from tests.store.workflow_team import ANNOTATORS, acting_as, add_items, add_team, drain

A1, A2, A3 = ANNOTATORS
LINGUISTS = ["vincent@example.com", "ines@example.com", "matt@example.com"]


@pytest.fixture(autouse=True)
def module_level_client(client, monkeypatch):
    monkeypatch.setattr(api, "_client", client)


@pytest.fixture
def team(project):
    add_team(project)
    for email in LINGUISTS:
        project.add_member(email, dl.MemberRole.ANNOTATOR)
    return project


def holders(task) -> dict[str, list[str]]:
    """item id -> assignees holding it."""
    found: dict[str, list[str]] = {}
    for assignment in task.assignments.list():
        for item in assignment.get_items().all():
            found.setdefault(item.id, []).append(assignment.annotator)
    return found


def work(client, task, people, status="completed") -> dict[str, list[str]]:
    """Each person drains their queue in turn, until nobody gets anything more."""
    done: dict[str, list[str]] = {p: [] for p in people}
    while True:
        progress = 0
        for person in people:
            with acting_as(client, person):
                queue = task.queue()
                item = queue.next()
                if item is not None:
                    queue.set_status(item, status)
                    done[person].append(item.id)
                    progress += 1
        if not progress:
            return done


# -- overlap ---------------------------------------------------------------------------------
def test_distribution_overlap_gives_distinct_assignees(dataset, team):
    add_items(dataset, 30)
    exact = dataset.tasks.create(
        task_name="two each", assignee_ids=ANNOTATORS, annotations_per_task=2
    )
    assert all(len(set(h)) == 2 for h in holders(exact).values()) and len(holders(exact)) == 30
    everyone = dataset.tasks.create(
        task_name="everyone", assignee_ids=ANNOTATORS, feed_overlap=True
    )
    assert all(sorted(h) == sorted(ANNOTATORS) for h in holders(everyone).values())
    consensus = dataset.tasks.create_consensus_task(
        name="consensus", assignee_ids=ANNOTATORS, consensus_percentage=50, consensus_assignees=2
    )
    policy = overlap_from(consensus_percentage=50, consensus_assignees=2)
    for item_id, names in holders(consensus).items():
        assert len(set(names)) == len(names) == policy.needed(task_hash(item_id))


def test_pulling_overlap_is_filled_by_distinct_assignees(client, dataset, team):
    add_items(dataset, 12)
    task = dataset.tasks.create_labeling(name="pairs", batch_size=3, annotations_per_task=2)
    done = work(client, task, ANNOTATORS)
    per_item = Counter(i for ids in done.values() for i in ids)
    assert len(per_item) == 12 and set(per_item.values()) == {2}
    assert all(len(ids) == len(set(ids)) for ids in done.values())


def test_average_overlap_is_hash_consistent(client, dataset, team):
    add_items(dataset, 40)
    task = dataset.tasks.create_labeling(name="1.5", batch_size=4, annotations_per_task=1.5)
    done = work(client, task, ANNOTATORS)
    per_item = Counter(i for ids in done.values() for i in ids)
    assert all(
        n == overlap_from(annotations_per_task=1.5).needed(task_hash(i))
        for i, n in per_item.items()
    )
    assert set(per_item.values()) == {1, 2} and len(per_item) == 40


def test_feed_overlap_in_a_pulling_task_serves_everyone_everything(client, dataset, team):
    add_items(dataset, 7)
    task = dataset.tasks.create_labeling(name="all", batch_size=3, feed_overlap=True)
    done = work(client, task, [A1, A2])
    assert sorted(done[A1]) == sorted(done[A2]) and len(done[A1]) == 7


# -- sessions --------------------------------------------------------------------------------
def test_sessions_up_front_or_joining_at_any_time(client, dataset, team):
    add_items(dataset, 6)
    fixed = dataset.tasks.create_labeling(name="fixed", batch_size=3, allowed_assignees=[A1, A2])
    with acting_as(client, A3), pytest.raises(dl.ForbiddenError, match="not an assignee"):
        fixed.queue().next()
    open_task = dataset.tasks.create_labeling(name="open", batch_size=3)
    with acting_as(client, A3):
        assert open_task.queue().next() is not None
    assert [a.annotator for a in open_task.assignments.list()] == [A3]
    fixed.add_items(items=add_items(dataset, 1, prefix="/late"), assignee_ids=[A3])
    with acting_as(client, A3):
        assert fixed.queue().next() is not None  # named by a manager, A3 is in the team now


# -- the seed's routers, as written -------------------------------------------------------
def task_router_hash(ctrl: Controller, session_id: str, item: Dict) -> List[str]:  # noqa: UP006
    # Get a list of available session id's from the Controller
    pool_of_annotators = ctrl.session_ids
    # Get the task hash from the current example
    task_hash = item["_task_hash"]
    # Get a "random" but deterministic index by the modulo operator
    idx = task_hash % len(pool_of_annotators)
    # Use idx to return a list with a single "random" annotator
    return [pool_of_annotators[idx]]


def task_router_db_check(ctrl: Controller, session_id: str, item: Dict) -> List[str]:  # noqa: UP006
    # Get the task hash from the current example
    task_hash = item["_task_hash"]
    # Count how often the current task hash appears in the dataset
    hash_count = ctrl.db.get_hash_count(ctrl.dataset, session_id, kind="task")
    # Returning an empty list will not route this example to anyone
    if hash_count >= 1:
        return []
    # Get a list of available session id's from the Controller
    pool_of_annotators = ctrl.session_ids
    # Get a "random" but deterministic index by the modulo operator
    idx = task_hash % len(pool_of_annotators)
    # Use idx to return a list with a single "random" annotator
    return [pool_of_annotators[idx]]


def task_router_n(ctrl: Controller, session_id: str, item: Dict) -> List[str]:  # noqa: UP006
    # Define how many annotators need to see each example.
    N_ANNOT = 2
    # Count how often the current task hash appears in the dataset, maybe skip
    hash_count = ctrl.db.get_hash_count(ctrl.dataset, session_id, kind="task")
    if hash_count >= N_ANNOT:
        return []
    # Fetch all available ids to pick from
    pool = ctrl.session_ids
    # Again use the hashing trick, but now keep pulling until `N_ANNOT` is reached
    h = item[TASK_HASH_ATTR]
    idx = h % len(pool)
    annot = [pool.pop(idx)]
    while len(annot) < N_ANNOT:
        # If the pool is empty, just return the annotators sofar
        if len(pool) == 0:
            return annot
        idx = h % len(pool)
        annot.append(pool.pop(idx))
    return annot


def model(text: str) -> float:
    """A stand-in model: confident about long texts."""
    return min(len(text) / 20, 1.0)


def task_router_conf(ctrl: Controller, session_id: str, item: Dict) -> List[str]:  # noqa: UP006
    """Route tasks based on the confidence of a model."""
    # Get all sessions known to the Controller now
    all_annotators = ctrl.session_ids
    # Calculate a confidence score from a custom model
    confidence_score = model(item["text"])
    # If the confidence is low, the example might be hard
    # and then everyone needs to check
    if confidence_score < 0.3:
        return all_annotators
    # Otherwise just one person needs to check.
    # We re-use the task_hash to ensure consistent routing of the task.
    idx = item["_task_hash"] % len(all_annotators)
    # Return list with a single annotator reference
    return [all_annotators[idx]]


def task_router_lang(ctrl: Controller, session_id: str, item: Dict) -> List[str]:  # noqa: UP006
    """Route tasks based on the language property of the item."""
    # Select based on language
    if item["language"] == "Dutch":
        return [ctrl.get_session_name("vincent")]
    if item["language"] == "German":
        return [ctrl.get_session_name("ines")]
    if item["language"] == "Australian":
        return [ctrl.get_session_name("matt")]
    # All other scenarios: who comes first
    return [session_id]


def get_name_and_confirm(ctrl: Controller, name: str):
    sess_name = ctrl.get_session_name(name)
    ctrl.confirm_session(sess_name)
    return sess_name


def task_router_lang_on_the_fly(ctrl: Controller, session_id: str, item: Dict) -> List[str]:  # noqa: UP006
    """The seed's on-the-fly variant (its missing ``ctrl`` argument added: a seed defect)."""
    if item["language"] == "Dutch":
        return [get_name_and_confirm(ctrl, "vincent")]
    if item["language"] == "German":
        return [get_name_and_confirm(ctrl, "ines")]
    if item["language"] == "Australian":
        return [get_name_and_confirm(ctrl, "matt")]
    return [session_id]


def test_hash_routers_are_consistent(client, dataset, team):
    add_items(dataset, 12)
    for name, router in (("hash", task_router_hash), ("db check", task_router_db_check)):
        task = dataset.tasks.create_labeling(
            name=name, allowed_assignees=ANNOTATORS, task_router=router
        )
        done = work(client, task, ANNOTATORS)
        for person, ids in done.items():
            assert all(ANNOTATORS[task_hash(i) % 3] == person for i in ids)
        assert sum(len(ids) for ids in done.values()) == 12


def test_router_n_gives_each_item_two_annotators(client, dataset, team):
    add_items(dataset, 12)
    task = dataset.tasks.create_labeling(
        name="n", allowed_assignees=ANNOTATORS, task_router=task_router_n
    )
    done = work(client, task, ANNOTATORS)
    per_item = Counter(i for ids in done.values() for i in ids)
    assert len(per_item) == 12 and set(per_item.values()) == {2}


def test_confidence_router_sends_hard_items_to_everyone(client, dataset, team):
    texts = ["ok", "a long and clear sentence", "hm", "another long enough sentence"]
    add_items(dataset, 4, metadata=lambda n: {"text": texts[n]})
    task = dataset.tasks.create_labeling(
        name="conf", allowed_assignees=ANNOTATORS, task_router=task_router_conf
    )
    done = work(client, task, ANNOTATORS)
    per_item = Counter(i for ids in done.values() for i in ids)
    by_text = {
        item.metadata["user"]["text"]: per_item[item.id] for item in dataset.items.list().all()
    }
    assert by_text == {
        "ok": 3,
        "hm": 3,
        "a long and clear sentence": 1,
        "another long enough sentence": 1,
    }


@pytest.mark.parametrize("router", [task_router_lang, task_router_lang_on_the_fly])
def test_language_router(client, dataset, team, router):
    languages = ["Dutch", "German", "Australian", "English", "Dutch", "English"]
    items = add_items(dataset, 6, metadata=lambda n: {"language": languages[n]})
    allowed = LINGUISTS if router is task_router_lang else None
    task = dataset.tasks.create_labeling(name="lang", allowed_assignees=allowed, task_router=router)
    with acting_as(client, "matt@example.com"):
        served = drain(task.queue())
    language = {i.id: i.metadata["user"]["language"] for i in items}
    assert sorted(language[i] for i in served) == ["Australian", "English", "English"]
    done = work(client, task, LINGUISTS[:2])
    assert sorted(language[i] for i in done["vincent@example.com"]) == ["Dutch", "Dutch"]
    assert [language[i] for i in done["ines@example.com"]] == ["German"]


def test_a_router_naming_an_unknown_session_changes_nothing(client, dataset, team):
    add_items(dataset, 3)
    task = dataset.tasks.create_labeling(
        name="bad router",
        allowed_assignees=ANNOTATORS,
        task_router=lambda ctrl, session_id, item: ["zz@example.com"],
    )
    with acting_as(client, A1), pytest.raises(dl.BadRequestError, match="unknown session"):
        task.queue().next()
    assert sum(a.total_items for a in task.assignments.list()) == 0
    assert (
        task.progress().attrs["pool"] == 0
    )  # unrouted items need "everyone": not counted as slots


# -- work stealing ---------------------------------------------------------------------------
def went_idle(client, task, email, hours=2):
    """``email`` last worked on the task ``hours`` ago."""
    a = schema.assignments
    when = to_iso(datetime.now(timezone.utc) - timedelta(hours=hours))
    with client.store.write() as conn:
        conn.execute(
            a.update()
            .where(a.c.task_id == task.id, a.c.annotator == email)
            .values(last_active_at=when, created_at=when)
        )


@pytest.mark.parametrize("stealing", [True, False])
def test_work_stealing_takes_items_from_idle_assignees_only(client, dataset, team, stealing):
    add_items(dataset, 6)
    task = dataset.tasks.create_labeling(
        name="steal", batch_size=3, allowed_assignees=[A1, A2], allow_work_stealing=stealing
    )
    with acting_as(client, A1):
        held = task.queue().next()  # A1 pulls 3 and works on none
    with acting_as(client, A2):
        assert len(drain(task.queue())) == 3  # the pool; A1 is active, nothing to steal
    went_idle(client, task, A1)
    with acting_as(client, A2):
        stolen = drain(task.queue())
    assert len(stolen) == (3 if stealing else 0)
    assert (held.id in stolen) is stealing
    if stealing:
        with acting_as(client, A1), pytest.raises(dl.ConflictError, match="taken by someone else"):
            task.queue().set_status(held, "completed")


def test_stale_items_of_a_distribution_task_can_be_stolen(client, dataset, team):
    add_items(dataset, 6)
    task = dataset.tasks.create(task_name="dist", assignee_ids=[A1, A2])
    went_idle(client, task, A1)
    with acting_as(client, A2):
        assert len(drain(task.queue())) == 6


# -- reserved_for / unavailable_for ----------------------------------------------------------
def test_reserved_and_unavailable_items(client, dataset, team):
    items = add_items(dataset, 6)
    task = dataset.tasks.create_labeling(name="toloka", batch_size=3, allowed_assignees=[A1, A2])
    task.set_access(items=items[:2], reserved_for=[A2])
    task.set_access(items=[items[2]], unavailable_for=[A2])
    done = work(client, task, [A1, A2])
    assert not {i.id for i in items[:2]} & set(done[A1])
    assert items[2].id in done[A1]
    assert len(done[A1]) + len(done[A2]) == 6


def test_access_rules_release_items_already_held(client, dataset, team):
    items = add_items(dataset, 4)
    task = dataset.tasks.create(task_name="moved", assignee_ids=[A1, A2], items=items)
    a1_items = [i.id for i in task.assignments.list(assignee_id=A1)[0].get_items().all()]
    task.set_access(items=a1_items[:1], unavailable_for=[A1])
    assert task.progress().attrs["pool"] == 1
    done = work(client, task, [A1, A2])
    assert a1_items[0] in done[A2] and a1_items[0] not in done[A1]
    with pytest.raises(dl.BadRequestError, match="emails"):
        task.set_access(items=items, reserved_for="nobody")


# -- sampling --------------------------------------------------------------------------------
def scored(dataset, items, scores):
    for item, score in zip(items, scores):
        if score is not None:
            item.annotations.upload(
                dl.Annotation.new(
                    annotation_definition=dl.Classification(label="cat"),
                    model_info={"name": "model", "confidence": score},
                )
            )


@pytest.mark.parametrize(
    ("sampling", "expected"),
    [("prediction-score-min", [3, 1, 0, 2, 4]), ("prediction-score-max", [2, 0, 1, 3, 4])],
)
def test_prediction_score_sampling(client, dataset, team, sampling, expected):
    items = add_items(dataset, 5)
    scored(dataset, items, [0.5, 0.3, 0.9, 0.1, None])
    task = dataset.tasks.create(task_name=sampling, assignee_ids=[A1], sampling=sampling)
    with acting_as(client, A1):
        served = drain(task.queue())
    assert served == [items[n].id for n in expected]


def test_uniform_sampling_is_a_stable_shuffle(client, dataset, team):
    items = add_items(dataset, 20)
    task = dataset.tasks.create(task_name="uniform", assignee_ids=[A1], sampling="uniform")
    with acting_as(client, A1):
        served = drain(task.queue())
    assert sorted(served) == sorted(i.id for i in items) and served != [i.id for i in items]
    assert served == sorted(served, key=lambda i: (task_hash(i + task.id), i))


def test_sequential_sampling_follows_the_query_sort(client, dataset, team):
    items = add_items(dataset, 5)
    by_name = dl.Filters()
    by_name.sort_by(field="filename", value="descending")
    task = dataset.tasks.create(task_name="sorted", assignee_ids=[A1], filters=by_name)
    with acting_as(client, A1):
        assert drain(task.queue()) == [i.id for i in reversed(items)]
    with client.store.read() as conn:
        seqs = (
            conn.execute(
                sa.select(schema.item_refs.c.seq)
                .where(schema.item_refs.c.ref_id == task.id)
                .order_by(schema.item_refs.c.seq)
            )
            .scalars()
            .all()
        )
    assert seqs == [1, 2, 3, 4, 5]
