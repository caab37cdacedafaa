"""Hybrid retrieval: dense (Chroma) and BM25 (bm25s) rankings fused by reciprocal rank.

The top two hits of each ranker always survive fusion.

Built at ingest from the chunk records and the corpus text and saved beside the index, loaded
at open without reading any text (:mod:`assistant.snapshot`); a query costs one
embedding, one Chroma query and one BM25 scoring. Chunks that point into a file whose content
changed are never returned (their offsets would be wrong). It does not pick sentences or decide
whether to answer (see :mod:`assistant.answerer`).
"""

from __future__ import annotations

import json
import logging
from array import array
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import terms
from .embedding import Embedder
from .records import ChunkTable
from .store import ChunkRecord, ChunkStore

if TYPE_CHECKING:
    import bm25s

RRF_K = 60
GUARANTEED = 2  # top hits of each ranker that fusion may not drop


def _bm25() -> type[bm25s.BM25]:
    """bm25s's index class, imported when first needed: with SciPy the import takes 0.25 s,
    which a cold ``ask`` spends while Chroma loads its vector index in another thread rather than
    before that load can start."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG on import
    index: type[bm25s.BM25] = bm25s.BM25
    return index


@dataclass(frozen=True)
class Passage:
    source: str
    start: int
    end: int
    text: str
    score: float  # fused reciprocal-rank score
    rank: int  # 1-based, after fusion
    dense: float | None  # cosine similarity, when the dense side found it
    bm25: float | None
    id: str = ""  # the chunk id ("" for a span that is not a stored chunk)
    headings: tuple[str, ...] = ()  # heading path above the passage
    units: tuple[tuple[int, int], ...] = ()  # its sentences, absolute spans in the document


class LexicalIndex:
    """BM25 (bm25s) over one index's chunks, with the stems' chunk frequencies; :meth:`build`
    it from the chunks' text (at ingest), :meth:`save` it beside the index, :meth:`load` it at
    open (no text is read). It needs no embedding model."""

    def __init__(self, records: ChunkTable, bm25: bm25s.BM25, vocabulary: terms.Vocabulary):
        self.records = records
        self._bm25 = bm25
        self.vocabulary = vocabulary

    @classmethod
    def build(
        cls,
        records: list[ChunkRecord],
        texts: Mapping[str, str],
        titles: Mapping[str, str] | None = None,
    ) -> LexicalIndex:
        """Index ``records`` (those whose source has a text): each chunk's stems, with its
        document's title and heading path, which BM25 also sees."""
        records = [r for r in records if r.source in texts]
        titles = titles or {}
        # Each chunk's stems become ids at once, 4 bytes each: 150k chunks' stems as strings
        # took 1 GB.
        vocab: dict[str, int] = {}
        ids: list[array[int]] = []
        vocabulary = terms.Vocabulary(())
        for r in records:
            stems = terms.stems(" ".join([titles.get(r.source, ""), *r.headings])) + terms.stems(
                texts[r.source][r.start : r.end]
            )
            vocabulary.add(stems)
            # bm25s wants at least one token per document
            ids.append(array("i", [vocab.setdefault(s, len(vocab)) for s in stems or ["\x00"]]))
        bm25 = _bm25()()
        if records:
            bm25.index((ids, vocab), show_progress=False)
        return cls(ChunkTable(records), bm25, vocabulary)

    def save(self, folder: Path) -> None:
        """Write the BM25 index and the vocabulary into ``folder`` (the records are the
        caller's to keep, in this order)."""
        folder.mkdir(parents=True, exist_ok=True)
        if self.records:
            self._bm25.save(str(folder / "bm25"), show_progress=False)
        vocab = {"n": self.vocabulary.n, "df": dict(self.vocabulary.df)}
        (folder / "vocabulary.json").write_text(json.dumps(vocab), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, records: ChunkTable) -> LexicalIndex:
        """What :meth:`save` wrote, for ``records`` in the order it had them."""
        raw = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
        vocabulary = terms.Vocabulary(())
        vocabulary.n, vocabulary.df = int(raw["n"]), Counter(raw["df"])
        bm25 = _bm25()()
        if records:
            bm25 = _bm25().load(str(folder / "bm25"), mmap=True, show_progress=False)
        return cls(records, bm25, vocabulary)

    def top(self, question: str, k: int) -> list[tuple[int, float]]:
        """The ``k`` best-scoring chunks (positions in :attr:`records`) with their scores."""
        q = [s for s in terms.stems(question) if s in self.vocabulary]
        if not q or not self.records or k <= 0:
            return []
        scores = self._bm25.get_scores(q)
        # The top k among the chunks that score at all: most score 0, and selecting among many
        # equal values is slow (np.argpartition over 150k scores, nearly all 0: 9 ms; bm25s's
        # own top-k does that).
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
        best = sorted(hits.tolist(), key=lambda i: (-scores[i], i))
        return [(i, float(scores[i])) for i in best]


