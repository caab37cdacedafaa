"""Ingest: bring the store in line with the corpus folder, incrementally by content hash.

Each file is hashed first, one at a time: an unchanged file (same sha256, its text stored, its
chunks complete) is not even parsed, and no model is loaded when nothing changed. Then each new
or edited file is read by its format's reader (:mod:`assistant.readers`), its text stored once
per content hash (:mod:`assistant.texts`), cleaned and chunked, and written with the others of
its group once the group holds about ``Config.store_batch`` chunks: memory holds one group and
one file (at most ``Config.max_file_mb``), not the corpus. A deleted or now unreadable file's
chunks are removed. A file that cannot be read is skipped with its reason and never stops the
run. A change of model, chunk budget or pipeline version rebuilds everything.

It is safe to kill at any point (SIGKILL, OOM, power loss), and the next run finishes the job
with nothing lost and nothing twice. Documents are written a group at a time (about
``Config.store_batch`` chunks), each in this order: its completion mark deleted, its sentence
vectors (one file per document, :mod:`assistant.sentvecs`), its chunks (deterministic ids, so a
rewrite replaces), its superseded chunks deleted, its mark written (:class:`~assistant.store.DocMark`). A document is unchanged only when its mark
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
from . import memory, readers
from .chunking import Chunk, TokenCounter, chunk_document
from .cleaning import clean
from .corpus import Document, Skipped
from .crashpoints import Checkpoint
from .embedding import Embedder, ModelFiles
from .lexicon import Lexicon
from .sentvecs import SentenceVectors
from .sentvecs import tag as vectors_tag
from .snapshot import FileState
from .store import ChunkRecord, ChunkStore, DocMark, IndexInfo
from .texts import TextStore

# Bump when reading, structure, cleaning, sentence splitting or chunking changes what a chunk is.
PIPELINE = "struct3.clean3.sent4.chunk3.units2.read5"

Progress = Callable[[str], None]


class Bar(Protocol):
    """A progress bar (``tqdm`` is one)."""

    def update(self, n: int = 1) -> object: ...
    def set_postfix_str(self, s: str = "", refresh: bool = True) -> object: ...
    def close(self) -> None: ...


# Opens a progress bar: (description, total or None, unit) -> Bar, e.g. a partial of tqdm.
Meter = Callable[[str, int | None, str], Bar]


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass


def _no_meter(desc: str, total: int | None, unit: str) -> Bar:
    return _NoBar()


LOSS_WARNING = 0.2  # warn when cleaning drops more than this share of a document's text


@dataclass(frozen=True)
class Kept:
    """How much of one document's text reached the index."""

    source: str
    share: float  # letters and digits kept / in the file
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
    # the serving generation's chunk records when the run ended, by (source, ordinal): what
    # the store holds, kept as written so the query snapshot need not read them back (the
    # engine empties it once the snapshot is saved)
    records: list[ChunkRecord] = field(default_factory=list, repr=False)


def chunk_id(doc: Document, chunk: Chunk, model_key: str) -> str:
    raw = f"{doc.source}\0{doc.sha256}\0{chunk.start}\0{chunk.end}\0{model_key}\0{PIPELINE}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


@dataclass
class _Found:
    """One file of the folder, hashed; read in full only when it must be (re)indexed."""

    source: str
    path: Path
    sha256: str
    state: FileState
    format: str | None = None  # set when unchanged (its text is in the text store)


def _scan(
    root: Path,
    texts: TextStore,
    known: dict[str, str],
    max_file_mb: int,
    meter: Meter,
    skipped: list[Skipped],
    hit: Checkpoint,
) -> Iterator[_Found]:
    """Every file of the folder, hashed one at a time (none is kept in memory); files that
    cannot be read go to ``skipped`` with their reason.

    ``known``: the sha256 of each completely indexed document, by source."""
    paths, refused = corpus_mod.discover(root, max_file_mb)
    skipped.extend(refused)
    bar = meter("reading", len(paths), "file")
    try:
        for path in paths:
            bar.update(1)
            hit("read")
            source = path.relative_to(root).as_posix()
            try:
                state = _hash(path)
            except OSError as exc:
                skipped.append(Skipped(source, f"cannot be read ({exc.strerror or exc})"))
                continue
            meta = texts.meta(state.sha256) if known.get(source) == state.sha256 else None
            unchanged = meta is not None and texts.has(state.sha256, meta)
            yield _Found(
                source, path, state.sha256, state, meta.format if meta and unchanged else None
            )
    finally:
        bar.close()


