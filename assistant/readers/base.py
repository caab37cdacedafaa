"""The reader interface: bytes and a file name in, the document's text (and its pages) out.

A :class:`Reader` has one required method, :meth:`Reader.read`, which returns a :class:`ReadText`
or raises :class:`Unreadable` with a reason a person can act on. The text a reader returns is
*the* document text: it is stored once per content hash in the index folder and every citation
indexes into it. Readers do not decide which files are documents (see :mod:`assistant.readers`)
and do not clean or chunk (see :mod:`assistant.cleaning`, :mod:`assistant.chunking`).
"""

from __future__ import annotations

import bisect
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass


class Unreadable(Exception):
    """The file cannot be read as a document; ``reason`` says why and, where it can, what to do."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ReadText:
    text: str
    format: str  # "text", "markdown", "pdf", "html", "docx", "rst"
    pages: tuple[int, ...] | None = None  # PDFs: the start offset of each page in ``text``
    title: str | None = None  # from the document itself (PDF metadata, <title>, core properties)
    # True when every line is a laid-out line of a page (PDF), so lines join into paragraphs
    # whatever their width; None: judged from the text (see assistant.structure.parse)
    wrapped: bool | None = None

    def page_of(self, offset: int) -> int | None:
        """The 1-based page that ``offset`` falls on, or None for a document without pages."""
        if not self.pages:
            return None
        return page_at(self.pages, offset)


def page_at(pages: tuple[int, ...] | list[int], offset: int) -> int:
    """The 1-based page whose start offset is the last one at or before ``offset``."""
    return max(1, bisect.bisect_right(pages, offset))


class Reader(ABC):
    """One document format. Subclasses set ``format`` and ``extensions`` and implement ``read``."""

    format: str = ""
    extensions: tuple[str, ...] = ()  # lower case, with the dot

    def sniff(self, head: bytes) -> bool:
        """Whether a file with no extension is this format, judged by its first bytes."""
        return False

    @abstractmethod
    def read(self, data: bytes, name: str) -> ReadText:
        """The document's text; raise :class:`Unreadable` when there is none to index."""


# every control character but tab and newline, and lone surrogates (they cannot be stored)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def tidy(text: str) -> str:
    """Extracted text with line breaks as ``\\n``, no other control characters, storable."""
    return _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
