"""The assistant: opens (or first builds) the index and answers questions with cited quotes.

:class:`Assistant` wires the pieces together - corpus, store, embedders, retriever, answerer - and
owns their lifetimes: the query path loads only onnxruntime, tokenizers, Chroma and bm25s;
sentence-transformers (torch) is loaded only when something must be embedded at ingest. It checks
every question, and that every citation round-trips against the file on disk, before it returns.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import corpus as corpus_mod
from .answer import Answer
from .answering import AnswerContext, Answerer, ExtractiveAnswerer
from .answering.base import Span, Vectors
from .config import Config
from .embedding import (
    CachingEmbedder,
    Embedder,
    ModelFiles,
    SentenceTransformerEmbedder,
    export_onnx,
    onnx_embedder,
    onnx_path,
    sentence_transformer,
)
from .errors import CitationError, DependencyError, IndexStaleError, UserError
from .ingest import PIPELINE, IngestStats, ingest
from .lexicon import Lexicon
from .retrieval import HybridRetriever, Passage
from .store import ChunkStore, IndexInfo

log = logging.getLogger("assistant")
DEFAULT_CORPUS = Path("corpus")


@dataclass
class _Open:
    info: IndexInfo
    corpus_root: Path
    texts: dict[str, str]
    retriever: HybridRetriever
    context: AnswerContext


def make_answerer(cfg: Config) -> Answerer:
    """The configured answerer; the LLM one imports its client only when chosen."""
    if cfg.answerer == "extractive":
        return ExtractiveAnswerer()
    if cfg.answerer == "llm":
        from .answering.generative import LLMAnswerer
        from .llm import ChatClient, LocalServer

        url, model = cfg.llm_base_url, cfg.llm_model
        if cfg.llm_gguf is not None:
            server = LocalServer(cfg.llm_gguf, n_ctx=cfg.llm_ctx)
            url, model = server.base_url, model or server.alias
            _LOCAL_SERVERS.append(server)  # lives as long as the process
        if not url:
            raise UserError(
                "the LLM answerer needs an endpoint: set ASSISTANT_LLM_BASE_URL (and "
                "ASSISTANT_LLM_MODEL), or ASSISTANT_LLM_GGUF to a local .gguf file"
            )
        if not model:
            raise UserError("set ASSISTANT_LLM_MODEL to the model name the server serves")
        client = ChatClient(url, model, cfg.llm_api_key, cfg.llm_timeout)
        return LLMAnswerer(client, cfg.llm_max_tokens)
    raise UserError(
        f"unknown answerer {cfg.answerer!r}; set ASSISTANT_ANSWERER to extractive or llm"
    )


_LOCAL_SERVERS: list[object] = []


def _span_vectors(
    store: ChunkStore, retriever: HybridRetriever, texts: dict[str, str], embedder: Embedder
) -> Callable[[Sequence[Span]], dict[Span, Vectors]]:
    """Sentence vectors stored at ingest, looked up by unit id; any other span is embedded."""
    unit_ids: dict[Span, str] = {}
    for r in retriever.records:
        for uid, (s, e) in zip(r.unit_ids(), r.units, strict=True):
            unit_ids[(r.source, s, e)] = uid

    def vectors(spans: Sequence[Span]) -> dict[Span, Vectors]:
        stored = store.unit_vectors([unit_ids[s] for s in spans if s in unit_ids])
        out = {s: stored[unit_ids[s]] for s in spans if s in unit_ids and unit_ids[s] in stored}
        rest = [s for s in spans if s not in out]
        if rest:
            vecs = embedder.embed_batch([texts[src][a:b] for src, a, b in rest])
            out.update(zip(rest, vecs, strict=True))
        return out

    return vectors


class Assistant:
    def __init__(
        self,
        corpus_dir: str | Path | None = None,
        index_dir: str | Path | None = None,
        *,
        config: Config | None = None,
        answerer: Answerer | None = None,
        progress: Callable[[str], None] | None = None,
    ):
        cfg = config or Config.from_env()
        if corpus_dir is not None:
            cfg = cfg.with_(corpus_dir=Path(corpus_dir))
        if index_dir is not None:
            cfg = cfg.with_(index_dir=Path(index_dir))
        self.config = cfg
        self.answerer = answerer or make_answerer(cfg)
        self._progress = progress or log.info
        self._lock = threading.RLock()
        self._model: ModelFiles | None = None
        self._store: ChunkStore | None = None
        self._lexicon: Lexicon | None = None
        self._open: _Open | None = None

    # -- components --------------------------------------------------------------------------
    @property
    def model(self) -> ModelFiles:
        if self._model is None:
            self._model = ModelFiles.resolve(self.config.embed_model)
        return self._model

    @property
    def store(self) -> ChunkStore:
        if self._store is None:
            self._store = ChunkStore.open(
                self.config.index_dir, self.config.collection, self.config.chroma_url
            )
        return self._store

    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = Lexicon(Lexicon.file(self.config.index_dir, self.model.key))
        return self._lexicon

    def _sentence_transformer(self) -> SentenceTransformerEmbedder:
        return sentence_transformer(self.model)

    def _onnx_file(self) -> Path:
        return onnx_path(self.config.index_dir, self.model)

    def _ensure_onnx(self) -> Path:
        target = self._onnx_file()
        if not target.exists():
            self._progress(f"exporting the query encoder to {target} (once per model)")
            export_onnx(self.model, self._sentence_transformer(), target)
        return target

    def query_embedder(self) -> Embedder:
        return onnx_embedder(self.model, self._ensure_onnx())

    def _corpus_root(self, info: IndexInfo | None) -> Path:
        if self.config.corpus_dir is not None:
            return self.config.corpus_dir
        if info is not None and info.corpus_dir:
            return Path(info.corpus_dir)
        return DEFAULT_CORPUS

    # -- ingest ------------------------------------------------------------------------------
    def ingest(self, path: str | Path | None = None, rebuild: bool = False) -> IngestStats:
        """Bring the index in line with the corpus folder (``path``, else the configured one)."""
        with self._lock:
            root = Path(path) if path is not None else self._corpus_root(self.store.info())
            stats = ingest(
                root,
                self.store,
                self.model,
                self.config.chunk_tokens,
                self._sentence_transformer,
                self._progress,
                rebuild=rebuild,
                lexicon=self.lexicon,
            )
            if stats.embedded or not self._onnx_file().exists():
                self._ensure_onnx()
            if path is not None and self.config.corpus_dir is not None:
                self.config = self.config.with_(corpus_dir=Path(path))
            self._open = None
            return stats

    # -- query -------------------------------------------------------------------------------
    def _ensure_open(self) -> _Open:
        with self._lock:
            if self._open is not None:
                return self._open
            store = self.store
            info = store.info()
            if info is None or store.count() == 0:
                self._progress("no index yet: building it first")
                self.ingest()
                info = store.info()
            assert info is not None  # ingest always records it
            want = (self.model.key, min(self.config.chunk_tokens, self.model.window), PIPELINE)
            if (info.model_key, info.chunk_tokens, info.pipeline) != want:
                raise UserError(
                    f"the index in {store.location} was built with other settings (model, chunk "
                    "size or pipeline version); run `assistant ingest` to rebuild it"
                )
            root = corpus_mod.check_root(self._corpus_root(info))
            records = store.records()
            manifest = corpus_mod.read_manifest(root)
            texts, titles, edited, removed = {}, {}, [], []
            for source, sha in sorted({(r.source, r.sha256) for r in records}):
                path = root / source
                doc = corpus_mod.read_document(root, path, manifest) if path.is_file() else None
                if not isinstance(doc, corpus_mod.Document):
                    removed.append(source)
                elif doc.sha256 != sha:
                    edited.append(source)
                else:
                    texts[source] = doc.text
                    titles[source] = doc.title
            if edited or removed:
                parts = [
                    f"edited: {', '.join(edited)}" if edited else "",
                    f"removed: {', '.join(removed)}" if removed else "",
                ]
                raise IndexStaleError(
                    f"the corpus in {root} changed since the index was built "
                    f"({'; '.join(p for p in parts if p)}); run `assistant ingest` to update the index"
                )
            embedder = CachingEmbedder(self.query_embedder())
            retriever = HybridRetriever(records, texts, store, embedder, titles)
            context = AnswerContext(
                titles,
                retriever.vocabulary,
                embedder.embed_batch,
                _span_vectors(store, retriever, texts, embedder),
                lambda ws: self.lexicon.vectors(ws, embedder.embed_batch),
            )
            self._open = _Open(info, root, texts, retriever, context)
            return self._open

    def check_question(self, question: object) -> str:
        if not isinstance(question, str):
            raise UserError(f"a question must be text, not {type(question).__name__}")
        if not question.strip():
            raise UserError(
                'the question is empty; ask something, e.g. "When was DeepSeek R1 released?"'
            )
        limit = self.config.max_question_chars
        if len(question) > limit:
            raise UserError(
                f"the question is {len(question):,} characters long; the limit is {limit:,} "
                "(ASSISTANT_MAX_QUESTION_CHARS): shorten it to the question itself"
            )
        return question.strip()

    def retrieve(self, question: str, k: int | None = None) -> list[Passage]:
        q = self.check_question(question)
        return self._ensure_open().retriever.retrieve(q, k or self.config.top_k)

    def answer_context(self) -> AnswerContext:
        """What answerers are given besides the passages (for tools that score candidates)."""
        return self._ensure_open().context

    def texts(self) -> dict[str, str]:
        """The indexed documents' text by source, exactly as read from disk."""
        return dict(self._ensure_open().texts)

    def titles(self) -> dict[str, str]:
        """Document titles by source (from the corpus manifest, else the file name)."""
        return dict(self._ensure_open().context.titles)

    def ask_stream(self, question: str) -> Iterator[str | Answer]:
        """The answer as it is produced: growing text (str) from a generative answerer, then the
        final :class:`Answer` (the only item from the extractive one)."""
        q = self.check_question(question)
        opened = self._ensure_open()
        passages = opened.retriever.retrieve(q, self.config.top_k)
        for item in self.answerer.stream(q, passages, opened.context):
            if isinstance(item, Answer):
                for c in item.citations:
                    text = opened.texts.get(c.source)
                    if text is None or text[c.start : c.end] != c.quote:
                        raise CitationError(
                            f"answerer {self.answerer.name!r} cited {c.source}[{c.start}:{c.end}], "
                            "which is not that file's text; this is a bug, please report it",
                            item,
                        )
            yield item

    def ask(self, question: str) -> Answer:
        answer = None
        for item in self.ask_stream(question):
            if isinstance(item, Answer):
                answer = item
        if answer is None:
            raise DependencyError(
                f"answerer {self.answerer.name!r} gave no answer; please report it"
            )
        return answer

    def status(self) -> dict[str, Any]:
        opened = self._ensure_open()
        return {
            "documents": len(opened.texts),
            "chunks": len(opened.retriever),
            "built_at": opened.info.built_at,
            "corpus_dir": str(opened.corpus_root),
            "store": self.store.location,
            "embed_model": str(self.model.path),
            "embed_model_name": self.model.name,
            "chunk_tokens": opened.info.chunk_tokens,
            "answerer": self.answerer.name,
        }
