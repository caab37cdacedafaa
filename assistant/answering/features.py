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
``soft_min``   the weakest such term: the lowest of those per-term scores, counting the heading
               path and title too (a near-miss question usually has one term nothing matches)
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
    "soft_min",
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
    # one unit, adjacent units of one passage, or the passage's heading and a unit under it
    units: tuple[Unit, ...]
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


_ATX_MARKS = re.compile(r"^\s{0,3}#{1,6}\s+|\s+#+\s*$")


def is_heading(p: Passage, u: Unit) -> bool:
    """Whether ``u`` is the passage's own heading (its title, with any Markdown ``#`` marks)."""
    return bool(p.headings) and " ".join(_ATX_MARKS.sub("", u.text).split()) == p.headings[-1]


def candidates(passages: list[Passage]) -> list[Candidate]:
    """Each unit; each pair of adjacent units; and, where a passage starts with its section's
    heading ("apt (2.5.2) unstable", "## [1.2.3] - 2026-08-16"), that heading with each unit
    under it (the version or date a changelog entry gives sits in its heading)."""
    out = []
    for p in passages:
        units = units_of(p)
        heading = units[0] if units and is_heading(p, units[0]) else None
        for i, u in enumerate(units):
            out.append(Candidate((u,)))
            if i + 1 < len(units):
                out.append(Candidate((u, units[i + 1])))
            if heading is not None and i >= 2:
                out.append(Candidate((heading, u), adjacent=False))
    return out


_PARTS = re.compile(r"[^\W\d_]+|\d+")


_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+")


@lru_cache(maxsize=32768)  # unit texts recur across questions
def _stems(text: str) -> frozenset[str]:
    """Stems, acronyms of capitalised runs, the letter and digit parts of mixed tokens
    ("GPLv3" -> "gpl", "3"; "2.0" -> "2", "0") and the parts of camel-case words ("HarmonyOS"
    -> "harmony", "os"; "OpenSSH" -> "open", "ssh"), so a name written one way finds another."""
    out = set(terms.acronyms(text))
    for word in terms.surfaces(text):
        out.update(_word_stems(word))
    return frozenset(out)


@lru_cache(maxsize=65536)  # words recur across texts
def _word_stems(word: str) -> tuple[str, ...]:
    """What :func:`_stems` takes from one word: none for a stop word, else its stem and the
    parts of a mixed or camel-case word."""
    low = word.lower()
    if low in terms.STOPWORDS:
        return ()
    if _has_digit(word):
        return (terms.stem(low), *_parts(word))
    if _inner_upper(word):
        return (terms.stem(low), *(terms.stem(p.lower()) for p in _CAMEL.findall(word)))
    return (terms.stem(low),)


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
    return term in where or (_has_digit(term) and all(p in where for p in _parts(term)))


@lru_cache(maxsize=32768)  # words recur across texts
def _has_digit(term: str) -> bool:
    return any(c.isdigit() for c in term)


def _inner_upper(word: str) -> bool:
    return any(c.isupper() for c in word[1:])


def _soft_coverage(
    q: Question, pred: dict[str, float], cands: list[Candidate], ctx: AnswerContext
) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate: idf-weighted mean over the question's predicate words of 1 (same stem)
    or the best word-vector cosine with the candidate's words (0 when negative); and the lowest
    of those per-word scores, with the candidate's heading path and title counted as its words."""
    qwords = {w: terms.stem(w) for w in lexicon.words(q.text) if terms.stem(w) in pred}
    if not qwords:
        return np.ones(len(cands)), np.ones(len(cands))
    # per-word scores of each distinct text (a unit, or a heading path with its title), once
    texts = {u.text: None for c in cands for u in c.units}
    contexts = [_context_text(c, ctx) for c in cands]
    texts.update(dict.fromkeys(contexts))
    vocab = list(dict.fromkeys(w for t in texts for w in _words(t)))
    if not vocab:
        return np.zeros(len(cands)), np.zeros(len(cands))
    qv = ctx.word_vectors(list(qwords))
    sims = np.clip(qv @ ctx.word_vectors(vocab).T, 0.0, 1.0)  # question word x corpus word
    stems = list(qwords.values())
    # 1 where the corpus word has the question word's stem
    same = np.array([terms.stem(w) for w in vocab])[None, :] == np.array(stems)[:, None]
    scores = np.maximum(sims, same)
    row = {t: i for i, t in enumerate(texts)}
    best = _best(scores, {w: i for i, w in enumerate(vocab)}, list(texts))  # text x word
    weights = np.array([pred[s] for s in stems])
    weights = weights / weights.sum()
    own = _combined(best, [[row[u.text] for u in c.units] for c in cands], np.maximum)
    low = np.maximum(own, best[[row[t] for t in contexts]]).min(axis=1)
    return own @ weights, low


