"""Offline switches for the entry points: call :func:`apply` before any third-party import.

The command line (``assistant ...``, ``python -m assistant``, hence the chat UI) and the
scripts in ``bench/`` and ``evals/`` call :func:`apply` first. ``import assistant`` does not:
a library must not change the environment of the program that imports it (pointing tiktoken's
cache at an empty folder made llama-index in the same program try to download its tokenizer).
Used as a library, the package stays offline by how it loads things instead: models from local
folders with ``local_files_only=True``, Chroma with ``anonymized_telemetry=False``.
:func:`apply` only *sets defaults* (a user who exports one of these variables keeps their
value); it reads no configuration, which lives in :mod:`assistant.config`. It does not block
sockets: the test suite proves offline behaviour with a socket guard (tests/test_offline.py).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_SWITCHES = {
    # Hugging Face hub / transformers / sentence-transformers: never resolve models online.
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    # Chroma's product telemetry (posthog); the client Settings also pass anonymized_telemetry=False.
    "ANONYMIZED_TELEMETRY": "False",
    # onnxruntime telemetry (must be set before onnxruntime is imported).
    "ORT_DISABLE_TELEMETRY": "1",
    # Gradio analytics, for the chat UI.
    "GRADIO_ANALYTICS_ENABLED": "False",
    # Generic opt-out honoured by several libraries.
    "DO_NOT_TRACK": "1",
    # tokenizers forks threads; quiet and deterministic.
    "TOKENIZERS_PARALLELISM": "false",
}


def apply() -> None:
    """Set every offline switch that the user has not set already."""
    for key, value in _SWITCHES.items():
        os.environ.setdefault(key, value)
    # llama-index and tiktoken download tokenizer / NLTK data into these caches when they are
    # missing; point them at a local folder so a miss fails fast instead of fetching.
    cache = Path(tempfile.gettempdir()) / "assistant-offline-cache"
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(cache / "tiktoken"))
    os.environ.setdefault("NLTK_DATA", str(cache / "nltk"))
    os.environ.setdefault("LLAMA_INDEX_CACHE_DIR", str(cache / "llama_index"))
