"""Ingest: bring the store in line with the corpus folder, incrementally by content hash.

Each file is hashed first: an unchanged file (same sha256, its text stored) is not even parsed,
and no model is loaded when nothing changed. A new or edited file is read by its format's reader
(:mod:`assistant.readers`), its text stored once per content hash (:mod:`assistant.texts`), then
cleaned, chunked and embedded; a deleted or now unreadable file's chunks are removed. A file
that cannot be read is skipped with its reason and never stops the run. New chunks are written
before old ones are deleted, so an interrupted ingest leaves a usable index that the next run
repairs; an error before writing (no usable document, bad model) leaves the index as it was. A
change of model, chunk budget or pipeline version rebuilds everything. Progress goes to an
optional :data:`Meter` (the CLI's progress bars). It does not answer questions (see
:mod:`assistant.engine`).
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from . import corpus as corpus_mod
from . import readers
from .chunking import Chunk, TokenCounter, chunk_document
from .cleaning import clean
from .corpus import Document, Skipped
from .embedding import Embedder, ModelFiles
from .lexicon import Lexicon
from .store import ChunkRecord, ChunkStore, IndexInfo
from .texts import TextStore

# Bump when cleaning, sentence splitting or chunking changes what a chunk is.
PIPELINE = "struct1.clean3.sent3.chunk3.units1"

Progress = Callable[[str], None]


class Bar(Protocol):
    """A progress bar (``tqdm`` is one)."""

    def update(self, n: int = 1) -> object: ...
    def set_postfix_str(self, s: str = "", refresh: bool = True) -> object: ...
    def close(self) -> None: ...


# Opens a progress bar: (description, total, unit) -> Bar, e.g. a partial of tqdm.
Meter = Callable[[str, int, str], Bar]


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass


def _no_meter(desc: str, total: int, unit: str) -> Bar:
    return _NoBar()


LOSS_WARNING = 0.2  # warn when cleaning drops more than this share of a document's text


@dataclass(frozen=True)
class Kept:
    """How much of one document's text reached the index."""

    source: str
    share: float  # non-space characters kept / in the file
    web_capture: bool  # page chrome was removed

    @property
    def warn(self) -> bool:
        return self.share < 1 - LOSS_WARNING


def by_count(counts: Counter[str]) -> dict[str, int]:
    """Counts, most first, ties by name (``{"text": 4, "docx": 1, "pdf": 1}``)."""
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def embedding_text(title: str, chunk: Chunk) -> str:
    """What the dense index embeds for a chunk: its title and heading path, then its text."""
    path = " › ".join([title, *chunk.headings])[:200]
    return f"{path}\n{chunk.text}"


@dataclass
class IngestStats:
    documents: int = 0
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_total: int = 0
    embedded: int = 0
    units_embedded: int = 0
    words_embedded: int = 0
    kept: list[Kept] = field(default_factory=list)  # documents (re)indexed by this run
    formats: dict[str, int] = field(default_factory=dict)  # documents in the index, by format
    rebuilt: bool = False
    seconds: float = 0.0


def chunk_id(doc: Document, chunk: Chunk, model_key: str) -> str:
    raw = f"{doc.source}\0{doc.sha256}\0{chunk.start}\0{chunk.end}\0{model_key}\0{PIPELINE}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


@dataclass
class _Found:
    """One document of the folder, read in full when it must be (re)indexed."""

    source: str
    sha256: str
    format: str
    doc: Document | None = None  # None: unchanged, its text is in the text store
    read: readers.ReadText | None = None  # what the reader returned (with ``doc``)
    legacy: bool = False  # indexed before texts were stored, from exactly this text


