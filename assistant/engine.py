"""The assistant: opens (or first builds) the index and answers questions with cited quotes.

:class:`Assistant` wires the pieces together - corpus, store, stored texts, embedders, retriever,
answerer - and owns their lifetimes: the query path loads only onnxruntime, tokenizers, Chroma
and bm25s; ingest embeds with the same ONNX encoder on the CPU (sentence-transformers, torch,
only on a GPU, and once per model in a child process that exports the encoder), and no document
parser runs at query time (the text each reader extracted is stored in
the index folder). It opens the index from the snapshot its last write saved
(:mod:`assistant.snapshot`; else from the store, checking that it is complete), re-opens it when
another process finished a write (one ``stat`` per question), and checks every question, that
each cited file is still the one indexed (by size and time, hashed when they changed) and that
every citation round-trips against the document's text, before it returns; it adds the page to
citations of paged documents (PDFs). It also lists, adds and removes documents. Every write (ingest, add,
remove) holds the index folder's ingest lock (:mod:`assistant.lock`). The query path builds an
index only when there is none at all; it never deletes or repairs one: it says what to run.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import stat
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import numpy as np

from . import corpus as corpus_mod
from . import crashpoints, memory, readers
from . import lock as lock_mod
from .answer import Answer
from .answering import AnswerContext, Answerer, ExtractiveAnswerer
from .answering.base import Span, Vectors
from .config import Config
from .embedding import (
    CachingEmbedder,
    Embedder,
    ModelFiles,
    export_onnx_apart,
    onnx_embedder,
    onnx_path,
    resolve_device,
    sentence_transformer,
)
from .errors import (
    CitationError,
    DependencyError,
    IndexDamagedError,
    IndexStaleError,
    UserError,
)
from .ingest import PIPELINE, IngestStats, Meter, by_count, ingest
from .lexicon import Lexicon
from .retrieval import HybridRetriever, LexicalIndex, Passage
from .sentvecs import SentenceVectors
from .sentvecs import tag as vectors_tag
from .snapshot import FileState, Snapshots, Stamp, StatKey
from .store import ChunkRecord, ChunkStore, IndexInfo
from .texts import DocumentTexts, TextStore

if TYPE_CHECKING:
    from .llm import ChatClient

log = logging.getLogger("assistant")
DEFAULT_CORPUS = Path("corpus")


@dataclass
class _Open:
    info: IndexInfo
    corpus_root: Path
    texts: Mapping[str, str]
    pages: dict[str, tuple[int, ...]]  # paged documents (PDFs): start offset of each page
    retriever: HybridRetriever
    context: AnswerContext
    files: dict[str, FileState]  # each document's file as indexed (checked before a quote)
    stamp_key: StatKey | None  # the snapshot stamp it was opened at (None: there was none)


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document, as :meth:`Assistant.documents` lists it."""

    source: str  # path relative to the corpus folder
    title: str
    format: str  # "text", "markdown", "pdf", "html", "docx", "rst"
    pages: int | None  # number of pages (PDFs), else None
    chunks: int
    kept_share: float | None  # share of its text indexed after cleaning (None: not recorded)
    web_capture: bool  # page chrome was removed
    chars: int | None  # characters of its text
    indexed_at: float | None  # when this content was first indexed (seconds since the epoch)
    sha256: str


def _legacy_text(source: str, data: bytes) -> str | None:
    """The text an index built before texts were stored read: a UTF-8 .txt/.md file, decoded."""
    if PurePosixPath(source).suffix.lower() not in (".txt", ".md"):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def make_answerer(cfg: Config) -> Answerer:
    """The configured answerer; the LLM ones import their client only when chosen."""
    if cfg.answerer == "extractive":
        return ExtractiveAnswerer()
    if cfg.answerer in ("llm", "judged"):
        from .answering.generative import LLMAnswerer
        from .answering.judge import Judge

        client = _chat_client(cfg, cfg.answerer)
        if cfg.answerer == "judged":
            if not cfg.llm_judge:
                raise UserError(
                    "the judged answerer needs the judge; unset ASSISTANT_LLM_JUDGE, or set "
                    "ASSISTANT_ANSWERER to extractive or llm"
                )
            return ExtractiveAnswerer(judge=Judge(client))
        judge = Judge(client) if cfg.llm_judge else None
        return LLMAnswerer(client, cfg.llm_max_tokens, ExtractiveAnswerer(judge=judge))
    raise UserError(
        f"unknown answerer {cfg.answerer!r}; set ASSISTANT_ANSWERER to extractive, judged or llm"
    )


