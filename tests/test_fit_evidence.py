"""The fitting script (evals/fit_evidence.py) on small hand-made feature rows: what it fits, and
what its leave-one-corpus-out report says."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from assistant.answering.features import NAMES

from .conftest import load_script

fit = load_script("fit_evidence.py")


@dataclass(frozen=True)
class Case:
    unanswerable: bool


def rows(corpus: str, seed: int) -> list[dict[str, object]]:
    """Eight answerable questions (five candidates, the one holding the answer has the highest
    similarity) and four unanswerable ones (every candidate low). An answerable question's claim
    rows are its candidates' rows."""
    rng = np.random.default_rng(seed)
    out: list[dict[str, object]] = []
    for k in range(12):
        x = rng.uniform(0.0, 0.3, size=(5, len(NAMES)))
        y = np.zeros(5)
        if k < 8:
            x[k % 5, 0] = 0.9  # "sim"
            y[k % 5] = 1.0
        claim = x.copy() if k < 8 else None  # the answer, said as a sentence: the same rows
        out.append({"corpus": corpus, "case": Case(k >= 8), "x": x, "y": y, "claim": claim})
    return out


def test_roc_auc_counts_pairs_and_ties() -> None:
    assert fit.roc_auc(np.array([0.9, 0.8, 0.1]), np.array([1.0, 0.0, 0.0])) == 1.0
    assert fit.roc_auc(np.array([0.1, 0.8, 0.9]), np.array([1.0, 0.0, 0.0])) == 0.0
    assert fit.roc_auc(np.array([0.5, 0.5]), np.array([1.0, 0.0])) == 0.5
    assert fit.roc_auc(np.array([0.7, 0.2, 0.4]), np.array([1.0, 0.0, 1.0])) == 1.0
    assert fit.roc_auc(np.array([0.7, 0.2]), np.array([1.0, 1.0])) == 0.5  # no negatives


def test_fit_ranks_the_answer_first_and_reports_each_left_out_corpus(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = rows("a", 1) + rows("b", 2)
    weights = fit.fit_weights(data)
    assert weights.features == NAMES
    assert max(range(len(NAMES)), key=lambda i: weights.weights[i]) == 0  # similarity decides
    report = fit.leave_one_out(data, l2=1.0)
    assert [(r["top1"], r["auc"]) for r in report] == [(8, 1.0), (8, 1.0)]
    assert all(r["best"] >= r["utility"] for r in report)
    printed = capsys.readouterr().out
    assert "leave a out: top-1 8/8, gate AUC 1.000" in printed
    assert "leave b out: top-1 8/8, gate AUC 1.000" in printed