def _scan(
    root: Path,
    texts: TextStore,
    known: dict[str, set[str]],
    max_file_mb: int,
    meter: Meter,
    skipped: list[Skipped],
) -> Iterator[_Found]:
    """Every document of the folder; files that are not go to ``skipped`` with their reason."""
    paths, refused = corpus_mod.discover(root, max_file_mb)
    skipped.extend(refused)
    manifest = corpus_mod.read_manifest(root)
    bar = meter("reading", len(paths), "file")
    try:
        for path in paths:
            bar.update(1)
            source = path.relative_to(root).as_posix()
            try:
                data = path.read_bytes()
                sha = hashlib.sha256(data).hexdigest()
                unchanged = known.get(source) == {sha}
                meta = texts.meta(sha) if unchanged else None
                if meta is not None and texts.has(sha, meta):
                    yield _Found(source, sha, meta.format)
                    continue
                got = readers.read(data, path.name)
            except OSError as exc:
                skipped.append(Skipped(source, f"cannot be read ({exc.strerror or exc})"))
                continue
            except readers.Unreadable as exc:
                skipped.append(Skipped(source, exc.reason))
                continue
            doc = corpus_mod.document(source, data, got, manifest)
            legacy = unchanged and got.format in ("text", "markdown") and _utf8(data) == got.text
            yield _Found(source, sha, got.format, doc, got, legacy)
    finally:
        bar.close()


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def ingest(
    root: Path,
    store: ChunkStore,
    model: ModelFiles,
    chunk_tokens: int,
    embedder: Callable[[], Embedder],
    texts: TextStore,
    progress: Progress | None = None,
    rebuild: bool = False,
    lexicon: Lexicon | None = None,
    max_file_mb: int = 50,
    meter: Meter | None = None,
) -> IngestStats:
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    bars = meter or _no_meter
    root = corpus_mod.check_root(root)
    stats = IngestStats()
    budget = min(chunk_tokens, model.window)
    want = IndexInfo(model.key, budget, PIPELINE, str(root), 0.0)
    have = store.info()
    settings_changed = have is not None and (
        have.model_key,
        have.chunk_tokens,
        have.pipeline,
    ) != (want.model_key, want.chunk_tokens, want.pipeline)
    rebuild = rebuild or settings_changed
    existing = [] if rebuild else store.records()
    by_source: dict[str, set[str]] = {}
    for r in existing:
        by_source.setdefault(r.source, set()).add(r.sha256)

    found = list(_scan(root, texts, by_source, max_file_mb, bars, stats.skipped))
    stats.skipped.sort(key=lambda s: s.source)
    if not found:
        raise corpus_mod.no_documents(root, stats.skipped)  # before anything is touched
    stats.documents = len(found)
    stats.formats = by_count(Counter(f.format for f in found))

    todo: list[tuple[Document, readers.ReadText]] = []
    for f in found:
        shas = by_source.get(f.source)
        if f.doc is None or f.read is None:
            stats.unchanged += 1
            continue
        if f.legacy:  # its chunks were cut from this very text: store it, embed nothing
            cleaned = clean(f.read.text)
            texts.put(f.sha256, f.read, cleaned.kept_share, cleaned.web_capture)
            stats.unchanged += 1
            continue
        (stats.changed if shas else stats.new).append(f.source)
        todo.append((f.doc, f.read))
    present = {f.source for f in found}
    stats.removed = sorted(s for s in by_source if s not in present)
    redone = {d.source for d, _read in todo}

    records: list[ChunkRecord] = []
    vectors = unit_vectors = np.zeros((0, 0), dtype=np.float32)
    unit_ids: list[str] = []
    if todo:
        counter = TokenCounter(model.tokenizer_file)
        chunks: list[tuple[Document, Chunk]] = []
        bar = bars("chunking", len(todo), "file")
        for doc, got in todo:
            cleaned = clean(doc.text)
            stats.kept.append(Kept(doc.source, cleaned.kept_share, cleaned.web_capture))
            texts.put(doc.sha256, got, cleaned.kept_share, cleaned.web_capture)
            for ch in chunk_document(doc.source, doc.text, counter, budget, model.window, cleaned):
                chunks.append((doc, ch))
            bar.update(1)
            bar.set_postfix_str(f"{len(chunks)} chunks")
        bar.close()
        units = [(d, c, u) for d, c in chunks for u in c.units]
        say(
            f"chunked {len(todo)} document(s) into {len(chunks)} chunks and {len(units)} "
            "sentences; loading the embedding model"
        )
        emb = embedder()
        vectors = _embed(
            emb, [embedding_text(d.title, c) for d, c in chunks], "embedding", "chunk", bars, say
        )
        unit_vectors = _embed(
            emb, [d.text[s:e] for d, _c, (s, e) in units], "embedding", "sentence", bars, say
        )
        records = [
            ChunkRecord(
                chunk_id(d, c, model.key),
                d.source,
                c.ordinal,
                c.start,
                c.end,
                d.sha256,
                c.headings,
                c.units,
            )
            for d, c in chunks
        ]
        unit_ids = [uid for r in records for uid in r.unit_ids()]
        stats.embedded = len(records)
        stats.units_embedded = len(unit_ids)

    if lexicon is not None:
        # Word vectors for words not seen before (all of the corpus when there are none yet).
        if len(lexicon):
            docs: Iterator[str] = (d.text for d, _read in todo)
        else:
            docs = _all_texts(found, texts)
        new_words = lexicon.missing(docs)
        if new_words:
            say(f"embedding {len(new_words)} new words")
            lexicon.add(new_words, embedder().embed_documents(new_words, batch_size=256))
            stats.words_embedded = len(new_words)

    # The chunks of removed documents, and of re-read ones that this run did not write again.
    new_ids = {r.id for r in records}
    old_ids = [
        r.id
        for r in existing
        if r.source in stats.removed or (r.source in redone and r.id not in new_ids)
    ]
    if rebuild:
        stats.rebuilt = True
        if settings_changed:
            say("index settings changed (model, chunk size or pipeline): rebuilding")
        store.drop()
    if records:
        store.add_units(unit_ids, unit_vectors)  # units first: a chunk is never without them
        store.add(records, vectors)
    if old_ids:
        store.delete(old_ids)
    if records or old_ids or have is None or rebuild or have.corpus_dir != want.corpus_dir:
        store.set_info(IndexInfo(want.model_key, budget, PIPELINE, str(root), time.time()))
    texts.keep({f.sha256 for f in found})
    stats.chunks_added = len(records)
    stats.chunks_removed = len(old_ids)
    stats.chunks_total = store.count()
    stats.seconds = time.perf_counter() - t0
    return stats


def _all_texts(found: list[_Found], texts: TextStore) -> Iterator[str]:
    for f in found:
        yield f.read.text if f.read is not None else texts.text(f.sha256) or ""


def _embed(
    emb: Embedder, items: list[str], desc: str, unit: str, bars: Meter, say: Progress
) -> np.ndarray:
    bar = bars(desc, len(items), unit)
    done = 0

    def tick(now: int, total: int) -> None:
        nonlocal done
        bar.update(now - done)
        done = now
        if bars is _no_meter:
            say(f"embedded {now}/{total} {unit}s")

    try:
        return emb.embed_documents(items, progress=tick)
    finally:
        bar.close()
