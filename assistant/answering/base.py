"""The answerer interface and what every answerer is given besides the passages.

:class:`Answerer` needs one method, :meth:`Answerer.answer`; :meth:`Answerer.stream` has a default.
:class:`AnswerContext` carries what the engine knows about the open index: titles, term
statistics, the query-side embedder and the stored sentence vectors. It does not retrieve.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .. import terms
from ..answer import NOT_IN_CORPUS, Answer
from ..retrieval import Passage

Vectors = npt.NDArray[np.float32]
Span = tuple[str, int, int]  # source, start, end


@dataclass(frozen=True)
class AnswerContext:
    titles: dict[str, str]
    vocabulary: terms.Vocabulary
    # L2-normalised rows for texts (questions, generated sentences): the query-side encoder
    embed: Callable[[Sequence[str]], Vectors]
    # vectors of document spans (sentences), from the index where stored, else embedded
    span_vectors: Callable[[Sequence[Span]], dict[Span, Vectors]]
    # one row per word (lower-cased), each word embedded alone (see assistant.lexicon)
    word_vectors: Callable[[Sequence[str]], Vectors]


class Answerer(ABC):
    """Implement :meth:`answer`; everything else about a question is the engine's job."""

    name: str = "answerer"

    @abstractmethod
    def answer(self, question: str, passages: list[Passage], ctx: AnswerContext) -> Answer:
        """An answer to ``question`` that quotes only ``passages``, or an abstention."""

    def stream(
        self, question: str, passages: list[Passage], ctx: AnswerContext
    ) -> Iterator[str | Answer]:
        """Text as it is produced, then the final :class:`Answer`; by default only the Answer."""
        yield self.answer(question, passages, ctx)


def abstain(verification: dict[str, int] | None = None) -> Answer:
    """The answer that says the corpus does not cover the question; it quotes nothing."""
    return Answer(text=NOT_IN_CORPUS, abstained=True, citations=[], verification=verification)
