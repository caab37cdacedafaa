"""The error vocabulary. Every message says how to fix the problem.

Two kinds, as in pydantic-ai: :class:`UserError` for input or configuration the user can correct,
:class:`DependencyError` for a component (model files, Chroma server) that failed. The CLI
translates both into a one-line message and a non-zero exit; nothing else is caught there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .answer import Answer


class AssistantError(Exception):
    """Base class of every error this package raises on purpose."""


class UserError(AssistantError):
    """The user asked for something that cannot work as given (bad question, missing folder...)."""


class DependencyError(AssistantError):
    """A component the assistant relies on failed (model files, Chroma server, ONNX export)."""


class IndexStaleError(UserError):
    """The index cannot serve as it is: the corpus changed since it was built (stored offsets no
    longer match the files), or an ingest did not finish; the message says what to run."""


class IndexDamagedError(DependencyError):
    """The embedded Chroma store cannot be read (a damaged ``chroma.sqlite3``); ``assistant ingest
    --rebuild`` moves it aside and builds a fresh one."""


class CitationError(DependencyError):
    """An answerer cited a span that is not the document's text there (a bug); carries the answer."""

    def __init__(self, message: str, answer: Answer):
        super().__init__(message)
        self.answer = answer
