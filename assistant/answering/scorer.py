"""The evidence scorer: a linear ranker over :mod:`.features` and a gate, fitted on dev splits.

Two stages. The *ranker* gives each candidate quote a score ``s = weights · features``, fitted as
a softmax over each question's candidates (the quote that holds the answer should win); the best
candidate is the one to quote. The *gate* decides whether to quote it at all:
``p = sigmoid(gate_scale · s_best + gate_bias)``, fitted on whole questions (1 when the best
candidate holds the answer, 0 when it does not or the question is unanswerable). The answerer
answers when ``p`` reaches ``threshold``, else abstains. The same ``p`` of a span, with a
generated sentence in place of the question, rates the span's support for that sentence against
``support_threshold`` (a claim carries no question form, so its scores run lower). (A margin over the runner-up, a z-score and the top
candidate's own features were tried as gate inputs too; none did better when the fit was
measured on a corpus it had not seen, so the gate stays one feature.) The numbers live in one frozen :class:`EvidenceWeights` in :mod:`.fitted`,
written by ``evals/fit_evidence.py`` from the dev splits only. It does not choose quotes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .features import NAMES


@dataclass(frozen=True)
class EvidenceWeights:
    features: tuple[str, ...]  # the feature names, in the order of ``weights``
    weights: tuple[float, ...]  # the ranker
    gate_scale: float
    gate_bias: float
    threshold: float  # answer when the gate's probability reaches this
    # a generated sentence is supported by a span whose probability (the sentence read as the
    # claim to find) reaches this; swept on dev claims (see evals/fit_evidence.py)
    support_threshold: float = 0.5
    fitted_on: str = ""  # which splits, how many questions and candidates

    def __post_init__(self) -> None:
        if len(self.features) != len(self.weights):
            raise ValueError("one weight per feature")


class EvidenceScorer:
    def __init__(self, weights: EvidenceWeights | None = None):
        if weights is None:
            from .fitted import FITTED

            weights = FITTED
        if weights.features != NAMES:
            raise ValueError(
                f"the fitted weights are for features {weights.features}, not {NAMES}; "
                "re-run evals/fit_evidence.py"
            )
        self.params = weights
        self._w = np.asarray(weights.weights, dtype=np.float64)

    @property
    def threshold(self) -> float:
        return self.params.threshold

    def scores(self, x: np.ndarray) -> np.ndarray:
        """The ranker's score of each candidate (rows of ``x``)."""
        return x @ self._w if x.size else np.zeros(len(x))

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """For each candidate, the gate's probability that it should be quoted."""
        z = self.params.gate_scale * self.scores(x) + self.params.gate_bias
        return 1.0 / (1.0 + np.exp(-z))


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50
) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression, by Newton's method."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    reg = np.eye(d + 1) * l2
    reg[-1, -1] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + reg @ w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def fit_softmax_ranker(
    groups: list[tuple[np.ndarray, np.ndarray]], l2: float = 0.01, steps: int = 1500
) -> np.ndarray:
    """Ranker weights maximising, over questions, the softmax probability of the candidates
    that hold the answer (``groups``: one (features, labels) pair per answerable question).
    Adam on the mean negative log-likelihood, with L2."""
    groups = [(x, y) for x, y in groups if len(x) and y.any()]
    d = groups[0][0].shape[1]
    w, m, v = np.zeros(d), np.zeros(d), np.zeros(d)
    for t in range(1, steps + 1):
        g = l2 * w
        for x, y in groups:
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            q = p * (y > 0)
            g += x.T @ (p - q / q.sum()) / len(groups)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= 0.05 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w
