"""The error vocabulary. Every message says how to fix the problem.

Two kinds, as in pydantic-ai: :class:`UserError` for input or configuration the user can correct,
:class:`DependencyError` for a component (model files, Chroma server) that failed. The CLI
translates both into a one-line message and a non-zero exit; nothing else is caught there.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class of every error this package raises on purpose."""


class UserError(AssistantError):
    """The user asked for something that cannot work as given (bad question, missing folder...)."""


class DependencyError(AssistantError):
    """A component the assistant relies on failed (model files, Chroma server, ONNX export)."""


class IndexStaleError(UserError):
    """The corpus changed since the index was built, so stored offsets no longer match the files."""
