# ruff: noqa: I001  (offline must be imported first: it sets telemetry switches)
"""Grounded Q&A over a document corpus: every answer cites exact character spans, offline.

``ask(question)`` uses a shared default :class:`Assistant` configured from the environment
(see :mod:`assistant.config`), created and loaded once on first use.
"""

from . import offline as _offline  # noqa: F401  (must run before any third-party import)

import threading as _threading

from .answer import NOT_IN_CORPUS, Answer, Citation
from .engine import Assistant, DocumentInfo
from .errors import AssistantError, DependencyError, IndexStaleError, UserError

__all__ = [
    "NOT_IN_CORPUS",
    "Answer",
    "Assistant",
    "AssistantError",
    "Citation",
    "DependencyError",
    "DocumentInfo",
    "IndexStaleError",
    "UserError",
    "ask",
    "default_assistant",
]

_default: Assistant | None = None
_default_lock = _threading.Lock()


def default_assistant() -> Assistant:
    """The shared Assistant behind :func:`ask`, built from the environment on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Assistant()
        return _default


def ask(question: str) -> Answer:
    """Answer ``question`` from the corpus with cited quotes, or abstain."""
    return default_assistant().ask(question)
