"""Deterministic crash points, for the reliability suite (``tests/test_reliability.py``) only.

An ingest calls its checkpoint at each step that a crash could interrupt (:data:`POINTS`).
Normally that is a no-op. With ``ASSISTANT_TEST_KILL_AT=<point>:<n>`` the process sends itself
SIGKILL the n-th time it passes ``<point>`` (``<point>:<n>:STOP``: SIGSTOP, to freeze an ingest
that holds the lock), so the suite can kill a real ``assistant ingest`` at exactly that place,
every run. Nothing else reads it, and it never changes what an ingest writes. It does not decide
what is safe to interrupt; that is :mod:`assistant.ingest`'s and :mod:`assistant.store`'s job.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

from .errors import UserError

Checkpoint = Callable[[str], None]

# Where an ingest calls its checkpoint, in the order it passes them.
POINTS = (
    "read",  # scanning: the n-th file is about to be read
    "chunk",  # a document was chunked
    "embed",  # a group of documents was embedded, nothing of it written yet
    "units",  # a batch of sentence vectors was written
    "chunks",  # a batch of chunks was written
    "stale",  # a group's superseded chunks were deleted
    "mark",  # a group's documents were marked complete
    "unmark",  # the marks of removed documents were deleted, not yet their chunks
    "remove",  # a batch of removed chunks was deleted
    "promote",  # a rebuild's generation is complete, not yet serving
    "switch",  # a rebuild's generation serves, the old one not yet dropped
)


def _noop(point: str) -> None:
    pass


def checkpoint(spec: str | None) -> Checkpoint:
    """The checkpoint for ``spec`` (``"chunks:2"``, ``"mark:1:STOP"``), or a no-op for None."""
    if not spec:
        return _noop
    parts = spec.split(":")
    sig = {"KILL": signal.SIGKILL, "STOP": signal.SIGSTOP}.get(
        parts[2] if len(parts) > 2 else "KILL"
    )
    if len(parts) not in (2, 3) or parts[0] not in POINTS or not parts[1].isdigit() or sig is None:
        raise UserError(
            f"ASSISTANT_TEST_KILL_AT={spec!r} is not <point>:<n>[:STOP] with a point among "
            f"{', '.join(POINTS)}; unset it (it exists only for the reliability tests)"
        )
    point, n = parts[0], int(parts[1])
    seen = 0

    def hit(name: str) -> None:
        nonlocal seen
        if name == point:
            seen += 1
            if seen == n:
                os.kill(os.getpid(), sig)

    return hit
