"""Answering: turn retrieved passages into a cited :class:`~assistant.answer.Answer`.

The parts, each its own module: :mod:`.question` (what a question asks for), :mod:`.features`
(evidence features of a candidate quote), :mod:`.scorer` (the scorer fitted on the dev splits,
with its weights in :mod:`.fitted`), :mod:`.extractive` (the default answerer, which quotes),
:mod:`.verify` and :mod:`.generative` (the LLM answerer and the check of what it writes), all on
the one-method interface in :mod:`.base`.
"""

from .base import AnswerContext, Answerer, abstain
from .extractive import ExtractiveAnswerer

__all__ = ["AnswerContext", "Answerer", "ExtractiveAnswerer", "abstain"]
