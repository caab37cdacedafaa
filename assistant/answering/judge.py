"""The judge: an LLM reads the ranker's best candidate quotes and says whether each answers.

The evidence scorer's gate reads lexical and embedding features whose level moves from one corpus
to another (see README, "A new folder"), so a threshold fitted on some corpora abstains on nearly
everything in another, and near-miss questions (the same entity, an attribute the text does not
give) score like answerable ones. A chat model reading the quote and the question separates them
far better: on the dev splits, the ROC AUC of its verdict between "the best quote holds the
answer" and "it does not" is 0.79-0.91 per corpus, against 0.59-0.76 for the gate, and a threshold
fitted on four corpora carries to the fifth.

For each question the :class:`Judge` asks, for the ranker's ``top_k`` candidates, one yes/no
question (a one-token reply) and reads ``v = log P(yes) - log P(no)``. The candidates are
re-ranked by ``score + rank_weight · v``; the answer is quoted when
``sigmoid(gate_scale · v + gate_bias)`` of the new best reaches ``threshold``. The numbers live in
one frozen :class:`JudgeWeights` in :mod:`.fitted_judge`, written by ``evals/fit_judge.py`` from
the dev splits only, for the model it names. It needs a server that returns token
log-probabilities (llama.cpp, vLLM, OpenAI).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .base import AnswerContext
from .features import Candidate

if TYPE_CHECKING:
    from ..llm import ChatClient

SYSTEM = "You check whether a passage answers a question. Reply with one word: yes or no."


@dataclass(frozen=True)
class JudgeWeights:
    top_k: int  # how many of the ranker's best candidates are judged
    rank_weight: float  # the verdict's weight when the judged candidates are re-ranked
    gate_scale: float
    gate_bias: float
    threshold: float  # answer when sigmoid(gate_scale * verdict + gate_bias) reaches this
    model: str = ""  # the model the weights were fitted with
    fitted_on: str = ""


def where(c: Candidate, ctx: AnswerContext) -> str:
    """The candidate's document title and heading path ("Title › Section")."""
    return " › ".join(h for h in (ctx.titles.get(c.source, c.source), *c.passage.headings) if h)


def messages(question: str, text: str, place: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM},
        {
            "role": "user",
            "content": (
                f"Passage (from {place}):\n{text}\n\nQuestion: {question}\n\n"
                "Does the passage state the answer to the question?"
            ),
        },
    ]


class Judge:
    def __init__(self, client: ChatClient, weights: JudgeWeights | None = None):
        if weights is None:
            from .fitted_judge import FITTED_JUDGE

            weights = FITTED_JUDGE
        self.client = client
        self.params = weights

    def verdict(self, question: str, c: Candidate, ctx: AnswerContext) -> float:
        """``log P(yes) - log P(no)``: does candidate ``c`` answer ``question``?"""
        return self.client.yes_no(messages(question, c.text, where(c, ctx)))
