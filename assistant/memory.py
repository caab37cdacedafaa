"""Give freed memory back to the operating system (ingest's peak resident size).

glibc keeps the memory that Python and torch free in its arenas; after a batch of embeddings
(hundreds of MB of activations) the process stays at its high-water mark, and the next step (the
ONNX export, the next group) grows from there. :func:`release` runs the garbage collector and
``malloc_trim(0)``; where there is no glibc it only collects. :func:`trim` only trims: after every
embedding batch, because batches of growing length leave freed activations scattered over the
heap (3,000 sentences grew a process by 350 MB without it and by 75 MB with it, in a run 14%
slower).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from typing import Any

_libc: Any = None
if sys.platform.startswith("linux"):
    try:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        _libc.malloc_trim.argtypes = [ctypes.c_size_t]
    except (OSError, AttributeError):  # not glibc (e.g. musl has no malloc_trim)
        _libc = None


def trim() -> None:
    """Return free heap memory to the OS (no garbage collection: cheap enough per batch)."""
    if _libc is not None:
        _libc.malloc_trim(0)


def release() -> None:
    """Collect garbage and return free heap memory to the OS (a few milliseconds)."""
    gc.collect()
    trim()
