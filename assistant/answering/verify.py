"""Verification of generated sentences against the passages they cite.

A sentence is *supported* by a passage when every number and every name in it occurs in the
passage and at least ``SUPPORT_MIN`` of its content terms (stemmed, with the answerer's paraphrase table) occur in one
or two adjacent sentences of the passage; that span is its citation. It must also share a
content term with the question (an off-topic sentence, such as one obeying an instruction
planted in a document, is not an answer). A sentence whose cited passage does not support it is
re-attached to a passage that does (*repaired*), or *dropped*. Deterministic; no model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import terms
from .answerer import canon
from .retrieval import Passage
from .sentences import split_spans

SUPPORT_MIN = 0.6
_MARK = re.compile(r"\s*\[(\d+)\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Span:
    source: str
    start: int
    end: int
    text: str
    score: float


@dataclass(frozen=True)
class Verified:
    text: str  # the generated sentence, markers removed
    span: Span
    repaired: bool


def _content(text: str) -> set[str]:
    return {canon(t.stem) for t in terms.tokens(text) if not t.is_number}


def _numbers(text: str) -> set[str]:
    return {m.group().replace(",", "") for m in _NUMBER.finditer(text)}


def _names(text: str) -> set[str]:
    """Names in ``text`` (capitalised words after the first, acronyms, model ids), stemmed."""
    toks = [t for t in terms.tokens(text) if not t.is_number]
    return {canon(t.stem) for t in toks[1:] if t.is_named}


def best_span(sentence: str, passage: Passage) -> Span | None:
    """The passage's one or two adjacent sentences that support ``sentence``, if any."""
    want, nums, names = _content(sentence), _numbers(sentence), _names(sentence)
    spans = split_spans(passage.text)
    best: Span | None = None
    for i in range(len(spans)):
        for j in (i, i + 1):
            if j >= len(spans):
                continue
            s, e = spans[i][0], spans[j][1]
            text = passage.text[s:e]
            have = {canon(x) for x in terms.stems(text)} | terms.acronyms(text)
            if not nums <= _numbers(text) or not names <= have:
                continue
            score = len(want & have) / len(want) if want else 0.0
            if score >= SUPPORT_MIN and (best is None or score > best.score + 1e-9):
                best = Span(passage.source, passage.start + s, passage.start + e, text, score)
    return best


def verify(answer: str, passages: list[Passage], question: str) -> tuple[list[Verified], int, int]:
    """Supported sentences of ``answer`` (in order), and the counts dropped and repaired."""
    asked = _content(question)
    kept: list[Verified] = []
    dropped = repaired = 0
    for s, e in split_spans(answer):
        raw = answer[s:e]
        cited = [int(n) for n in _MARK.findall(raw)]
        text = _MARK.sub("", raw).strip()
        if len(_content(text)) == 0:
            continue  # a bare marker or punctuation, not a claim
        span = None
        for n in cited:
            if 1 <= n <= len(passages) and (span := best_span(text, passages[n - 1])):
                break
        fixed = False
        if span is None:
            found = [sp for p in passages if (sp := best_span(text, p))]
            span = max(found, key=lambda sp: sp.score) if found else None
            fixed = span is not None
        if span is None or not (asked & (_content(text) | _content(span.text))):
            dropped += 1
            continue
        repaired += fixed
        kept.append(Verified(text, span, fixed))
    return kept, dropped, repaired
