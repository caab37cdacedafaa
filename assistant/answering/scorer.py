"""The evidence scorer: a logistic model over :mod:`.features`, fitted on the dev splits.

Two stages. The *ranker*, ``p = sigmoid(bias + weights · features)``, is the probability that a
candidate quote answers the question; the best candidate is the one to quote. The *gate* decides
whether to quote it at all: a second logistic model over that candidate's features plus the
ranker's top probability and its margin over the runner-up, fitted on whole questions (1 when the
top candidate holds the answer, 0 when it does not or the question is unanswerable); the answerer
answers when the gate reaches ``threshold`` and abstains otherwise. The numbers live in one frozen :class:`EvidenceWeights` object in :mod:`.fitted`,
written by ``evals/fit_evidence.py`` from the dev split of every eval corpus (never a test split).
It does not choose quotes (see :mod:`.extractive`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .features import NAMES


@dataclass(frozen=True)
class EvidenceWeights:
    features: tuple[str, ...]  # the feature names, in the order of ``weights``
    weights: tuple[float, ...]
    bias: float
    threshold: float  # answer when the gate's probability reaches this
    gate_weights: tuple[float, ...] = ()  # features, then ranker top p, then its margin
    gate_bias: float = 0.0
    # A generated sentence (a claim, not a question) is supported by a span whose ranker
    # probability reaches this. Set by hand, not fitted: no dev data of generated claims yet.
    support_threshold: float = 0.3
    fitted_on: str = ""  # which splits, how many questions and candidates

    def __post_init__(self) -> None:
        if len(self.features) != len(self.weights):
            raise ValueError("one weight per feature")
        if self.gate_weights and len(self.gate_weights) != len(self.features) + 2:
            raise ValueError("one gate weight per feature, plus two")


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
        self._g = np.asarray(weights.gate_weights, dtype=np.float64)

    @property
    def threshold(self) -> float:
        return self.params.threshold

    def gate(self, x_top: np.ndarray, probs: np.ndarray) -> float:
        """Probability that the top candidate (features ``x_top``) should be quoted, given the
        ranker's probabilities of all candidates."""
        if not len(probs):
            return 0.0
        if not len(self._g):  # no gate fitted: the ranker's own top probability
            return float(probs.max())
        z = float(gate_features(x_top, probs) @ self._g + self.params.gate_bias)
        return 1.0 / (1.0 + float(np.exp(-z)))

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        if x.size == 0:
            return np.zeros(len(x))
        z = x @ self._w + self.params.bias
        return 1.0 / (1.0 + np.exp(-z))


def gate_features(x_top: np.ndarray, probs: np.ndarray) -> np.ndarray:
    top = np.sort(probs)[::-1]
    runner_up = top[1] if len(top) > 1 else 0.0
    return np.concatenate([x_top, [top[0], top[0] - runner_up]])


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