def _context_text(c: Candidate, ctx: AnswerContext) -> str:
    return " ".join([ctx.titles.get(c.source, ""), *c.passage.headings])


def _best(scores: np.ndarray, where: dict[str, int], texts: list[str]) -> np.ndarray:
    """Per text and question word: the word's best score over the text's words (0 for a text
    without words)."""
    cols = [[where[w] for w in _words(t)] for t in texts]
    out = np.zeros((len(texts), scores.shape[0]))
    filled = [i for i, c in enumerate(cols) if c]
    if filled:
        flat = np.concatenate([cols[i] for i in filled])
        starts = np.cumsum([0] + [len(cols[i]) for i in filled[:-1]])
        out[filled] = np.maximum.reduceat(scores[:, flat], starts, axis=1).T
    return out


def _combined(rows: np.ndarray, groups: list[list[int]], op: np.ufunc) -> np.ndarray:
    """Per group of row numbers (a candidate's units), those rows combined element-wise by
    ``op`` (``np.logical_or``, ``np.maximum``)."""
    out = rows[[g[0] for g in groups]]
    for k in range(1, max(len(g) for g in groups)):
        has = np.array([k < len(g) for g in groups])
        out[has] = op(out[has], rows[[g[k] for g in groups if k < len(g)]])
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
    # sim: the cosine of the question and the sum of the candidate's unit vectors
    first = np.stack([vecs[(c.units[0].source, c.units[0].start, c.units[0].end)] for c in cands])
    summed = first.astype(np.float64)
    for row, c in enumerate(cands):
        for u in c.units[1:]:
            summed[row] += vecs[(u.source, u.start, u.end)]
    norms = np.linalg.norm(summed, axis=1)
    sims = summed @ qv / np.where(norms > 0, norms, 1.0)

    weight = {t: ctx.vocabulary.idf(t) for t in q.content}
    named = {s for n in q.names for s in n}
    numbers = [w for w in q.name_words if _has_digit(w)]
    # which of the question's terms (content, name parts, numbers) each text holds, once per text
    asked = list(dict.fromkeys([*weight, *named, *numbers]))
    col = {t: i for i, t in enumerate(asked)}
    w_all = np.array([weight.get(t, 0.0) for t in asked])
    w_pred = np.array([weight.get(t, 0.0) if t not in named else 0.0 for t in asked])
    # which of those terms each distinct text holds (a unit; a heading path with its title)
    contexts = [_context_text(c, ctx) for c in cands]
    texts = list(dict.fromkeys([*(u.text for c in cands for u in c.units), *contexts]))
    at = {t: i for i, t in enumerate(texts)}
    held = np.array([[_found(t, where) for t in asked] for where in map(_stems, texts)], bool)
    held = held.reshape(len(texts), len(asked))  # (n, 0) when the question has no terms
    own = _combined(held, [[at[u.text] for u in c.units] for c in cands], np.logical_or)
    around = own | held[[at[t] for t in contexts]]

    total = w_all.sum() or 1.0
    x[:, 0] = sims
    x[:, 2] = own @ w_all / total
    x[:, 3] = around @ w_all / total
    if q.names:
        found = np.stack([around[:, [col[s] for s in n]].any(axis=1) for n in q.names], axis=1)
        x[:, 4] = found.sum(axis=1) / len(q.names)
        x[:, 5] = ~found.all(axis=1)
    else:
        x[:, 4] = 1.0
    x[:, 6] = ~around[:, [col[w] for w in numbers]].all(axis=1)
    x[:, 7] = own @ w_pred / w_pred.sum() if w_pred.sum() else own @ w_all / total
    x[:, 8], x[:, 9] = _soft_coverage(
        q, {t: weight[t] for t in weight if t not in named}, cands, ctx
    )
    for i, c in enumerate(cands):
        typed = bool(q.expects) and bool(q.type_spans(c.text))
        x[i, 10:] = (
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
