"""Timestamps as the Dataloop JSON writes them: ISO-8601 UTC with milliseconds and a Z."""

from __future__ import annotations

import itertools
import os
import threading
import time
from datetime import datetime, timezone

_lock = threading.Lock()


def _new_process() -> None:
    """A fresh process part for ids: at import, and in a forked child, which must not repeat
    its parent's ids."""
    global _PROCESS, _counter
    _PROCESS = os.urandom(5).hex()
    _counter = itertools.count(int.from_bytes(os.urandom(3), "big"))


_new_process()
os.register_at_fork(after_in_child=_new_process)


def now_iso() -> str:
    """The current time, e.g. ``2024-01-31T12:00:00.000Z``."""
    return to_iso(datetime.now(timezone.utc))


def to_iso(moment: datetime) -> str:
    """``moment`` in UTC as ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def new_id() -> str:
    """A 24-hex id shaped like the platform's ObjectIds: seconds, process, counter.

    Ids made by one process sort in creation order, which keeps B-tree inserts at the end.
    """
    with _lock:
        count = next(_counter) & 0xFFFFFF
    return f"{int(time.time()):08x}{_PROCESS}{count:06x}"
