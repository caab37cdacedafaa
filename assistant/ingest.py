"""Ingest: bring the store in line with the corpus folder, incrementally by content hash.

An unchanged file (same sha256) costs nothing: no model is loaded when nothing changed. An
edited file's chunks are replaced, a deleted or now unreadable file's chunks removed. New chunks
are written before old ones are deleted, so an interrupted ingest leaves a usable index that the
next run repairs; an error before writing (empty folder, bad model) leaves the index as it was.
A change of model, chunk budget or pipeline version rebuilds everything. It does not answer
questions (see :mod:`assistant.engine`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import corpus as corpus_mod
from .chunking import Chunk, TokenCounter, chunk_document
from .cleaning import clean
from .corpus import Document, Skipped
from .embedding import Embedder, ModelFiles
from .lexicon import Lexicon
from .store import ChunkRecord, ChunkStore, IndexInfo

# Bump when cleaning, sentence splitting or chunking changes what a chunk is.
PIPELINE = "struct1.clean3.sent3.chunk2.units1"

Progress = Callable[[str], None]


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
    rebuilt: bool = False
    seconds: float = 0.0


def chunk_id(doc: Document, chunk: Chunk, model_key: str) -> str:
    raw = f"{doc.source}\0{doc.sha256}\0{chunk.start}\0{chunk.end}\0{model_key}\0{PIPELINE}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def ingest(
    root: Path,
    store: ChunkStore,
    model: ModelFiles,
    chunk_tokens: int,
    embedder: Callable[[], Embedder],
    progress: Progress | None = None,
    rebuild: bool = False,
    lexicon: Lexicon | None = None,
) -> IngestStats:
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    corpus = corpus_mod.load(root)  # raises before anything is touched
    stats = IngestStats(documents=len(corpus.documents), skipped=list(corpus.skipped))
    budget = min(chunk_tokens, model.window)
    want = IndexInfo(model.key, budget, PIPELINE, str(corpus.root), 0.0)
    have = store.info()
    if have is not None and (have.model_key, have.chunk_tokens, have.pipeline) != (
        want.model_key,
        want.chunk_tokens,
        want.pipeline,
    ):
        rebuild = True
    existing = [] if rebuild else store.records()
    by_source: dict[str, set[str]] = {}
    for r in existing:
        by_source.setdefault(r.source, set()).add(r.sha256)

    todo: list[Document] = []
    for doc in corpus.documents:
        shas = by_source.get(doc.source)
        if shas == {doc.sha256}:
            stats.unchanged += 1
        else:
            (stats.changed if shas else stats.new).append(doc.source)
            todo.append(doc)
    present = {d.source for d in corpus.documents}
    stats.removed = sorted(s for s in by_source if s not in present)
    stale = {d.source: d.sha256 for d in todo}
    old_ids = [
        r.id
        for r in existing
        if r.source in stats.removed or (r.source in stale and r.sha256 != stale[r.source])
    ]

    records: list[ChunkRecord] = []
    vectors = unit_vectors = np.zeros((0, 0), dtype=np.float32)
    unit_ids: list[str] = []
    if todo:
        counter = TokenCounter(model.tokenizer_file)
        chunks: list[tuple[Document, Chunk]] = []
        for doc in todo:
            cleaned = clean(doc.text)
            stats.kept.append(Kept(doc.source, cleaned.kept_share, cleaned.web_capture))
            for ch in chunk_document(doc.source, doc.text, counter, budget, model.window, cleaned):
                chunks.append((doc, ch))
        units = [(d, c, u) for d, c in chunks for u in c.units]
        say(
            f"chunked {len(todo)} document(s) into {len(chunks)} chunks and {len(units)} "
            "sentences; loading the embedding model"
        )
        emb = embedder()

        def tick(done: int, total: int) -> None:
            say(f"embedded {done}/{total} chunks")

        vectors = emb.embed_documents(
            [embedding_text(d.title, c) for d, c in chunks], progress=tick
        )

        def tick_units(done: int, total: int) -> None:
            say(f"embedded {done}/{total} sentences")

        unit_vectors = emb.embed_documents(
            [d.text[s:e] for d, _c, (s, e) in units], progress=tick_units
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
        docs = corpus.documents if not len(lexicon) else todo
        new_words = lexicon.missing(d.text for d in docs)
        if new_words:
            say(f"embedding {len(new_words)} new words")
            lexicon.add(new_words, embedder().embed_documents(new_words, batch_size=256))
            stats.words_embedded = len(new_words)

    if rebuild:
        stats.rebuilt = True
        if have is not None:
            say("index settings changed (model, chunk size or pipeline): rebuilding")
        store.drop()
    if records:
        store.add_units(unit_ids, unit_vectors)  # units first: a chunk is never without them
        store.add(records, vectors)
    if old_ids:
        store.delete(old_ids)
    if records or old_ids or have is None or rebuild or have.corpus_dir != want.corpus_dir:
        store.set_info(IndexInfo(want.model_key, budget, PIPELINE, str(corpus.root), time.time()))
    stats.chunks_added = len(records)
    stats.chunks_removed = len(old_ids)
    stats.chunks_total = store.count()
    stats.seconds = time.perf_counter() - t0
    return stats