def _hash(path: Path, data: bytes | None = None) -> FileState:
    """The file's state: stat taken before reading, so an edit after it changes size or mtime."""
    st = path.stat()
    data = path.read_bytes() if data is None else data
    return FileState(hashlib.sha256(data).hexdigest(), st.st_size, st.st_mtime_ns)


def _read(
    f: _Found, root: Path, manifest: dict[str, dict[str, str]], skipped: list[Skipped]
) -> tuple[Document, readers.ReadText, FileState, bytes] | None:
    """The document of a new or changed file, read now (it may have changed since it was
    hashed: what is read is what is indexed); None, with the reason in ``skipped``."""
    try:
        st = f.path.stat()
        data = f.path.read_bytes()
        got = readers.read(data, f.path.name)
    except OSError as exc:
        skipped.append(Skipped(f.source, f"cannot be read ({exc.strerror or exc})"))
        return None
    except readers.Unreadable as exc:
        skipped.append(Skipped(f.source, exc.reason))
        return None
    doc = corpus_mod.document(f.source, data, got, manifest)
    return doc, got, FileState(doc.sha256, st.st_size, st.st_mtime_ns), data


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


def ingest(
    root: Path,
    store: ChunkStore,
    model_files: ModelFiles,
    chunk_tokens: int,
    embedder: Callable[[], Embedder],
    texts: TextStore,
    vectors_dir: Path,
    progress: Progress | None = None,
    rebuild: bool = False,
    lexicon: Lexicon | None = None,
    max_file_mb: int = 50,
    meter: Meter | None = None,
    checkpoint: Checkpoint | None = None,
    before_write: Callable[[], None] | None = None,
) -> IngestStats:
    """Bring ``store`` in line with the folder ``root``. The caller holds the ingest lock.

    ``vectors_dir``: where each document's sentence vectors are kept
    (:class:`~assistant.sentvecs.SentenceVectors`). ``checkpoint`` is called at each step a
    crash could interrupt (see :mod:`assistant.crashpoints`); ``before_write`` once, before the
    first change to the store."""
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    bars = meter or _no_meter
    hit = checkpoint or (lambda _point: None)
    root = corpus_mod.check_root(root)
    stats = IngestStats()
    budget = min(chunk_tokens, model_files.window)
    want = IndexInfo(model_files.key, budget, PIPELINE, str(root), 0.0)
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
    units = SentenceVectors(vectors_dir, vectors_tag(want.model_key, budget, PIPELINE))
    for source, mark in list(audit.complete.items()):  # complete only with its vectors
        if not units.has(source, mark.sha256, mark.units):
            del audit.complete[source]
            audit.incomplete[source] = "sentence vectors missing"
    stored: dict[str, set[str]] = {}
    final: dict[str, list[ChunkRecord]] = {}  # what the target holds, kept up to date
    for r in existing:
        stored.setdefault(r.source, set()).add(r.id)
        final.setdefault(r.source, []).append(r)
    del existing
    known = {source: mark.sha256 for source, mark in audit.complete.items()}

    # Pass 1: hash every file (one at a time); an unchanged one is done with here.
    found = list(_scan(root, texts, known, max_file_mb, bars, stats.skipped, hit))
    if not found:
        stats.skipped.sort(key=lambda s: s.source)
        raise corpus_mod.no_documents(root, stats.skipped)  # before anything is touched
    manifest = corpus_mod.read_manifest(root)

    started = False

    def begin() -> None:
        """Before the first write: the target says that an ingest is under way."""
        nonlocal started
        if not started:
            started = True
            if before_write is not None:
                before_write()
            target.set_info(replace(want, built_at=time.time(), complete=False))

    for g in store.orphans():
        if g != target.generation:
            store.drop_generation(g)
            what = "an unfinished rebuild" if g > store.generation else "the replaced index"
            say(f"note: dropped generation {g} of the index ({what})")
    if rebuild:
        stats.rebuilt = True
        if settings_changed:
            say("index settings changed (model, chunk size or pipeline): rebuilding")
    unchanged = [f for f in found if f.format is not None]
    todo = [f for f in found if f.format is None]
    stats.unchanged = len(unchanged)
    formats = Counter(f.format for f in unchanged if f.format)
    stats.files = {f.source: f.state for f in unchanged}
    keep = {f.sha256 for f in unchanged}
    emb: Embedder | None = None

    def model() -> Embedder:
        nonlocal emb
        emb = emb or embedder()
        return emb

    def add_words(docs: Iterator[str]) -> None:
        """Word vectors for words not seen before, saved before the chunks that hold them:
        a document marked complete has its words."""
        if lexicon is None:
            return
        new_words = lexicon.missing(docs)
        if new_words:
            say(f"embedding {len(new_words)} new words")
            lexicon.add(new_words, model().embed_documents(new_words, batch_size=256))
            stats.words_embedded += len(new_words)

    if lexicon is not None and not len(lexicon) and unchanged:  # e.g. its file was deleted
        add_words(texts.text(f.sha256) or "" for f in unchanged)

    chunk_bar = _Tally(bars, say, "chunk")
    unit_bar = _Tally(bars, say, "sentence")

    def write(group: list[_Planned]) -> None:
        """One group of whole documents: mark gone, sentence vectors, chunks, superseded
        chunks, mark."""
        begin()
        add_words(p.doc.text for p in group)
        todo_now = [p for p in group if not p.mark_only]
        if todo_now:
            records = [r for p in todo_now for r in p.records]
            spans = [(p.doc, u) for p in todo_now for c in p.chunks for u in c.units]
            vectors = chunk_bar.embed(
                model(), [embedding_text(p.doc.title, c) for p in todo_now for c in p.chunks]
            )
            memory.release()
            unit_vectors = unit_bar.embed(model(), [d.text[s:e] for d, (s, e) in spans])
            memory.release()  # activations freed by the model: back to the OS before the next
            hit("embed")
            target.unmark([p.doc.source for p in todo_now])
            at = 0
            for p in todo_now:  # rows in the order of the document's chunks, then their units
                n = sum(len(c.units) for c in p.chunks)
                units.put(p.doc.source, p.doc.sha256, unit_vectors[at : at + n])
                at += n
                hit("units")
            target.add(records, vectors, after_batch=lambda: hit("chunks"))
            ids = {r.id for r in records}
            stale = [
                i for p in todo_now for i in sorted(stored.get(p.doc.source, ())) if i not in ids
            ]
            if stale:
                target.delete(stale)
                hit("stale")
            for p in todo_now:
                final[p.doc.source] = list(p.records)
            stats.chunks_added += len(records)
            stats.chunks_removed += len(stale)
            stats.embedded += len(records)
            stats.units_embedded += len(spans)
        target.mark([DocMark.of(p.doc.source, p.doc.sha256, p.records) for p in group])
        hit("mark")

    # Pass 2: each new or changed file is read, cleaned, chunked and written a group of about
    # ``target.batch`` chunks at a time: memory holds one group, not the corpus.
    counter: TokenCounter | None = None
    group: list[_Planned] = []
    in_group = n_chunks = 0
    bar = bars("indexing", len(todo), "file")
    try:
        for f in todo:
            bar.update(1)
            got = _read(f, root, manifest, stats.skipped)
            if got is None:
                continue
            doc, read, state, data = got
            formats[read.format] += 1
            stats.files[doc.source] = state
            keep.add(doc.sha256)
            cleaned = clean(doc.text, read.wrapped)
            if (
                known.get(doc.source) == doc.sha256
                and read.format in ("text", "markdown")
                and _utf8(data) == read.text
            ):  # indexed before texts were stored, from this very text: store it, embed nothing
                texts.put(doc.sha256, read, cleaned.kept_share, cleaned.web_capture)
                stats.unchanged += 1
                continue
            del data
            if doc.source in audit.incomplete:
                stats.completed.append(doc.source)
            else:
                (stats.changed if doc.source in stored else stats.new).append(doc.source)
            if not target.present():  # a first build says so at once: a kill from here on
                begin()  # leaves a record of what it was building, never an index that looks empty
            counter = counter or TokenCounter(model_files.tokenizer_file)
            stats.kept.append(Kept(doc.source, cleaned.kept_share, cleaned.web_capture))
            texts.put(doc.sha256, read, cleaned.kept_share, cleaned.web_capture)
            chunks = list(
                chunk_document(doc.source, doc.text, counter, budget, model_files.window, cleaned)
            )
            records = [
                ChunkRecord(
                    chunk_id(doc, c, model_files.key),
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
                and units.has(doc.source, doc.sha256, sum(len(r.units) for r in records))
                and stored.get(doc.source, set()) == {r.id for r in records}
            )
            if group and in_group + len(records) > target.batch:
                write(group)
                group, in_group = [], 0
            group.append(_Planned(doc, chunks, records, mark_only))
            in_group += len(records)
            n_chunks += len(records)
            bar.set_postfix_str(f"{n_chunks} chunks")
            hit("chunk")
        if group:
            write(group)
    finally:
        bar.close()
        chunk_bar.close()
        unit_bar.close()
    stats.skipped.sort(key=lambda s: s.source)
    stats.documents = len(stats.files)
    stats.formats = by_count(formats)
    if not stats.files:
        raise corpus_mod.no_documents(root, stats.skipped)  # nothing was written
    indexed = stored.keys() | audit.complete.keys() | audit.incomplete.keys()
    stats.removed = sorted(s for s in indexed if s not in stats.files)

    if stats.removed:  # mark first, then the chunks
        begin()
        target.unmark(stats.removed)
        hit("unmark")
        old_ids = [i for s in stats.removed for i in sorted(stored.get(s, ()))]
        target.delete(old_ids, after_batch=lambda: hit("remove"))
        stats.chunks_removed += len(old_ids)
        for s in stats.removed:
            final.pop(s, None)

    if target is not store:  # the rebuilt generation serves from here on
        target.set_info(replace(want, built_at=time.time()))
        hit("promote")
        old = store.point_to(target)
        hit("switch")
        store.drop_generation(old)
    elif started or have is None or not have.complete or have.corpus_dir != want.corpus_dir:
        store.set_info(replace(want, built_at=time.time()))
    texts.keep(keep)
    units.keep({(source, f.sha256) for source, f in stats.files.items()})
    stats.chunks_total = store.count()
    stats.records = [r for s in sorted(final) for r in sorted(final[s], key=lambda r: r.ordinal)]
    stats.seconds = time.perf_counter() - t0
    return stats


class _Tally:
    """One progress bar over every group's embedding of one kind (chunks or sentences); the
    total is not known ahead (documents are read as they are written)."""

    def __init__(self, bars: Meter, say: Progress, unit: str):
        self.bars: Meter = bars
        self.bar: Bar | None = None
        self.quiet = bars is not _no_meter
        self.say, self.unit, self.done = say, unit, 0

    def embed(self, emb: Embedder, items: list[str]) -> np.ndarray:
        if self.bar is None:
            self.bar = self.bars("embedding", None, self.unit)
        bar, base, seen = self.bar, self.done, 0

        def tick(now: int, _total: int) -> None:
            nonlocal seen
            bar.update(now - seen)
            seen = now
            self.done = base + now
            if not self.quiet:
                self.say(f"embedded {self.done} {self.unit}s")

        return emb.embed_documents(items, progress=tick)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
