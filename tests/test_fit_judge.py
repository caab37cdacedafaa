"""The judge's fitting script (evals/fit_judge.py) on small hand-made rows: the re-ranking
weight it keeps, and the gate and threshold it fits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .conftest import load_script

fit = load_script("fit_judge.py")


@dataclass(frozen=True)
class Case:
    unanswerable: bool


def rows(corpus: str) -> list[dict[str, Any]]:
    """Eight answerable questions whose answer the ranker puts second and the judge calls yes,
    and four unanswerable ones the judge calls no."""
    out: list[dict[str, Any]] = []
    for k in range(12):
        if k < 8:
            out.append(
                {
                    "corpus": corpus,
                    "case": Case(False),
                    "s": [9.0, 8.5, 8.0],
                    "v": [-2.0, 4.0, -3.0],
                    "y": [0.0, 1.0, 0.0],
                }
            )
        else:
            out.append(
                {
                    "corpus": corpus,
                    "case": Case(True),
                    "s": [9.0, 8.5, 8.0],
                    "v": [-4.0, -5.0, -6.0],
                    "y": [0.0, 0.0, 0.0],
                }
            )
    return out


def test_the_verdict_re_ranks_and_gates() -> None:
    data = rows("a") + rows("b") + rows("c")
    assert (
        fit.pick(data, 0.0)[:, 0].tolist()
        == [-2.0] * 8 + [-4.0] * 4 + [-2.0] * 8 + [-4.0] * 4 + [-2.0] * 8 + [-4.0] * 4
    )
    assert not any(r["top_right"] for r in data)  # the ranker alone quotes the wrong one
    assert fit.pick(data, 1.0)[:8, 0].tolist() == [4.0] * 8
    assert all(r["top_right"] for r in data if not r["case"].unanswerable)
    scale, bias, tau = fit.fit(data, 1.0)
    assert scale > 0
    p = 1 / (1 + np.exp(-(scale * np.array([4.0, -4.0]) + bias)))
    assert p[0] >= tau > p[1]  # every answerable question answered, every other one abstained


def test_leaving_a_corpus_out_keeps_the_weight_that_carries() -> None:
    data = rows("a") + rows("b") + rows("c")
    assert fit.leave_one_out(data, 1.0) == 1.0  # 8 right + 4 abstained of 12, per corpus
    assert fit.leave_one_out(data, 0.0) < 1.0
