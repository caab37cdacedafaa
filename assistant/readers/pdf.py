"""PDF: the text layer of each page, by pypdfium2 (PDFium, the engine in Chrome).

Pages are joined with a blank line, so no paragraph runs across a page break, and the start
offset of each page is kept: a span's page is the last page starting at or before it. Within a
page, PDFium ends each line with a line break but marks no paragraph, so a blank line is added
where the space above a line is paragraph spacing (:func:`paragraph_breaks`): headings and
paragraphs then stay blocks of their own, as in a text file. Page furniture is left out
(:func:`without_furniture`): running headers and footers, page numbers, and table-of-contents or
index lines with dot leaders. A word hyphenated at a line end is made whole again
(:func:`mend_hyphens`). Line breaks are ``\\n`` and control characters are dropped. A
password-protected PDF, a damaged one and one with no text layer at all (scanned, image-only)
are :class:`Unreadable` with a reason; it does not run OCR.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from .base import Reader, ReadText, Unreadable, tidy

PAGE_BREAK = "\n\n"
_LINE = re.compile(r"[^\r\n]+")
_PAGE_NUMBER = re.compile(r"(?:page\s+)?(?:\d{1,4}|[ivx]{1,5})(?:\s*(?:/|of)\s*\d{1,4})?", re.I)
_LEADERS = re.compile(r"(?:\.\s?){5,}\s*\d{1,4}\s*$")  # "3.1 Invoking asn1Parser . . . . 12"
_DIGITS = re.compile(r"\d+")
EDGE = 2  # lines at the top and at the bottom of a page where headers and footers sit
RUNNING = 3  # pages a line must recur on, at an edge, to be a running header or footer


def _form(line: str) -> str:
    """A line with its numbers as ``#`` ("Chapter 2: ASN.1 structure handling 3")."""
    return _DIGITS.sub("#", " ".join(line.split()).lower())


def without_furniture(pages: list[str]) -> list[str]:
    """Each page's text without its furniture: among its first and last :data:`EDGE` lines, a
    bare page number ("12", "Page 3 of 9", "iv") or a line that recurs, numbers aside, at an
    edge of :data:`RUNNING` or more pages (a running header or footer); and anywhere, a line that
    ends in dot leaders and a page number (a table of contents or an index). Body text is kept
    as it is: only whole lines are left out."""

    def edges(text: str) -> list[int]:
        lines = text.split("\n")
        body = [i for i, line in enumerate(lines) if line.strip()]
        return body[:EDGE] + body[-EDGE:]

    recurring = Counter(
        form for text in pages for form in {_form(text.split("\n")[i]) for i in edges(text)}
    )
    out = []
    for text in pages:
        lines = text.split("\n")
        edge = set(edges(text))
        kept = [
            line
            for i, line in enumerate(lines)
            if not (
                _LEADERS.search(line)
                or (
                    i in edge
                    and (_PAGE_NUMBER.fullmatch(line.strip()) or recurring[_form(line)] >= RUNNING)
                )
            )
        ]
        out.append(re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip())
    return out


_BROKEN = re.compile(r"([^\W_]+)\ufffe([^\W_]+)")


def mend_hyphens(pages: list[str]) -> list[str]:
    """Words hyphenated at a line end made whole again. PDFium gives such a hyphen as U+FFFE (a
    noncharacter, shown as a box) and no line break: "imple<U+FFFE>ments" is "implements",
    unless the document writes the hyphenated form elsewhere ("non-root", "debian-faq")."""
    words = Counter(w.lower() for p in pages for w in re.findall(r"[^\W_]+(?:-[^\W_]+)*", p))

    def mend(m: re.Match[str]) -> str:
        hyphenated = f"{m[1]}-{m[2]}"
        if words[hyphenated.lower()] > words[(m[1] + m[2]).lower()]:
            return hyphenated
        return m[1] + m[2]

    return [_BROKEN.sub(mend, p).replace("\ufffe", "") for p in pages]


def _line_box(textpage: Any, text: str, start: int, end: int) -> tuple[float, float] | None:
    """(bottom, top) of a line: the font boxes of its first, middle and last visible character."""
    visible = [i for i in range(start, end) if not text[i].isspace()]
    if not visible:
        return None
    boxes = [
        textpage.get_charbox(i, loose=True)
        for i in {visible[0], visible[len(visible) // 2], visible[-1]}
    ]
    return min(b[1] for b in boxes), max(b[3] for b in boxes)


def paragraph_breaks(textpage: Any, text: str) -> str:
    """``text`` (a page's text as PDFium gives it) with a second line break wherever the gap
    above a line is paragraph spacing: over half the line's height and, on a page of four lines
    or more, over 1.5 times its usual gap between lines (the lower quartile), so double-spaced
    text is not cut into lines. Nothing else changes; the text is returned as it is when its
    characters do not map one to one onto the page's (PDFium counts a character outside the
    BMP twice)."""
    if len(text) != textpage.count_chars():
        return text
    lines = [m.span() for m in _LINE.finditer(text)]
    boxes = [_line_box(textpage, text, s, e) for s, e in lines]
    gaps: list[float | None] = []  # the space above each line (None: unknown)
    above = None  # the box of the nearest line above with one
    for box in boxes:
        gaps.append(above[0] - box[1] if above is not None and box is not None else None)
        above = box or above
    positive = sorted(g for g in gaps if g is not None and g > 0)
    usual = positive[len(positive) // 4] if len(positive) >= 3 else 0.0  # the lower quartile
    out, pos = [], 0
    for (start, end), box, gap in zip(lines, boxes, gaps, strict=True):
        between = text[pos:start]
        if gap is not None and box is not None and "\n" in between:
            between += "\n" if gap > max(0.5 * (box[1] - box[0]), 1.5 * usual) else ""
        out += [between, text[start:end]]
        pos = end
    out.append(text[pos:])
    return "".join(out)


class PdfReader(Reader):
    format = "pdf"
    extensions = (".pdf",)

    def sniff(self, head: bytes) -> bool:
        return head.lstrip()[:5] == b"%PDF-"

    def read(self, data: bytes, name: str) -> ReadText:
        import pypdfium2 as pdfium

        try:
            doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise Unreadable(
                    "encrypted PDF (it needs a password); save a copy without one"
                ) from None
            raise Unreadable(f"damaged or not a PDF ({exc})") from None
        try:
            texts: list[str] = []
            for i in range(len(doc)):
                page = doc[i]
                textpage = page.get_textpage()
                texts.append(tidy(paragraph_breaks(textpage, textpage.get_text_range())).strip())
                textpage.close()
                page.close()
            texts = mend_hyphens(texts)
            title = (doc.get_metadata_dict().get("Title") or "").strip() or None
        except pdfium.PdfiumError as exc:
            raise Unreadable(f"damaged PDF ({exc})") from None
        finally:
            doc.close()
        parts: list[str] = []
        pages: list[int] = []
        at = 0
        for text in without_furniture(texts):
            if parts:
                parts.append(PAGE_BREAK)
                at += len(PAGE_BREAK)
            pages.append(at)
            parts.append(text)
            at += len(text)
        text = "".join(parts)
        if not text.strip():
            raise Unreadable(
                f"no text layer ({len(pages)} page(s) of images: a scan or an image-only PDF); "
                "run OCR on it first (e.g. ocrmypdf) to index it"
            )
        return ReadText(text + "\n", self.format, tuple(pages), title, wrapped=True)
