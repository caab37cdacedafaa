"""Readers: which files are documents and what their text is, one small module per format.

* :mod:`.plain` - ``.txt``, ``.text``, ``.md``, ``.markdown`` (and ``.mdown``, ``.mkd``) in any
  common encoding, and files with no extension (README, NEWS, CHANGELOG...) that read as text;
* :mod:`.pdf` - ``.pdf`` (pypdfium2: text per page, page offsets kept);
* :mod:`.html` - ``.html``, ``.htm``, ``.xhtml`` (trafilatura: the main content, no page chrome);
* :mod:`.docx` - ``.docx`` (python-docx: headings, paragraphs, lists, tables);
* :mod:`.rst` - ``.rst``, ``.rest`` (docutils: sections, lists, code, tables).

A format is chosen by extension; a file with no extension by its first bytes (a PDF, an HTML
page, else text). :func:`read` never lets a broken file raise anything but :class:`Unreadable`
(with the reason), so one damaged file cannot stop an ingest. To add a format, write a
:class:`Reader` in a module of its own and :func:`register` it. Readers are imported here, but
each imports its parsing library only when it first reads a file. This package does not decide
size limits or walk folders (see :mod:`assistant.corpus`).
"""

from __future__ import annotations

import functools
import mimetypes
import re
from pathlib import Path, PurePath

from .base import Reader, ReadText, Unreadable, page_at
from .docx import DocxReader
from .html import HtmlReader
from .pdf import PdfReader
from .plain import MARKDOWN, TEXT, PlainReader
from .rst import RstReader

__all__ = [
    "READERS",
    "SUPPORTED",
    "ReadText",
    "Reader",
    "Unreadable",
    "page_at",
    "read",
    "read_file",
    "reader_for",
    "register",
    "unsupported_reason",
]

SNIFF_BYTES = 4096

READERS: list[Reader] = [TEXT, MARKDOWN, PdfReader(), HtmlReader(), DocxReader(), RstReader()]


def _extensions() -> tuple[str, ...]:
    return tuple(sorted({ext for r in READERS for ext in r.extensions}))


# Every extension a reader claims, sorted (files with no extension are accepted too, by content).
SUPPORTED: tuple[str, ...] = _extensions()


def register(reader: Reader) -> None:
    """Add a reader; its extensions take precedence over those of readers registered before."""
    global SUPPORTED
    READERS.insert(0, reader)
    SUPPORTED = _extensions()


# Names that documentation files carry by convention (GNU, Debian, most source packages), often
# with a suffix that is not a file type: "changelog.Debian", "README.source", "COPYING.LIB",
# or copied into one folder as "findutils_NEWS.Debian".
DOC_NAMES = frozenset(
    """readme news changes changelog history copying copyright license licence authors install
    notice thanks todo contributing contributors hacking bugs faq""".split()
)


@functools.cache
def _file_types() -> mimetypes.MimeTypes:
    """Python's own table of extensions (an instance ignores the system's mime.types)."""
    return mimetypes.MimeTypes()


def _doc_name(name: str | PurePath) -> bool:
    """A documentation file's name with a suffix that is no known file type ("install.py" is
    a script; "README.Debian", "tzdata_changelog.Debian" are documents)."""
    path = PurePath(name)
    if _file_types().guess_type(f"x{path.suffix.lower()}")[0] is not None:
        return False
    return any(word in DOC_NAMES for word in re.split(r"[^a-z0-9]+", path.stem.lower()))


def reader_for(name: str | PurePath, head: bytes) -> Reader | None:
    """The reader for a file called ``name`` whose first bytes are ``head``, or None. A suffix
    a reader claims decides; a file with no suffix, or a documentation file's conventional name
    with a suffix no reader claims ("changelog.Debian"), is read by its content."""
    suffix = PurePath(name).suffix.lower()
    if suffix:
        claimed = next((r for r in READERS if suffix in r.extensions), None)
        if claimed is not None or not _doc_name(name):
            return claimed
    # By content: formats with a signature first, plain text last (an HTML page is text too).
    ordered = [r for r in READERS if not isinstance(r, PlainReader)] + [
        r for r in READERS if isinstance(r, PlainReader)
    ]
    return next((r for r in ordered if r.sniff(head[:SNIFF_BYTES])), None)


def unsupported_reason(name: str | PurePath) -> str:
    suffix = PurePath(name).suffix.lower()
    if not suffix:
        return "unsupported file type (no extension, and not text)"
    if _doc_name(name):
        return f"unsupported file type ({suffix}, and not text)"
    return f"unsupported file type ({suffix})"


def read(data: bytes, name: str | PurePath) -> ReadText:
    """The text of a file called ``name`` with content ``data``, or :class:`Unreadable`."""
    if not data or data.isspace():
        raise Unreadable("empty file")
    reader = reader_for(name, data[:SNIFF_BYTES])
    if reader is None:
        raise Unreadable(unsupported_reason(name))
    try:
        got = reader.read(data, PurePath(name).name)
    except Unreadable:
        raise
    except Exception as exc:  # any parser failure on a damaged file is a reason, not a crash
        raise Unreadable(
            f"damaged or unreadable {reader.format} file ({type(exc).__name__}: {exc})"
        ) from None
    if not got.text.strip():
        raise Unreadable(f"no text in it (the {reader.format} file is empty once read)")
    return got


def read_file(path: str | Path) -> ReadText:
    """The text of the file at ``path`` (see :func:`read`); an OS error is :class:`Unreadable`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Unreadable(f"cannot be read ({exc.strerror or exc})") from None
    return read(data, path.name)