def _chat_client(cfg: Config, answerer: str) -> ChatClient:
    from .llm import ChatClient, LocalServer

    url, model = cfg.llm_base_url, cfg.llm_model
    if cfg.llm_gguf is not None:
        server = LocalServer(cfg.llm_gguf, n_ctx=cfg.llm_ctx)
        url, model = server.base_url, model or server.alias
        _LOCAL_SERVERS.append(server)  # lives as long as the process
    if not url:
        raise UserError(
            f"the {answerer} answerer needs an endpoint: set ASSISTANT_LLM_BASE_URL (and "
            "ASSISTANT_LLM_MODEL), or ASSISTANT_LLM_GGUF to a local .gguf file"
        )
    if not model:
        raise UserError("set ASSISTANT_LLM_MODEL to the model name the server serves")
    return ChatClient(url, model, cfg.llm_api_key, cfg.llm_timeout)


_LOCAL_SERVERS: list[object] = []


def _span_vectors(
    units: SentenceVectors,
    retriever: HybridRetriever,
    texts: Mapping[str, str],
    embedder: Embedder,
) -> Callable[[Sequence[Span]], dict[Span, Vectors]]:
    """Sentence vectors stored at ingest (a memory-mapped file per document, mapped when one of
    its spans is first asked for); any other span is embedded."""
    files: dict[str, Vectors | None] = {}
    rows: dict[Span, int] = {}
    lock = threading.Lock()

    def load(source: str) -> None:
        found = retriever.records.sentences(source)
        spans = [(source, s, e) for s, e in found[1]] if found else []
        got = units.get(source, found[0], len(spans)) if found else None
        if got is not None:
            for i, span in enumerate(spans):
                rows[span] = i
        files[source] = got

    def vectors(spans: Sequence[Span]) -> dict[Span, Vectors]:
        out: dict[Span, Vectors] = {}
        with lock:
            for source in {s[0] for s in spans}:
                if source not in files:
                    load(source)
            for span in spans:
                i, got = rows.get(span), files.get(span[0])
                if i is not None and got is not None:
                    out[span] = np.array(got[i], dtype=np.float32)
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
        self.writing = False  # an ingest or removal is under way (the CLI's Ctrl+C message)
        self.wrote = False  # this Assistant has written to its index (it built or changed it)

    # -- components --------------------------------------------------------------------------
    @property
    def model(self) -> ModelFiles:
        if self._model is None:
            self._model = ModelFiles.resolve(self.config.embed_model)
        return self._model

    @property
    def store(self) -> ChunkStore:
        if self._store is None:
            index_dir = self.config.index_dir
            if index_dir.exists() and not index_dir.is_dir():
                raise UserError(
                    f"the index folder {index_dir} is a file, not a folder; pass --index (or set "
                    "ASSISTANT_INDEX_DIR to) a folder, which is created if missing"
                )
            try:
                index_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                if not index_dir.is_dir():
                    raise UserError(
                        f"cannot create the index folder {index_dir} ({exc.strerror or exc}); "
                        "pass --index (or set ASSISTANT_INDEX_DIR to) a folder that can be created"
                    ) from None
            self._store = ChunkStore.open(
                index_dir,
                self.config.collection,
                self.config.chroma_url,
                batch=self.config.store_batch,
            )
        return self._store

    @property
    def text_store(self) -> TextStore:
        """The documents' extracted text, by content hash, in the index folder."""
        return TextStore.for_index(self.config.index_dir, self.config.collection)

    def sentence_vectors(self, info: IndexInfo) -> SentenceVectors:
        """The documents' sentence vectors for an index built as ``info`` says."""
        return SentenceVectors.for_index(
            self.config.index_dir,
            self.config.collection,
            vectors_tag(info.model_key, info.chunk_tokens, info.pipeline),
        )

    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = Lexicon(Lexicon.file(self.config.index_dir, self.model.key))
        return self._lexicon

    def _ingest_embedder(self) -> Embedder:
        """What ingest embeds chunks, sentences and words with: on a CUDA GPU (when one is
        configured or found), sentence-transformers; on the CPU, the ONNX encoder that queries
        use (as fast there, and ~0.3 GB less memory than torch, which is never loaded)."""
        device = resolve_device(self.config.embed_device)
        if device != "cpu":
            return sentence_transformer(self.model, device)
        return onnx_embedder(self.model, self._ensure_onnx())

    def _onnx_file(self) -> Path:
        return onnx_path(self.config.index_dir, self.model)

    def _ensure_onnx(self) -> Path:
        target = self._onnx_file()
        if not target.exists():
            self._progress(f"exporting the query encoder to {target} (once per model)")
            try:
                export_onnx_apart(self.model, target)  # torch, in a process of its own
            except OSError as exc:  # e.g. a read-only index folder that never had it exported
                raise UserError(
                    f"cannot write the query encoder to {target} ({exc.strerror or exc}); run "
                    "`assistant ingest` once with write access to the index folder"
                ) from None
        return target

    def query_embedder(self) -> Embedder:
        return onnx_embedder(self.model, self._ensure_onnx())

    def corpus_dir(self) -> Path:
        """The corpus folder: the configured one, else the one the index was built from, else
        ``./corpus`` (where uploads go and what ``ingest`` reads by default)."""
        with self._lock:
            return self._corpus_root(self.store.info())

    def _corpus_root(self, info: IndexInfo | None) -> Path:
        if self.config.corpus_dir is not None:
            return self.config.corpus_dir
        if info is not None and info.corpus_dir:
            return Path(info.corpus_dir)
        return DEFAULT_CORPUS

    # -- ingest ------------------------------------------------------------------------------
    def ingest(
        self, path: str | Path | None = None, rebuild: bool = False, meter: Meter | None = None
    ) -> IngestStats:
        """Bring the index in line with the corpus folder (``path``, else the configured one).

        ``meter`` opens progress bars (``(description, total, unit) -> bar``, e.g. tqdm). With
        ``rebuild=True`` a damaged embedded store is moved aside and a fresh one built."""
        with self._lock, self._writing():
            try:
                stats = self._ingest(path, rebuild, meter)
            except IndexDamagedError:
                if not rebuild or self.config.chroma_url:
                    raise
                if path is None and self.config.corpus_dir is None:
                    raise UserError(
                        f"the index store in {self.config.index_dir} is damaged and cannot say "
                        "which folder it indexed; run `assistant ingest --rebuild FOLDER`"
                    ) from None
                self.snapshots.begin()
                moved = ChunkStore.move_aside(self.config.index_dir)
                self._store = None
                self._progress(f"note: moved the damaged store to {moved}; building a fresh index")
                stats = self._ingest(path, rebuild, meter)
            if stats.embedded or not self._onnx_file().exists():
                self._ensure_onnx()
            unchanged = not (
                stats.chunks_added
                or stats.chunks_removed
                or stats.rebuilt
                or stats.completed
                or stats.removed
            )
            self._save_snapshot(stats.files, reuse=unchanged, records=stats.records)
            stats.records = []  # saved; not held by whoever keeps the stats
            if path is not None and self.config.corpus_dir is not None:
                self.config = self.config.with_(corpus_dir=Path(path))
            self._open = None
            return stats

    def _ingest(self, path: str | Path | None, rebuild: bool, meter: Meter | None) -> IngestStats:
        store = self.store
        if store.read_only:
            raise UserError(
                f"the index store in {self.config.index_dir} is read-only; indexing writes "
                "there: make it writable, or pass --index a writable folder"
            )
        root = Path(path) if path is not None else self._corpus_root(store.info())
        return ingest(
            root,
            store,
            self.model,
            self.config.chunk_tokens,
            self._ingest_embedder,
            self.text_store,
            self.config.index_dir / "vectors" / self.config.collection,
            self._progress,
            rebuild=rebuild,
            lexicon=self.lexicon,
            max_file_mb=self.config.max_file_mb,
            meter=meter,
            checkpoint=crashpoints.checkpoint(self.config.test_kill_at),
            before_write=self.snapshots.begin,
        )

    def _save_snapshot(
        self,
        files: Mapping[str, FileState],
        reuse: bool,
        records: Sequence[ChunkRecord] = (),
    ) -> None:
        """After a finished write (holding the lock): save what the query path needs, so the
        next open reads no chunk from the store and no text (:mod:`assistant.snapshot`).
        ``reuse``: the store did not change, keep the current snapshot's records and BM25.
        ``records``: what the store holds, as the write left it (else they are read back)."""
        store = self.store
        info = store.info()
        if info is None or not info.complete or store.read_only:
            return
        root = self._corpus_root(info)
        manifest = corpus_mod.read_manifest(root) if root.is_dir() else {}
        titles: dict[str, str] = {}
        pages: dict[str, tuple[int, ...]] = {}
        for source, state in files.items():
            meta = self.text_store.meta(state.sha256)
            titles[source] = corpus_mod.title_of(source, manifest, meta.title if meta else None)
            if meta is not None and meta.pages:
                pages[source] = meta.pages
        old = self.snapshots.stamp()
        reuse = reuse and old is not None and old.complete and old.generation == store.generation
        try:
            table: Sequence[ChunkRecord] = []
            save: Callable[[Path], None] = lambda _folder: None  # noqa: E731
            if not reuse:
                every = list(records) if len(records) == store.count() else store.records()
                memory.release()  # what the write left behind, before BM25 is built
                shas = {r.source: r.sha256 for r in every}
                texts = DocumentTexts(self.text_store, shas, self._text_missing, keep=False)
                lexical = LexicalIndex.build(every, texts, titles)  # no query encoder needed
                table, save = lexical.records, lexical.save
            self.snapshots.commit(
                info, store.generation, table, files, titles, pages, save, reuse=reuse
            )
        except (OSError, IndexStaleError) as exc:
            self._progress(
                f"note: could not save the query snapshot ({exc}); the index is complete, but "
                "opening it reads the whole store until the next ingest"
            )

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the index folder's ingest lock for the block. ``writing`` stays True when
        Ctrl+C ends it, for the CLI to say what that left."""
        self.writing = self.wrote = True
        try:
            with contextlib.suppress(IndexDamagedError):  # a rebuild moves it aside, locked
                self.store  # noqa: B018  # first say so if the index folder is a file
            with lock_mod.ingest_lock(self.config.index_dir, self._progress):
                yield
        except KeyboardInterrupt:
            raise
        except BaseException:
            self.writing = False
            raise
        self.writing = False

    # -- query -------------------------------------------------------------------------------
    def _ensure_open(self) -> _Open:
        """The opened index; re-opened when another process (or this one) replaced it."""
        with self._lock:
            if self._open is not None:
                if not self._replaced(self._open):
                    return self._open
                self._open = None
                self._close_store()
            encoder = self._start_encoder()  # loads while chromadb imports and the rest opens
            store = self.store
            if not store.exists():  # the first run: build it (this deletes nothing)
                root = self._corpus_root(None)
                self._progress(
                    f"no index in {self.config.index_dir} yet: building it from {root} first"
                )
                self.ingest()
                store = self.store
            # Chroma loads its vector index at the first query; meanwhile the rest opens. Not a
            # daemon: a process that exits while Chroma loads crashes (SIGSEGV) in its teardown.
            threading.Thread(target=store.warm_up, name="chroma-warm-up").start()
            key = self.snapshots.stat_key()  # before reading: a later change re-opens again
            stamp = self.snapshots.stamp()
            opened = None
            if stamp is not None:
                opened = self._open_snapshot(store, stamp, key, encoder)
            self._open = opened or self._open_from_store(store, key, encoder)
            return self._open

    def _start_encoder(self) -> Callable[[], CachingEmbedder]:
        """Start loading the query encoder in a thread; the function returned waits for it.
        ONNX Runtime releases the GIL while it builds its session (0.3-0.5 s), so that overlaps
        with importing Chroma and opening the snapshot. Loaded in place, when asked for, if it
        must first be exported (a child process with torch, which says so)."""
        if not self._onnx_file().exists():
            return self._embedder
        future: Future[CachingEmbedder] = Future()

        def load() -> None:
            try:
                future.set_result(self._embedder())
            except BaseException as exc:  # re-raised where the encoder is asked for
                future.set_exception(exc)

        # not a daemon: the interpreter's teardown must not run under a native call
        threading.Thread(target=load, name="query-encoder").start()
        return future.result

    @property
    def snapshots(self) -> Snapshots:
        """The saved query state of the index and the stamp that says when it changed."""
        return Snapshots(self.config.index_dir, self.config.collection)

    def _replaced(self, opened: _Open) -> bool:
        """Whether a finished write replaced the index since ``opened`` (one ``stat``); while a
        write is under way the opened index keeps serving (quotes are checked against the files)."""
        if self.snapshots.stat_key() == opened.stamp_key:
            return False
        stamp = self.snapshots.stamp()
        return stamp is not None and stamp.complete

    def _forget(self) -> None:
        """Drop the opened index: the next question opens it anew."""
        with self._lock:
            self._open = None
            self._close_store()

    def _close_store(self) -> None:
        if self._store is not None:
            self._store.close()
        self._store = None

    def _want(self) -> tuple[str, int, str]:
        return (self.model.key, min(self.config.chunk_tokens, self.model.window), PIPELINE)

    def _check_settings(self, store: ChunkStore, info: IndexInfo) -> None:
        if (info.model_key, info.chunk_tokens, info.pipeline) != self._want():
            raise UserError(
                f"the index in {store.location} was built with other settings (model, chunk "
                "size or pipeline version); run `assistant ingest` to rebuild it"
            )

    def _open_snapshot(
        self,
        store: ChunkStore,
        stamp: Stamp,
        key: StatKey | None,
        encoder: Callable[[], CachingEmbedder],
    ) -> _Open | None:
        """Open from the snapshot the last finished write saved: no chunk is read from the store,
        no text is read, a file is hashed only when its size or time changed. None when there is
        no usable snapshot (an older index, a write under way or interrupted)."""
        if not stamp.complete or stamp.generation != store.generation:
            return None
        info = stamp.info
        assert info is not None  # complete
        self._check_settings(store, info)
        records = self.snapshots.records(stamp)
        if records is None:
            return None
        root = corpus_mod.check_root(self._corpus_root(info))
        indexed = records.documents()
        files = {s: f for s, f in stamp.files.items() if s in indexed}
        edited, removed = [], []
        for source in sorted(indexed):
            state = files.get(source)
            now = self._file_now(root, source, state)
            if now is None:
                removed.append(source)
            elif now.sha256 != indexed[source]:
                edited.append(source)
            else:
                files[source] = now
        self._raise_changed(root, edited, removed)
        if self.text_store.missing(indexed.values()):
            return None  # the slow path reads a legacy text from its file, or says what to run
        texts = DocumentTexts(self.text_store, indexed, self._text_missing)
        try:
            retriever = HybridRetriever.load(
                self.snapshots.retriever_dir(stamp), records, texts, store, encoder()
            )
        except (OSError, ValueError, KeyError):
            return None  # removed by a newer write while this one read it: the slow path
        titles = {s: stamp.titles.get(s) or PurePosixPath(s).stem for s in indexed}
        pages = {s: tuple(p) for s, p in stamp.pages.items() if s in indexed}
        return self._opened(info, root, texts, pages, retriever, titles, files, key)

    def _open_from_store(
        self, store: ChunkStore, key: StatKey | None, encoder: Callable[[], CachingEmbedder]
    ) -> _Open:
        """Open by reading every chunk record from the store and every file (an index written
        by an older version, or when its snapshot is not usable)."""
        info = store.info()
        records = store.records()
        self._check_complete(store, info, records)
        assert info is not None  # _check_complete refuses an index without it
        self._check_settings(store, info)
        root = corpus_mod.check_root(self._corpus_root(info))
        manifest = corpus_mod.read_manifest(root)
        stored = self.text_store
        texts: dict[str, str] = {}
        titles: dict[str, str] = {}
        pages: dict[str, tuple[int, ...]] = {}
        files: dict[str, FileState] = {}
        edited, removed, missing = [], [], []
        for source, sha in sorted({(r.source, r.sha256) for r in records}):
            path = corpus_mod.inside(root, source)
            try:
                st = path.stat() if path is not None and path.is_file() else None
                data = path.read_bytes() if path is not None and st is not None else None
            except OSError:
                data = None
            if data is None or st is None:
                removed.append(source)
                continue
            if hashlib.sha256(data).hexdigest() != sha:
                edited.append(source)
                continue
            files[source] = FileState(sha, st.st_size, st.st_mtime_ns)
            meta = stored.meta(sha)
            text = stored.text(sha, meta) if meta is not None else _legacy_text(source, data)
            if text is None:
                missing.append(source)
                continue
            texts[source] = text
            titles[source] = corpus_mod.title_of(source, manifest, meta.title if meta else None)
            if meta is not None and meta.pages:
                pages[source] = meta.pages
        self._raise_changed(root, edited, removed)
        if missing:
            raise IndexStaleError(
                f"the extracted text of {', '.join(missing)} is missing from {stored.folder}; "
                "run `assistant ingest` to restore it"
            )
        retriever = HybridRetriever.build(records, texts, store, encoder(), titles)
        return self._opened(info, root, texts, pages, retriever, titles, files, key)

    def _embedder(self) -> CachingEmbedder:
        return CachingEmbedder(self.query_embedder())

    def _opened(
        self,
        info: IndexInfo,
        root: Path,
        texts: Mapping[str, str],
        pages: dict[str, tuple[int, ...]],
        retriever: HybridRetriever,
        titles: dict[str, str],
        files: dict[str, FileState],
        key: StatKey | None,
    ) -> _Open:
        embedder = retriever.embedder
        context = AnswerContext(
            titles,
            retriever.vocabulary,
            embedder.embed_batch,
            _span_vectors(self.sentence_vectors(info), retriever, texts, embedder),
            lambda ws: self.lexicon.vectors(ws, embedder.embed_batch),
        )
        return _Open(info, root, texts, pages, retriever, context, files, key)

    @staticmethod
    def _file_now(root: Path, source: str, state: FileState | None) -> FileState | None:
        """The file of ``source`` now (hashed only when its size or time changed), or None
        when it is gone. One ``stat`` when unchanged: the name is resolved (links that lead
        out of the folder refused) only when the file must be read."""
        try:
            st = os.stat(root / source)
            if not stat.S_ISREG(st.st_mode):
                return None
            if state is not None and state.same_stat(st):
                return state
            path = corpus_mod.inside(root, source)
            if path is None:
                return None
            data = path.read_bytes()
        except OSError:
            return None
        return FileState(hashlib.sha256(data).hexdigest(), st.st_size, st.st_mtime_ns)

    @staticmethod
    def _raise_changed(root: Path, edited: list[str], removed: list[str]) -> None:
        if edited or removed:
            parts = [
                f"edited: {', '.join(edited)}" if edited else "",
                f"removed: {', '.join(removed)}" if removed else "",
            ]
            raise IndexStaleError(
                f"the corpus in {root} changed since the index was built "
                f"({'; '.join(p for p in parts if p)}); run `assistant ingest` to update the index"
            )

    def _text_missing(self, source: str) -> Exception:
        return IndexStaleError(
            f"the extracted text of {source} is missing from {self.text_store.folder}; run "
            "`assistant ingest` to restore it"
        )

    def _check_cited(self, opened: _Open, source: str) -> None:
        """A quote from ``source`` is returned only while its file is the one indexed."""
        state = opened.files.get(source)
        now = self._file_now(opened.corpus_root, source, state)
        if now is None or state is None or now.sha256 != state.sha256:
            what = "was removed" if now is None else "changed"
            raise IndexStaleError(
                f"{source} {what} since it was indexed; run `assistant ingest` to update the index"
            )
        opened.files[source] = now

    def _check_complete(
        self, store: ChunkStore, info: IndexInfo | None, records: list[ChunkRecord]
    ) -> None:
        """Refuse, with what to run, an index that an ingest has not finished."""
        where = f"the index in {self.config.index_dir}"
        audit = store.audit(records)
        if info is not None and info.complete and not audit.incomplete:
            return
        holder = lock_mod.holder(self.config.index_dir)
        if holder is not None:
            raise IndexStaleError(
                f"{where} is being written by an ingest ({holder.describe()}); wait for it to "
                "finish, then try again"
            )
        corpus = f" of {info.corpus_dir}" if info is not None and info.corpus_dir else ""
        if info is not None and info.complete and not audit.marked:
            raise IndexStaleError(
                f"{where} was built by an older version that did not record which documents "
                "are complete; run `assistant ingest` once to check it (only what is missing "
                "is embedded)"
            )
        names = sorted(audit.incomplete)
        partly = (
            f"; {len(names)} document(s) unfinished: {', '.join(names[:5])}"
            + (", ..." if len(names) > 5 else "")
            if names
            else ""
        )
        done = f"{len(audit.complete)} document(s) complete{partly}"
        if info is None or not info.complete:
            raise IndexStaleError(
                f"{where} is incomplete: an ingest{corpus} was interrupted ({done}); run "
                "`assistant ingest` to finish it"
            )
        raise IndexStaleError(
            f"{where} is incomplete ({done}); run `assistant ingest` to finish it"
        )

    def check_question(self, question: object) -> str:
        if not isinstance(question, str):
            raise UserError(f"a question must be text, not {type(question).__name__}")
        if not question.strip():
            raise UserError(
                'the question is empty; ask something, e.g. "When was DeepSeek R1 released?"'
            )
        try:
            question.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise UserError(
                f"the question is not valid text: character {exc.start + 1} is an undecodable "
                "byte or a lone surrogate (a terminal or file in another encoding?); retype it, "
                "or set a UTF-8 locale (e.g. LANG=C.UTF-8)"
            ) from None
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
        """The indexed documents' text by source: what citations index into (see
        :meth:`document_text`)."""
        return dict(self._ensure_open().texts)

    def document_text(self, source: str) -> str:
        """The exact text a citation of ``source`` indexes into: ``quote == text[start:end]``.

        For a UTF-8 ``.txt`` or ``.md`` file it is the file's bytes decoded; for other formats,
        what the reader extracted when it was indexed (stored in the index folder)."""
        text = self._ensure_open().texts.get(source)
        if text is None:
            raise UserError(
                f"{source!r} is not an indexed document; Assistant.documents() lists them"
            )
        return text

    def pages(self, source: str) -> tuple[int, ...] | None:
        """The start offset of each page of ``source`` in :meth:`document_text` (PDFs), or None:
        page ``n`` is ``text[pages[n - 1] : pages[n]]`` (the last one runs to the end)."""
        self.document_text(source)  # an unknown source is an error, not "no pages"
        return self._ensure_open().pages.get(source)

    def page_of(self, source: str, offset: int) -> int | None:
        """The 1-based page of ``source`` that character ``offset`` is on (PDFs), else None."""
        pages = self._ensure_open().pages.get(source)
        return readers.page_at(pages, offset) if pages else None

    def titles(self) -> dict[str, str]:
        """Document titles by source (from the corpus manifest, else the file name)."""
        return dict(self._ensure_open().context.titles)

    def ask_stream(self, question: str) -> Iterator[str | Answer]:
        """The answer as it is produced: growing text (str) from a generative answerer, then the
        final :class:`Answer` (the only item from the extractive one)."""
        q = self.check_question(question)
        try:
            opened = self._ensure_open()
            passages = opened.retriever.retrieve(q, self.config.top_k)
        except IndexStaleError:  # e.g. rebuilt by another process: open it anew next time
            self._forget()
            raise
        for item in self.answerer.stream(q, passages, opened.context):
            if isinstance(item, Answer):
                for source in dict.fromkeys(c.source for c in item.citations):
                    try:
                        self._check_cited(opened, source)
                    except IndexStaleError:
                        self._forget()
                        raise
                for c in item.citations:
                    text = opened.texts.get(c.source)
                    if text is None or text[c.start : c.end] != c.quote:
                        raise CitationError(
                            f"answerer {self.answerer.name!r} cited {c.source}[{c.start}:{c.end}], "
                            "which is not that file's text; this is a bug, please report it",
                            item,
                        )
                item = self._with_pages(item, opened)
            yield item

    @staticmethod
    def _with_pages(answer: Answer, opened: _Open) -> Answer:
        """The answer with each citation of a paged document carrying its page."""
        if not any(c.source in opened.pages for c in answer.citations):
            return answer
        return replace(
            answer,
            citations=[
                replace(c, page=readers.page_at(opened.pages[c.source], c.start))
                if c.source in opened.pages
                else c
                for c in answer.citations
            ],
        )

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
            "formats": by_count(Counter(d.format for d in self.documents())),
            "chunks": len(opened.retriever),
            "built_at": opened.info.built_at,
            "corpus_dir": str(opened.corpus_root),
            "store": self.store.location,
            "embed_model": str(self.model.path),
            "embed_model_name": self.model.name,
            "chunk_tokens": opened.info.chunk_tokens,
            "answerer": self.answerer.name,
        }

    # -- documents ---------------------------------------------------------------------------
    def documents(self) -> list[DocumentInfo]:
        """The indexed documents (sorted by source), from the index alone: it reads no document,
        so it also works when the folder changed since the last ingest."""
        with self._lock:
            info = self.store.info()
            chunks = self._chunk_counts()
        root = self._corpus_root(info)
        manifest = corpus_mod.read_manifest(root) if root.is_dir() else {}
        stored = self.text_store
        out = []
        for (source, sha), n in sorted(chunks.items()):
            meta = stored.meta(sha)
            legacy = "markdown" if source.lower().endswith(".md") else "text"
            out.append(
                DocumentInfo(
                    source=source,
                    title=corpus_mod.title_of(source, manifest, meta.title if meta else None),
                    format=meta.format if meta else legacy,
                    pages=len(meta.pages) if meta and meta.pages else None,
                    chunks=n,
                    kept_share=meta.kept_share if meta else None,
                    web_capture=meta.web_capture if meta else False,
                    chars=meta.chars if meta else None,
                    indexed_at=meta.stored_at if meta else None,
                    sha256=sha,
                )
            )
        return out

    def _chunk_counts(self) -> Counter[tuple[str, str]]:
        """Chunks per (source, sha256): from the snapshot when it is the store's current state
        (no chunk read), else from the store."""
        store = self.store
        stamp = self.snapshots.stamp()
        table = None
        if stamp is not None and stamp.complete and stamp.generation == store.generation:
            table = self.snapshots.records(stamp)
        if table is None:
            return Counter((r.source, r.sha256) for r in store.records())
        shas = table.documents()
        return Counter({(s, shas[s]): n for s, n in table.chunk_counts().items()})

    def add_file(
        self, name: str, data: bytes, *, overwrite: bool = False
    ) -> tuple[str, IngestStats]:
        """Save ``data`` as a document called ``name`` in the corpus folder and index it.

        Only the last part of ``name`` is used (``../../x.pdf`` is saved as ``x.pdf`` inside
        the folder). The file is read first: an unsupported, damaged or empty one, or one over
        the size limit, raises :class:`UserError` and nothing is written. An existing file is
        replaced only with ``overwrite=True``. Returns the document's source and the ingest stats
        (the ingest is incremental: only new or changed files are embedded)."""
        with self._lock:
            base = PurePosixPath(str(name).replace("\\", "/")).name.strip()
            if not base or base.startswith(".") or any(ord(c) < 32 for c in base):
                raise UserError(
                    f"{name!r} is not a usable file name; give the file a plain name such as "
                    "report.pdf (names starting with '.' are hidden and never indexed)"
                )
            limit = self.config.max_file_mb
            if len(data) > limit * 2**20:
                raise UserError(f"{base} is {corpus_mod.too_large(len(data), limit)}")
            try:
                readers.read(data, base)
            except readers.Unreadable as exc:
                raise UserError(f"{base} cannot be indexed: {exc.reason}") from None
            root = corpus_mod.check_root(self._corpus_root(self.store.info()))
            target = root / base
            if target.exists() and not overwrite:
                raise UserError(
                    f"{base} is already in {root}; remove it first or pass overwrite=True"
                )
            fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=".tmp", dir=root)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            return base, self.ingest(root)

    def remove(self, source: str, *, delete_file: bool) -> int:
        """Take ``source`` out of the index; the number of chunks removed.

        With ``delete_file=True`` the file is deleted from the corpus folder too; without, it
        stays there and the next ingest indexes it again."""
        with self._lock, self._writing():
            store = self.store
            records = store.records()
            ids = [r.id for r in records if r.source == source]
            if not ids:
                raise UserError(
                    f"{source!r} is not an indexed document; Assistant.documents() lists them"
                )
            root = corpus_mod.check_root(self._corpus_root(store.info()))
            path = corpus_mod.inside(root, source) if delete_file else None
            if delete_file and path is None:
                raise UserError(f"{source!r} is not a file inside {root}; nothing was removed")
            old = self.snapshots.stamp()
            self.snapshots.begin()
            store.unmark([source])  # the mark first, then the chunks (see assistant.ingest)
            store.delete(ids)
            self.text_store.keep({r.sha256 for r in records if r.source != source})
            info = store.info()
            if info is not None:
                self.sentence_vectors(info).keep(
                    {(r.source, r.sha256) for r in records if r.source != source}
                )
            self._open = None
            if old is not None and old.complete:
                files = {s: f for s, f in old.files.items() if s != source}
                self._save_snapshot(files, reuse=False)
            if path is not None:
                try:
                    path.unlink(missing_ok=True)
                except OSError as exc:
                    raise UserError(
                        f"{source} was removed from the index but the file could not be deleted "
                        f"({exc.strerror or exc}); delete it by hand, or the next ingest adds it "
                        "again"
                    ) from None
            return len(ids)
