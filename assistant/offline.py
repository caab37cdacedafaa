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

import importlib.util
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
    # tiktoken and NLTK download their data into these caches when it is missing there.
    # llama-index ships both (cl100k_base, punkt, stop words) and points them at its copies only
    # when they are unset: set them to those copies, never to an empty folder (then tiktoken
    # would download cl100k_base for llama-index's default splitter).
    for key, folder in _bundled_caches().items():
        os.environ.setdefault(key, str(folder))
    cache = Path(tempfile.gettempdir()) / "assistant-offline-cache"
    os.environ.setdefault("LLAMA_INDEX_CACHE_DIR", str(cache / "llama_index"))


def _bundled_caches() -> dict[str, Path]:
    """llama-index's bundled tiktoken and NLTK data folders, found without importing it."""
    try:
        spec = importlib.util.find_spec("llama_index.core")
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin is None:
        return {}
    static = Path(spec.origin).parent / "_static"
    wanted = {"TIKTOKEN_CACHE_DIR": static / "tiktoken_cache", "NLTK_DATA": static / "nltk_cache"}
    return {key: folder for key, folder in wanted.items() if folder.is_dir()}
