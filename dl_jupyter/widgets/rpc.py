"""The Python side of ``js/src/common/rpc.js``: requests from the browser, answers with buffers.

The browser sends ``{type, id, ...}``; the widget's method ``_rpc_<type>(message, buffers)``
answers with a value, or a ``Reply`` carrying binary buffers too (thumbnails travel as
bytes, never as base64). Errors go back as ``{id, error}`` so the browser can show them;
unexpected ones are also logged, since nothing raised in a comm handler reaches the cell.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import anywidget

from dl_jupyter.exceptions import DlError

log = logging.getLogger("dl_jupyter.widgets")
REQUEST_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


@dataclass
class Reply:
    """A result with binary buffers sent along."""

    result: Any = None
    buffers: list[bytes] = field(default_factory=list)


class RpcWidget(anywidget.AnyWidget):
    """An anywidget that answers rpc.js requests with its ``_rpc_<type>`` methods."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_msg(self._on_request)

    def _on_request(self, _widget: Any, content: Any, buffers: list) -> None:
        if not isinstance(content, dict) or not isinstance(content.get("id"), str):
            return
        kind = content.get("type")
        handler = (
            getattr(self, f"_rpc_{kind}", None)
            if isinstance(kind, str) and REQUEST_TYPE.match(kind)
            else None
        )
        if handler is None:
            self.send({"id": content["id"], "error": f"unknown request {kind!r}"})
            return
        try:
            reply = handler(content, buffers)
        except (DlError, NotImplementedError) as exc:
            self.send({"id": content["id"], "error": getattr(exc, "message", None) or str(exc)})
            return
        except Exception as exc:
            log.exception("%s request %r failed", type(self).__name__, kind)
            self.send({"id": content["id"], "error": f"{type(exc).__name__}: {exc}"})
            return
        if not isinstance(reply, Reply):
            reply = Reply(reply)
        self.send({"id": content["id"], "result": reply.result}, reply.buffers)
