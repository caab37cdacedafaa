"""Evaluators: small functions that judge one answer and return named booleans.

``None`` means "does not apply" (e.g. ``answer_correct`` on an unanswerable case). Each function
reads only the case, the answer, the retrieved passages and the corpus text; none calls a model.
"""

from __future__ import annotations

from collections.abc import Mapping

from .answer import Answer
from .evalset import Case, normalize
from .retrieval import Passage

Outcome = bool | None


def answer_correct(case: Case, answer: Answer) -> Outcome:
    if case.unanswerable:
        return None
    return not answer.abstained and case.accepts(answer.text)


def answered(case: Case, answer: Answer) -> Outcome:
    return None if case.unanswerable else not answer.abstained


def abstained_when_unanswerable(case: Case, answer: Answer) -> Outcome:
    return answer.abstained if case.unanswerable else None


def quotes_round_trip(answer: Answer, texts: Mapping[str, str]) -> Outcome:
    return all(texts.get(c.source, "")[c.start : c.end] == c.quote for c in answer.citations)


def cites_support(case: Case, answer: Answer) -> Outcome:
    if case.unanswerable:
        return None
    return any(c.source in case.support for c in answer.citations)


def cites_all_support(case: Case, answer: Answer) -> Outcome:
    if case.unanswerable or not case.cite_all_support:
        return None
    return set(case.support) <= {c.source for c in answer.citations}


def first_supporting_rank(case: Case, passages: list[Passage]) -> int | None:
    """1-based rank of the first passage from a supporting document that holds an answer."""
    for i, p in enumerate(passages, start=1):
        if p.source in case.support and (
            case.accepts(p.text) or not (case.answers or case.patterns)
        ):
            return i
    return None


def recall_at_k(case: Case, passages: list[Passage], k: int) -> Outcome:
    if case.unanswerable:
        return None
    rank = first_supporting_rank(case, passages)
    return rank is not None and rank <= k


def reciprocal_rank(case: Case, passages: list[Passage]) -> float | None:
    if case.unanswerable:
        return None
    rank = first_supporting_rank(case, passages)
    return 0.0 if rank is None else 1.0 / rank


def evaluate(
    case: Case, answer: Answer, passages: list[Passage], texts: Mapping[str, str], k: int
) -> dict[str, Outcome]:
    """Every evaluator on one case, by name (the names in :data:`assistant.evalset.EVALUATORS`)."""
    return {
        "answer_correct": answer_correct(case, answer),
        "answered": answered(case, answer),
        "abstained_when_unanswerable": abstained_when_unanswerable(case, answer),
        "quotes_round_trip": quotes_round_trip(answer, texts),
        "cites_support": cites_support(case, answer),
        "cites_all_support": cites_all_support(case, answer),
        "recall_at_k": recall_at_k(case, passages, k),
    }


__all__ = ["evaluate", "normalize", "reciprocal_rank"]
