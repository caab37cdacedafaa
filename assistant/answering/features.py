"""Evidence features: how well one candidate quote answers a question.

A *candidate* is one quotable unit of a retrieved passage (a sentence, list item, heading or table
row, as stored at ingest) or two adjacent ones. Its features, all in [0, 1] or [-1, 1]:

``sim``        cosine similarity of question and candidate (the embedding model's judgement)
``sim_gap``    ``sim`` minus the best ``sim`` among this question's candidates
``cov``        idf-weighted share of the question's content terms that the candidate contains
``cov_ctx``    the same, counting the candidate's heading path and document title too
``names``      share of the question's names found in the candidate, its heading path or title
``name_gap``   some name of the question is in none of them
``num_gap``    some number or version the question gives ("2.39", "R1") is in none of them
``cov_pred``   idf-weighted share of the question's other content terms (not names) in the candidate
``typed``      the question asks for a date, number, version or person and the candidate has one
``untyped``    it asks for one and the candidate has none
``near``       how close that typed value sits to the question's terms (1 = adjacent)
``rank``       1 / the passage's retrieval rank
``pair``       the candidate is two units
``short``      the candidate has fewer than five words

It computes; it does not decide (see :mod:`.scorer`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import terms
from ..retrieval import Passage
from ..sentences import split_spans
from .base import AnswerContext, Span
from .question import Question

NAMES = (
    "sim",
    "sim_gap",
    "cov",
    "cov_ctx",
    "names",
    "name_gap",
    "num_gap",
    "cov_pred",
    "typed",
    "untyped",
    "near",
    "rank",
    "pair",
    "short",
)


@dataclass(frozen=True)
class Unit:
    source: str
    start: int  # absolute offsets in the document
    end: int
    text: str
    passage: Passage


@dataclass(frozen=True)
class Candidate:
    units: tuple[Unit, ...]  # one, or two adjacent units of the same passage

    @property
    def source(self) -> str:
        return self.units[0].source

    @property
    def passage(self) -> Passage:
        return self.units[0].passage

    @property
    def text(self) -> str:
        return " ".join(u.text for u in self.units)

    @property
    def words(self) -> int:
        return len(self.text.split())


def units_of(p: Passage) -> list[Unit]:
    """The passage's stored units, or its sentences when it has none stored."""
    spans = [(s - p.start, e - p.start) for s, e in p.units] or split_spans(p.text)
    return [Unit(p.source, p.start + s, p.start + e, p.text[s:e], p) for s, e in spans]


def candidates(passages: list[Passage]) -> list[Candidate]:
    out = []
    for p in passages:
        units = units_of(p)
        for i, u in enumerate(units):
            out.append(Candidate((u,)))
            if i + 1 < len(units):
                out.append(Candidate((u, units[i + 1])))
    return out


def _stems(text: str) -> frozenset[str]:
    return frozenset(terms.stems(text)) | terms.acronyms(text)


def _near(q: Question, text: str) -> float:
    """1.0 when the asked-for value sits next to the question's terms, 0 by 200 characters."""
    found = q.type_spans(text)
    if not found:
        return 0.0
    anchors = [t.start for t in terms.tokens(text) if t.stem in q.content]
    if not anchors:
        return 0.0
    gap = min(abs(a - s) if a < s else max(0, a - e) for s, e in found for a in anchors)
    return max(0.0, 1.0 - gap / 200)


def features(
    question: str, cands: list[Candidate], ctx: AnswerContext
) -> tuple[Question, np.ndarray]:
    """The feature matrix (one row per candidate, columns in :data:`NAMES` order)."""
    q = Question.parse(question)
    x = np.zeros((len(cands), len(NAMES)), dtype=np.float64)
    if not cands:
        return q, x
    spans: list[Span] = list(
        dict.fromkeys((u.source, u.start, u.end) for c in cands for u in c.units)
    )
    vecs = ctx.span_vectors(spans)
    qv = ctx.embed([question])[0]
    weight = {t: ctx.vocabulary.idf(t) for t in q.content}
    total = sum(weight.values()) or 1.0
    named = {s for n in q.names for s in n}
    pred = {t: w for t, w in weight.items() if t not in named}
    pred_total = sum(pred.values())
    numbers = [w for w in q.name_words if any(ch.isdigit() for ch in w)]
    context: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}
    for row, c in enumerate(cands):
        v = np.sum([vecs[(u.source, u.start, u.end)] for u in c.units], axis=0)
        sim = float(v @ qv / (np.linalg.norm(v) or 1.0))
        own = _stems(c.text)
        key = (c.source, c.passage.headings)
        if key not in context:
            context[key] = _stems(" ".join([ctx.titles.get(c.source, ""), *c.passage.headings]))
        around = own | context[key]
        cov = sum(w for t, w in weight.items() if t in own) / total
        cov_ctx = sum(w for t, w in weight.items() if t in around) / total
        found = [any(s in around for s in n) for n in q.names]
        names = sum(found) / len(found) if found else 1.0
        if numbers:
            where = " ".join([c.text, ctx.titles.get(c.source, ""), *c.passage.headings]).lower()
            num_gap = any(w not in where for w in numbers)
        else:
            num_gap = False
        cov_pred = sum(w for t, w in pred.items() if t in own) / pred_total if pred_total else cov
        typed = bool(q.expects) and bool(q.type_spans(c.text))
        x[row] = (
            sim,
            0.0,
            cov,
            cov_ctx,
            names,
            float(not all(found)),
            float(num_gap),
            cov_pred,
            float(typed),
            float(bool(q.expects) and not typed),
            _near(q, c.text) if typed else 0.0,
            1.0 / max(1, c.passage.rank),
            float(len(c.units) > 1),
            float(c.words < 5),
        )
    x[:, 1] = x[:, 0] - x[:, 0].max()
    return q, x
