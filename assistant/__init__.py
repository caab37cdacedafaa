"""Grounded Q&A over a document corpus: every answer cites exact character spans, offline.

``ask(question)`` uses a shared default :class:`Assistant` configured from the environment
(see :mod:`assistant.config`), created and loaded once on first use.

Importing the package is light and changes nothing in the process: the engine (Chroma, the
embedding runtime) is imported on first use of :class:`Assistant` or :func:`ask`, and the offline
switches of :mod:`assistant.offline` are set by the entry points (CLI, UI), not here.
"""

from __future__ import annotations

import threading as _threading
from typing import TYPE_CHECKING, Any

from .answer import NOT_IN_CORPUS, Answer, Citation
from .errors import (
    AssistantError,
    DependencyError,
    IndexDamagedError,
    IndexStaleError,
    UserError,
)

if TYPE_CHECKING:
    from .engine import Assistant, DocumentInfo

__all__ = [
    "NOT_IN_CORPUS",
    "Answer",
    "Assistant",
    "AssistantError",
    "Citation",
    "DependencyError",
    "DocumentInfo",
    "IndexDamagedError",
    "IndexStaleError",
    "UserError",
    "ask",
    "default_assistant",
]

_default: Assistant | None = None
_default_lock = _threading.Lock()


def __getattr__(name: str) -> Any:
    """``Assistant`` and ``DocumentInfo``, imported from the engine on first use."""
    if name in ("Assistant", "DocumentInfo"):
        from . import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")


def default_assistant() -> Assistant:
    """The shared Assistant behind :func:`ask`, built from the environment on first use."""
    from .engine import Assistant

    global _default
    with _default_lock:
        if _default is None:
            _default = Assistant()
        return _default


def ask(question: str) -> Answer:
    """Answer ``question`` from the corpus with cited quotes, or abstain."""
    return default_assistant().ask(question)