class HybridRetriever:
    """Dense (Chroma) and lexical (:class:`LexicalIndex`) retrieval over one index's chunks,
    fused; the passages' text comes from ``texts``."""

    def __init__(
        self,
        lexical: LexicalIndex,
        texts: Mapping[str, str],
        store: ChunkStore,
        embedder: Embedder,
    ):
        self.lexical = lexical
        self.records = lexical.records
        self.vocabulary = lexical.vocabulary
        self._texts = texts
        self._store = store
        self.embedder = embedder

    @classmethod
    def build(
        cls,
        records: list[ChunkRecord],
        texts: Mapping[str, str],
        store: ChunkStore,
        embedder: Embedder,
        titles: Mapping[str, str] | None = None,
    ) -> HybridRetriever:
        """Over ``records`` (those whose source has a text), lexical index built now."""
        return cls(LexicalIndex.build(records, texts, titles), texts, store, embedder)

    @classmethod
    def load(
        cls,
        folder: Path,
        records: ChunkTable,
        texts: Mapping[str, str],
        store: ChunkStore,
        embedder: Embedder,
    ) -> HybridRetriever:
        """Over the lexical index saved in ``folder`` (:meth:`LexicalIndex.save`)."""
        return cls(LexicalIndex.load(folder, records), texts, store, embedder)

    def __len__(self) -> int:
        return len(self.records)

    def _passage(
        self, i: int, score: float, rank: int, dense: float | None, bm: float | None
    ) -> Passage:
        r = self.records[i]
        return Passage(
            r.source,
            r.start,
            r.end,
            self._texts[r.source][r.start : r.end],
            score,
            rank,
            dense,
            bm,
            r.id,
            r.headings,
            r.units,
        )

    def bm25(self, question: str, k: int) -> list[tuple[int, float]]:
        return self.lexical.top(question, k)

    def dense(self, question: str, k: int) -> list[tuple[int, float]]:
        vec = np.asarray(self.embedder.embed_query(question), dtype=np.float32)
        out = []
        for cid, sim in self._store.query(vec, k):
            i = self.records.find(cid)
            if i is not None:  # ids of stale or unknown files are ignored
                out.append((i, sim))
        return out

    def retrieve(self, question: str, k: int, depth: int = 20) -> list[Passage]:
        dense = self.dense(question, depth)
        lexical = self.bm25(question, depth)
        fused: dict[int, float] = {}
        for ranking in (dense, lexical):
            for rank, (i, _s) in enumerate(ranking, start=1):
                fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + rank)
        d_score = dict(dense)
        b_score = dict(lexical)
        ranked = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
        # Each ranker's top hits are never dropped by fusion: a passage that BM25 alone finds
        # (a rare name the embedding misses) keeps its place, at the cost of the weakest fused one.
        tops = list(dict.fromkeys(i for r in (dense, lexical) for i, _ in r[:GUARANTEED]))
        rest = [i for i, _ in ranked if i not in tops]
        keep = set(tops[:k]) | set(rest[: max(0, k - len(tops))])
        best = [(i, score) for i, score in ranked if i in keep]
        return [
            self._passage(i, s, rank, d_score.get(i), b_score.get(i))
            for rank, (i, s) in enumerate(best, start=1)
        ]
