"""The judge: an LLM reads the ranker's best candidate quotes and says whether each answers.

The evidence scorer's gate reads lexical and embedding features whose level moves from one corpus
to another (see README, "A new folder"), so a threshold fitted on some corpora abstains on nearly
everything in another, and near-miss questions (the same entity, an attribute the text does not
give) score like answerable ones. A chat model reading the quote and the question separates them
far better: on the dev splits, the ROC AUC of its verdict between "the best quote holds the
answer" and "it does not" is 0.75-0.91 per corpus when it is fitted on the other four, against
0.63-0.76 for the gate, and a threshold fitted on four corpora carries to the fifth.

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

SYSTEM = (
    "You check whether a passage answers a question. The answer may be a name, a number, a "
    "date, a yes or a no, or an explanation. Reply with one word: yes when the passage states "
    "the answer (even when the answer is no), no when it does not."
)


@dataclass(frozen=True)
class JudgeWeights:
    top_k: int  # how many of the ranker's best candidates are judged
    rank_weight: float  # the verdict's weight when the judged candidates are re-ranked
    gate_scale: float
    gate_bias: float
    threshold: float  # answer when sigmoid(gate_scale * verdict + gate_bias) reaches this
    model: str = ""  # the model the weights were fitted with
    fitted_on: str = ""


# Worked examples, shown before every question as earlier turns of the chat: (place, passage,
# question, reply). Invented, about no document of the eval sets, one per way a small model
# misjudges: a yes/no question answered "no", a passage on the topic that lacks the asked detail,
# a sentence that leans on its heading, a near miss about the same entity. They are the same for
# every call, so a server that reuses a prompt's prefix (llama.cpp) reads them once.
EXAMPLES = (
    (
        "Widget Toolkit License › Permissions",
        "You may not use the toolkit in products that are sold for profit.",
        "Can I use the toolkit in a commercial product?",
        "yes",
    ),
    (
        "Harbor Bridge › History",
        "The bridge was designed by the engineer Clara Holm and spans 300 metres.",
        "When did the Harbor Bridge open?",
        "no",
    ),
    (
        "Harbor Treaty › Signatories",
        "Fourteen nations signed it on the first day.",
        "How many countries signed the Harbor Treaty?",
        "yes",
    ),
    (
        "Backup tool manual › Options › --retries",
        "The --retries option sets how many times a failed upload is tried again.",
        "What is the default value of --retries?",
        "no",
    ),
    (
        "Release notes › Version 2.4.0",
        "Support for Python 3.7 was removed.",
        "Does version 2.4.0 still support Python 3.7?",
        "yes",
    ),
    (
        "Lenz Robotics › Company profile",
        "Lenz Robotics was founded in 2012 by Maria Lenz and Tom Ruiz.",
        "How old was Maria Lenz when she founded Lenz Robotics?",
        "no",
    ),
)


def where(c: Candidate, ctx: AnswerContext) -> str:
    """The candidate's document title and heading path ("Title › Section")."""
    return " › ".join(h for h in (ctx.titles.get(c.source, c.source), *c.passage.headings) if h)


def ask(question: str, text: str, place: str) -> str:
    # a hard-wrapped, indented quote (licence texts, man pages) is shown as the run of words
    # it is: the model reads it better, and the quote itself stays verbatim
    text = " ".join(text.split())
    return (
        f"Passage (from {place}):\n{text}\n\nQuestion: {question}\n\n"
        "Does the passage state the answer to the question?"
    )


def _prefix() -> tuple[dict[str, str], ...]:
    turns = [{"role": "system", "content": SYSTEM}]
    for place, text, question, reply in EXAMPLES:
        turns.append({"role": "user", "content": ask(question, text, place)})
        turns.append({"role": "assistant", "content": reply})
    return tuple(turns)


PREFIX = _prefix()  # the system prompt and the worked examples, the same for every question


def messages(question: str, text: str, place: str) -> list[dict[str, str]]:
    return [*PREFIX, {"role": "user", "content": ask(question, text, place)}]


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
