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
    """The corpus changed since the index was built, so stored offsets no longer match the files."""


class CitationError(DependencyError):
    """An answerer cited a span that is not the document's text there (a bug); carries the answer."""

    def __init__(self, message: str, answer: Answer):
        super().__init__(message)
        self.answer = answer
