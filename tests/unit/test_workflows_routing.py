"""Prodigy's router interface: the controller, session names, and checking a router's answer."""

from __future__ import annotations

import pytest

import dl_jupyter as dl
from dl_jupyter.exceptions import BadRequestError
from dl_jupyter.workflows import routing


def controller(sessions=("vincent@x.com", "ines@x.com"), members=("matt@x.com",)):
    joined = []
    ctrl = routing.Controller(
        dl.Task(id="t", name="reviews"),
        list(sessions),
        list(members),
        join=joined.append,
        holders=lambda: 0,
    )
    return ctrl, joined


def test_session_ids_are_a_copy_routers_may_change():
    ctrl, _ = controller()
    pool = ctrl.session_ids
    pool.pop(0)
    assert ctrl.session_ids == ["vincent@x.com", "ines@x.com"]
    assert ctrl.dataset == "reviews"


def test_session_names_from_human_names():
    ctrl, _ = controller()
    assert ctrl.get_session_name("vincent") == "vincent@x.com"
    assert ctrl.get_session_name("matt") == "matt@x.com"  # a member who has not joined yet
    assert ctrl.get_session_name("someone@x.com") == "someone@x.com"
    with pytest.raises(BadRequestError, match="No project member"):
        ctrl.get_session_name("nobody")


def test_confirm_session_joins_once():
    ctrl, joined = controller()
    ctrl.confirm_session("matt@x.com")
    ctrl.confirm_session("matt@x.com")
    assert joined == ["matt@x.com"]
    assert "matt@x.com" in ctrl.session_ids


def test_route_checks_the_answer():
    ctrl, _ = controller()
    assert routing.route(lambda c, s, i: [s, s], ctrl, "ines@x.com", {}) == ["ines@x.com"]
    assert routing.route(lambda c, s, i: [], ctrl, "ines@x.com", {}) == []
    with pytest.raises(BadRequestError, match="unknown session"):
        routing.route(lambda c, s, i: ["zz@x.com"], ctrl, "ines@x.com", {})
    with pytest.raises(BadRequestError, match="list of sessions"):
        routing.route(lambda c, s, i: "ines@x.com", ctrl, "ines@x.com", {})


def test_the_item_a_router_sees():
    item = dl.Item(
        id="i1", filename="/a.txt", name="a.txt", metadata={"user": {"language": "Dutch"}}
    )
    seen = routing.router_item(item, 1234)
    assert seen["language"] == "Dutch" and seen[dl.TASK_HASH_ATTR] == 1234 and seen["id"] == "i1"


def test_a_router_that_cannot_be_found_is_a_clear_error():
    task = dl.Task(id="t-missing", name="routed", settings={"router": "no_such_module:router"})
    with pytest.raises(BadRequestError, match="cannot find"):
        routing.router_of(task)
    routing.attach("t-missing", lambda c, s, i: [s])
    assert routing.router_of(task) is not None


def by_hash(ctrl, session_id, item):
    return [ctrl.session_ids[item[dl.TASK_HASH_ATTR] % len(ctrl.session_ids)]]


def test_a_router_is_found_again_by_its_module_and_name():
    task = dl.Task(id="t-imported", name="routed", settings={"router": f"{__name__}:by_hash"})
    assert routing.router_of(task) is by_hash
