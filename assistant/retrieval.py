"""Hybrid retrieval: dense (Chroma) and BM25 (bm25s) rankings fused by reciprocal rank.

The top two hits of each ranker always survive fusion.

Built once per opened index from the chunk records and the corpus text; a query costs one
embedding, one Chroma query and one BM25 scoring. Chunks that point into a file whose content
changed are never returned (their offsets would be wrong). It does not pick sentences or decide
whether to answer (see :mod:`assistant.answerer`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import bm25s
import numpy as np

from . import terms
from .embedding import Embedder
from .store import ChunkRecord, ChunkStore

RRF_K = 60
GUARANTEED = 2  # top hits of each ranker that fusion may not drop
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets DEBUG on import and logs per index


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


class HybridRetriever:
    def __init__(
        self,
        records: list[ChunkRecord],
        texts: dict[str, str],
        store: ChunkStore,
        embedder: Embedder,
        titles: dict[str, str] | None = None,
    ):
        self.records = [r for r in records if r.source in texts]
        self._by_id = {r.id: i for i, r in enumerate(self.records)}
        self._texts = texts
        self._store = store
        self._embedder = embedder
        self.chunk_stems = [terms.stems(texts[r.source][r.start : r.end]) for r in self.records]
        titles = titles or {}
        # BM25 also sees where a chunk sits: its document's title and its heading path.
        context = [
            terms.stems(" ".join([titles.get(r.source, ""), *r.headings])) for r in self.records
        ]
        self.vocabulary = terms.Vocabulary(
            c + s for c, s in zip(context, self.chunk_stems, strict=True)
        )
        self._bm25 = bm25s.BM25()
        if self.records:
            # bm25s wants at least one token per document
            docs = [c + s or ["\x00"] for c, s in zip(context, self.chunk_stems, strict=True)]
            self._bm25.index(docs, show_progress=False)

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
        q = [s for s in terms.stems(question) if s in self.vocabulary]
        if not q or not self.records:
            return []
        k = min(k, len(self.records))
        docs, scores = self._bm25.retrieve([q], k=k, show_progress=False, n_threads=1)
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def dense(self, question: str, k: int) -> list[tuple[int, float]]:
        vec = np.asarray(self._embedder.embed_query(question), dtype=np.float32)
        out = []
        for cid, sim in self._store.query(vec, k):
            i = self._by_id.get(cid)
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
