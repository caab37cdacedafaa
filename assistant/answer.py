"""The answer contract: :class:`Answer` and :class:`Citation`, shared by the API, CLI, UI and evals.

Plain frozen dataclasses with no behaviour beyond serialisation. Field names are fixed by the
public contract (README, "Python and CLI contract").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

NOT_IN_CORPUS = "The corpus does not contain the answer to this question."


@dataclass(frozen=True)
class Citation:
    """One quoted span: ``quote == Assistant.document_text(source)[start:end]`` (for a UTF-8
    .txt/.md file, its bytes decoded; for other formats, the text its reader extracted)."""

    n: int
    source: str
    title: str
    start: int
    end: int
    quote: str
    score: float
    # the headings the quote sits under ("TERMS AND CONDITIONS › 2. Basic Permissions."), or ""
    heading: str = ""
    # the 1-based page the quote starts on, for paged documents (PDFs); None elsewhere
    page: int | None = None


@dataclass(frozen=True)
class Answer:
    """An answer whose text carries ``[n]`` markers that point into ``citations`` (in ``n`` order)."""

    text: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    # Generated answers only: sentences kept, dropped (unsupported) and repaired (re-cited).
    verification: dict[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.text,
            "abstained": self.abstained,
            "citations": [asdict(c) for c in self.citations],
        }
        if self.verification is not None:
            data["verification"] = dict(self.verification)
        return data
