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
``soft``       the same with meaning: each such term scores 1 when present, else the best cosine
               between its word vector and a word of the candidate (:mod:`assistant.lexicon`)
``typed``      the question asks for a date, number, version or person and the candidate has one
``untyped``    it asks for one and the candidate has none
``near``       how close that typed value sits to the question's terms (1 = adjacent)
``rank``       1 / the passage's retrieval rank
``dense``      cosine of question and the whole passage (with its title and headings), 0 if unknown
``pair``       the candidate is two units
``short``      the candidate has fewer than five words

It computes; it does not decide (see :mod:`.scorer`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .. import lexicon, terms
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
    "soft",
    "typed",
    "untyped",
    "near",
    "rank",
    "dense",
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
    units: tuple[Unit, ...]  # one, or two units of the same passage (adjacent, or its heading)
    adjacent: bool = True  # False: the passage's heading and a later unit under it

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


def _is_heading(p: Passage, u: Unit) -> bool:
    return bool(p.headings) and " ".join(u.text.split()) == p.headings[-1]


def candidates(passages: list[Passage]) -> list[Candidate]:
    """Each unit; each pair of adjacent units; and, where a passage starts with its section's
    heading ("apt (2.5.2) unstable", "## [1.2.3] - 2026-08-16"), that heading with each unit
    under it (the version or date a changelog entry gives sits in its heading)."""
    out = []
    for p in passages:
        units = units_of(p)
        heading = units[0] if units and _is_heading(p, units[0]) else None
        for i, u in enumerate(units):
            out.append(Candidate((u,)))
            if i + 1 < len(units):
                out.append(Candidate((u, units[i + 1])))
            if heading is not None and i >= 2:
                out.append(Candidate((heading, u), adjacent=False))
    return out


_PARTS = re.compile(r"[^\W\d_]+|\d+")


@lru_cache(maxsize=32768)  # unit texts recur across questions
def _stems(text: str) -> frozenset[str]:
    """Stems, acronyms of capitalised runs, and the letter and digit parts of mixed tokens
    ("GPLv3" -> "gpl", "3"; "2.0" -> "2", "0"), so a name written one way finds another."""
    toks = terms.tokens(text)
    out = {t.stem for t in toks} | terms.acronyms(text)
    for t in toks:
        if any(c.isdigit() for c in t.surface):
            out.update(_parts(t.surface))
    return frozenset(out)


def _parts(word: str) -> list[str]:
    """ "GPLv3" -> ["gpl", "3"]; "2.39" -> ["2", "39"]; a lone "v" before digits is dropped."""
    parts = [p.lower() for p in _PARTS.findall(word)]
    out = []
    for i, p in enumerate(parts):
        if i + 1 < len(parts) and p.endswith("v") and parts[i + 1].isdigit():
            p = p[:-1]  # "v3", "GPLv3": the v is "version"
        if p:
            out.append(p)
    return out or [word]


def _found(term: str, where: frozenset[str]) -> bool:
    return term in where or (
        any(c.isdigit() for c in term) and all(p in where for p in _parts(term))
    )


def _soft_coverage(
    q: Question, pred: dict[str, float], cands: list[Candidate], ctx: AnswerContext
) -> list[float]:
    """Per candidate: idf-weighted mean over the question's predicate words of 1 (same stem)
    or the best word-vector cosine with the candidate's words (0 when negative)."""
    qwords = {w: terms.stem(w) for w in lexicon.words(q.text) if terms.stem(w) in pred}
    if not qwords:
        return [1.0] * len(cands)
    cand_words = [[w for u in c.units for w in _words(u.text)] for c in cands]
    vocab = list(dict.fromkeys(w for ws in cand_words for w in ws))
    if not vocab:
        return [0.0] * len(cands)
    qv = ctx.word_vectors(list(qwords))
    sims = np.clip(qv @ ctx.word_vectors(vocab).T, 0.0, 1.0)  # question word x corpus word
    where = {w: i for i, w in enumerate(vocab)}
    weights = np.array([pred[s] for s in qwords.values()])
    stems = list(qwords.values())
    out = []
    for ws in cand_words:
        if not ws:
            out.append(0.0)
            continue
        idx = [where[w] for w in ws]
        best = sims[:, idx].max(axis=1)
        own = {terms.stem(w) for w in ws}
        best = np.where([s in own for s in stems], 1.0, best)
        out.append(float(best @ weights / weights.sum()))
    return out


@lru_cache(maxsize=32768)
def _words(text: str) -> tuple[str, ...]:
    return tuple(lexicon.words(text))


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
    soft = _soft_coverage(q, pred, cands, ctx)
    for row, c in enumerate(cands):
        v = np.sum([vecs[(u.source, u.start, u.end)] for u in c.units], axis=0)
        sim = float(v @ qv / (np.linalg.norm(v) or 1.0))
        own = frozenset().union(*(_stems(u.text) for u in c.units))
        key = (c.source, c.passage.headings)
        if key not in context:
            context[key] = _stems(" ".join([ctx.titles.get(c.source, ""), *c.passage.headings]))
        around = own | context[key]
        cov = sum(w for t, w in weight.items() if _found(t, own)) / total
        cov_ctx = sum(w for t, w in weight.items() if _found(t, around)) / total
        found = [any(_found(s, around) for s in n) for n in q.names]
        names = sum(found) / len(found) if found else 1.0
        num_gap = any(not _found(w, around) for w in numbers)
        cov_pred = (
            sum(w for t, w in pred.items() if _found(t, own)) / pred_total if pred_total else cov
        )
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
            soft[row],
            float(typed),
            float(bool(q.expects) and not typed),
            _near(q, c.text) if typed else 0.0,
            1.0 / max(1, c.passage.rank),
            c.passage.dense or 0.0,
            float(len(c.units) > 1),
            float(c.words < 5),
        )
    x[:, 1] = x[:, 0] - x[:, 0].max()
    return q, x
