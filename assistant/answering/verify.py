"""Verification of generated sentences with the same evidence scorer that picks quotes.

A generated sentence is *supported* by a candidate span of the passages (a unit or two adjacent
units, :mod:`.features`) when the evidence scorer's ranker, reading the sentence as the claim to
find, gives that span at least the fitted ``support_threshold``, and every number in the
sentence occurs in it. A sentence must also *add* to the question: one whose every content word
is already in the question ("The BSD licence gives an implied warranty of merchantability." for
"Does the BSD licence give any implied warranty of merchantability?") restates it, answers
nothing, and is dropped however well it matches the passage that the question matched.
The cited passage is tried first; a sentence supported only by another passage is *repaired*
(re-attached there), one supported by none is *dropped*. Deterministic; no rules of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import terms
from ..retrieval import Passage
from ..sentences import split_spans
from .base import AnswerContext
from .extractive import Quote, quote_of
from .features import candidates, features
from .scorer import EvidenceScorer

_MARK = re.compile(r"\s*\[(\d+)\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Verified:
    text: str  # the generated sentence, markers removed
    span: Quote
    repaired: bool


def _numbers(text: str) -> set[str]:
    return {m.group().replace(",", "").rstrip(".") for m in _NUMBER.finditer(text)}


def adds_to(question: str, sentence: str) -> bool:
    """Whether ``sentence`` has a content word (stemmed) that ``question`` lacks; the
    question's stop words count too, so "gives" adds nothing to "Does it give …?"."""
    asked = {terms.stem(w.lower()) for w in terms.surfaces(question)}
    return any(s not in asked for s in terms.stems(sentence))


def best_span(
    sentence: str, passages: list[Passage], ctx: AnswerContext, scorer: EvidenceScorer
) -> Quote | None:
    """The best-supported span of ``passages`` for ``sentence``: the ranker's best candidate
    whose numbers include the sentence's, if its probability reaches ``support_threshold``."""
    cands = candidates(passages)
    if not cands:
        return None
    _q, x = features(sentence, cands, ctx)
    scores, probs = scorer.scores(x), scorer.probabilities(x)
    nums = _numbers(sentence)
    ok = [i for i, c in enumerate(cands) if c.adjacent and nums <= _numbers(c.text)]
    if not ok:
        return None
    i = max(ok, key=lambda j: scores[j])
    if probs[i] < scorer.params.support_threshold:
        return None
    return quote_of(cands[i], float(probs[i]))


def verify(
    question: str,
    answer: str,
    passages: list[Passage],
    ctx: AnswerContext,
    scorer: EvidenceScorer,
) -> tuple[list[Verified], int, int]:
    """Supported sentences of ``answer`` (in order) that add to ``question``, and the counts
    dropped and repaired."""
    kept: list[Verified] = []
    dropped = repaired = 0
    for s, e in split_spans(answer):
        raw = answer[s:e]
        cited = [int(n) for n in _MARK.findall(raw)]
        text = _MARK.sub("", raw).strip()
        if not terms.stems(text):
            continue  # a bare marker or punctuation, not a claim
        if not adds_to(question, text):
            dropped += 1
            continue
        own = [passages[n - 1] for n in cited if 1 <= n <= len(passages)]
        span = best_span(text, own, ctx, scorer) if own else None
        fixed = False
        if span is None:
            span = best_span(text, passages, ctx, scorer)
            fixed = span is not None
        if span is None:
            dropped += 1
            continue
        repaired += fixed
        kept.append(Verified(text, span, fixed))
    return kept, dropped, repaired
