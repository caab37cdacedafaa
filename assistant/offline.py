"""Offline switches: set before any third-party import so nothing phones home.

Imported first by ``assistant/__init__.py``. It only *sets defaults* in the process environment
(a user who exports one of these variables keeps their value); it reads no configuration,
which lives in :mod:`assistant.config`. It does not block sockets: the test suite proves
offline behaviour with a socket guard instead (tests/test_offline.py).
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


apply()
