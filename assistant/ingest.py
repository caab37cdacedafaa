"""Ingest: bring the store in line with the corpus folder, incrementally by content hash.

Each file is hashed first: an unchanged file (same sha256, its text stored, its chunks complete)
is not even parsed, and no model is loaded when nothing changed. A new or edited file is read by
its format's reader (:mod:`assistant.readers`), its text stored once per content hash
(:mod:`assistant.texts`), then cleaned, chunked and embedded; a deleted or now unreadable file's
chunks are removed. A file that cannot be read is skipped with its reason and never stops the
run. A change of model, chunk budget or pipeline version rebuilds everything.

It is safe to kill at any point (SIGKILL, OOM, power loss), and the next run finishes the job
with nothing lost and nothing twice. Documents are written a group at a time (about
``Config.store_batch`` chunks), each in this order: its completion mark deleted, its sentence
vectors, its chunks (deterministic ids, so a rewrite replaces), its superseded chunks deleted,
its mark written (:class:`~assistant.store.DocMark`). A document is unchanged only when its mark
matches its file and its stored chunks; one left without a mark is completed, by writing only
the mark when all of its chunks are there. Removals delete the mark first, then the chunks. The
index says that an ingest is under way from its first write until its last, so readers refuse
it in between. A rebuild writes a new generation and makes it serve only after its last write
(:mod:`assistant.store`). An error before writing (no usable document, bad model) leaves the
index as it was. Progress goes to an optional :data:`Meter` (the CLI's progress bars). It does
not take the ingest lock (:mod:`assistant.lock`; the engine does) or answer questions (see
:mod:`assistant.engine`).
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from . import corpus as corpus_mod
from . import readers
from .chunking import Chunk, TokenCounter, chunk_document
from .cleaning import clean
from .corpus import Document, Skipped
from .crashpoints import Checkpoint
from .embedding import Embedder, ModelFiles
from .lexicon import Lexicon
from .snapshot import FileState
from .store import ChunkRecord, ChunkStore, DocMark, IndexInfo
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
    completed: list[str] = field(default_factory=list)  # left incomplete by an interrupted run
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
    # every document of the folder as it was read (stat taken before reading), by source
    files: dict[str, FileState] = field(default_factory=dict)


def chunk_id(doc: Document, chunk: Chunk, model_key: str) -> str:
    raw = f"{doc.source}\0{doc.sha256}\0{chunk.start}\0{chunk.end}\0{model_key}\0{PIPELINE}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


@dataclass
class _Found:
    """One document of the folder, read in full when it must be (re)indexed."""

    source: str
    sha256: str
    format: str
    state: FileState
    doc: Document | None = None  # None: unchanged, its text is in the text store
    read: readers.ReadText | None = None  # what the reader returned (with ``doc``)
    legacy: bool = False  # indexed before texts were stored, from exactly this text


def _scan(
    root: Path,
    texts: TextStore,
    known: dict[str, str],
    max_file_mb: int,
    meter: Meter,
    skipped: list[Skipped],
    hit: Checkpoint,
) -> Iterator[_Found]:
    """Every document of the folder; files that are not go to ``skipped`` with their reason.

    ``known``: the sha256 of each completely indexed document, by source."""
    paths, refused = corpus_mod.discover(root, max_file_mb)
    skipped.extend(refused)
    manifest = corpus_mod.read_manifest(root)
    bar = meter("reading", len(paths), "file")
    try:
        for path in paths:
            bar.update(1)
            hit("read")
            source = path.relative_to(root).as_posix()
            try:
                st = path.stat()  # before reading: an edit after this changes size or mtime
                data = path.read_bytes()
                sha = hashlib.sha256(data).hexdigest()
                state = FileState(sha, st.st_size, st.st_mtime_ns)
                unchanged = known.get(source) == sha
                meta = texts.meta(sha) if unchanged else None
                if meta is not None and texts.has(sha, meta):
                    yield _Found(source, sha, meta.format, state)
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
            yield _Found(source, sha, got.format, state, doc, got, legacy)
    finally:
        bar.close()


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


@dataclass
class _Planned:
    """A document to (re)index: its chunks, and whether only its completion mark is missing."""

    doc: Document
    chunks: list[Chunk]
    records: list[ChunkRecord]
    mark_only: bool = False  # an interrupted run wrote all of it but not its mark


def _groups(planned: list[_Planned], size: int) -> Iterator[list[_Planned]]:
    """Whole documents, about ``size`` chunks at a time (a longer document alone)."""
    group: list[_Planned] = []
    n = 0
    for p in planned:
        if group and n + len(p.records) > size:
            yield group
            group, n = [], 0
        group.append(p)
        n += len(p.records)
    if group:
        yield group


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
    checkpoint: Checkpoint | None = None,
    before_write: Callable[[], None] | None = None,
) -> IngestStats:
    """Bring ``store`` in line with the folder ``root``. The caller holds the ingest lock.

    ``checkpoint`` is called at each step a crash could interrupt (see
    :mod:`assistant.crashpoints`); ``before_write`` once, before the first change to the store."""
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    bars = meter or _no_meter
    hit = checkpoint or (lambda _point: None)
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
    # A rebuild goes into a generation of its own; the serving one is untouched until it is done.
    target = store.new_generation(want) if rebuild and store.present() else store
    if target is not store and target.present():
        say(f"note: resuming the unfinished rebuild (generation {target.generation})")
    existing = target.records()
    audit = target.audit(existing)
    stored: dict[str, set[str]] = {}
    for r in existing:
        stored.setdefault(r.source, set()).add(r.id)
    known = {source: mark.sha256 for source, mark in audit.complete.items()}

    found = list(_scan(root, texts, known, max_file_mb, bars, stats.skipped, hit))
    stats.skipped.sort(key=lambda s: s.source)
    if not found:
        raise corpus_mod.no_documents(root, stats.skipped)  # before anything is touched
    stats.documents = len(found)
    stats.formats = by_count(Counter(f.format for f in found))
    stats.files = {f.source: f.state for f in found}

    started = False

    def begin() -> None:
        """Before the first write: the target says that an ingest is under way."""
        nonlocal started
        if not started:
            started = True
            if before_write is not None:
                before_write()
            target.set_info(replace(want, built_at=time.time(), complete=False))

    if not target.present():  # a first build says so at once: a kill from here on leaves a
        begin()  # record of what it was building, never an index that looks empty

    for g in store.orphans():
        if g != target.generation:
            store.drop_generation(g)
            what = "an unfinished rebuild" if g > store.generation else "the replaced index"
            say(f"note: dropped generation {g} of the index ({what})")

    todo: list[tuple[Document, readers.ReadText]] = []
    for f in found:
        if f.doc is None or f.read is None:
            stats.unchanged += 1
            continue
        if f.legacy:  # its chunks were cut from this very text: store it, embed nothing
            cleaned = clean(f.read.text)
            texts.put(f.sha256, f.read, cleaned.kept_share, cleaned.web_capture)
            stats.unchanged += 1
            continue
        if f.source in audit.incomplete:
            stats.completed.append(f.source)
        else:
            (stats.changed if f.source in stored else stats.new).append(f.source)
        todo.append((f.doc, f.read))
    present = {f.source for f in found}
    indexed = stored.keys() | audit.complete.keys() | audit.incomplete.keys()
    stats.removed = sorted(s for s in indexed if s not in present)

    planned: list[_Planned] = []
    if todo:
        counter = TokenCounter(model.tokenizer_file)
        bar = bars("chunking", len(todo), "file")
        n_chunks = 0
        for doc, got in todo:
            cleaned = clean(doc.text)
            stats.kept.append(Kept(doc.source, cleaned.kept_share, cleaned.web_capture))
            texts.put(doc.sha256, got, cleaned.kept_share, cleaned.web_capture)
            chunks = list(
                chunk_document(doc.source, doc.text, counter, budget, model.window, cleaned)
            )
            records = [
                ChunkRecord(
                    chunk_id(doc, c, model.key),
                    doc.source,
                    c.ordinal,
                    c.start,
                    c.end,
                    doc.sha256,
                    c.headings,
                    c.units,
                )
                for c in chunks
            ]
            mark_only = (
                doc.source in audit.incomplete
                and doc.source not in audit.units_missing
                and stored.get(doc.source, set()) == {r.id for r in records}
            )
            planned.append(_Planned(doc, chunks, records, mark_only))
            n_chunks += len(chunks)
            bar.update(1)
            bar.set_postfix_str(f"{n_chunks} chunks")
            hit("chunk")
        bar.close()
    work = [p for p in planned if not p.mark_only]
    n_units = sum(len(c.units) for p in work for c in p.chunks)
    if work:
        say(
            f"chunked {len(todo)} document(s): {sum(len(p.chunks) for p in work)} chunks and "
            f"{n_units} sentences to embed; loading the embedding model"
        )

    if lexicon is not None:
        # Word vectors for words not seen before (all of the corpus when there are none yet),
        # saved before any chunk is written: a document marked complete has its words.
        if len(lexicon):
            docs: Iterator[str] = (d.text for d, _read in todo)
        else:
            docs = _all_texts(found, texts)
        new_words = lexicon.missing(docs)
        if new_words:
            say(f"embedding {len(new_words)} new words")
            lexicon.add(new_words, embedder().embed_documents(new_words, batch_size=256))
            stats.words_embedded = len(new_words)

    if rebuild:
        stats.rebuilt = True
        if settings_changed:
            say("index settings changed (model, chunk size or pipeline): rebuilding")
    if audit.orphan_units:  # sentence vectors of chunks an interrupted run never wrote
        begin()
        target.delete_units(audit.orphan_units)

    chunk_bar = _Tally(bars, say, "chunk", sum(len(p.records) for p in work))
    unit_bar = _Tally(bars, say, "sentence", n_units)
    emb: Embedder | None = None
    try:
        for group in _groups(planned, target.batch):
            begin()
            todo_now = [p for p in group if not p.mark_only]
            if todo_now:
                emb = emb or embedder()
                records = [r for p in todo_now for r in p.records]
                units = [(p.doc, u) for p in todo_now for c in p.chunks for u in c.units]
                vectors = chunk_bar.embed(
                    emb, [embedding_text(p.doc.title, c) for p in todo_now for c in p.chunks]
                )
                unit_vectors = unit_bar.embed(emb, [d.text[s:e] for d, (s, e) in units])
                hit("embed")
                # Each document: mark gone, sentence vectors, chunks, superseded chunks, mark.
                target.unmark([p.doc.source for p in todo_now])
                unit_ids = [uid for r in records for uid in r.unit_ids()]
                target.add_units(unit_ids, unit_vectors, after_batch=lambda: hit("units"))
                target.add(records, vectors, after_batch=lambda: hit("chunks"))
                ids = {r.id for r in records}
                stale = [
                    i
                    for p in todo_now
                    for i in sorted(stored.get(p.doc.source, ()))
                    if i not in ids
                ]
                if stale:
                    target.delete(stale)
                    hit("stale")
                stats.chunks_added += len(records)
                stats.chunks_removed += len(stale)
                stats.embedded += len(records)
                stats.units_embedded += len(unit_ids)
            target.mark([DocMark.of(p.doc.source, p.doc.sha256, p.records) for p in group])
            hit("mark")
    finally:
        chunk_bar.close()
        unit_bar.close()

    if stats.removed:  # mark first, then the chunks
        begin()
        target.unmark(stats.removed)
        hit("unmark")
        old_ids = [i for s in stats.removed for i in sorted(stored.get(s, ()))]
        target.delete(old_ids, after_batch=lambda: hit("remove"))
        stats.chunks_removed += len(old_ids)

    if target is not store:  # the rebuilt generation serves from here on
        target.set_info(replace(want, built_at=time.time()))
        hit("promote")
        old = store.point_to(target)
        hit("switch")
        store.drop_generation(old)
    elif started or have is None or not have.complete or have.corpus_dir != want.corpus_dir:
        store.set_info(replace(want, built_at=time.time()))
    texts.keep({f.sha256 for f in found})
    stats.chunks_total = store.count()
    stats.seconds = time.perf_counter() - t0
    return stats


def _all_texts(found: list[_Found], texts: TextStore) -> Iterator[str]:
    for f in found:
        yield f.read.text if f.read is not None else texts.text(f.sha256) or ""


class _Tally:
    """One progress bar over every group's embedding of one kind (chunks or sentences)."""

    def __init__(self, bars: Meter, say: Progress, unit: str, total: int):
        self.bar = bars("embedding", total, unit) if total else _NoBar()
        self.quiet = bars is not _no_meter
        self.say, self.unit, self.total, self.done = say, unit, total, 0

    def embed(self, emb: Embedder, items: list[str]) -> np.ndarray:
        base = self.done
        seen = 0

        def tick(now: int, _total: int) -> None:
            nonlocal seen
            self.bar.update(now - seen)
            seen = now
            self.done = base + now
            if not self.quiet:
                self.say(f"embedded {self.done}/{self.total} {self.unit}s")

        return emb.embed_documents(items, progress=tick)

    def close(self) -> None:
        self.bar.close()
