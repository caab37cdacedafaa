"""PDF: the text layer of each page, by pypdfium2 (PDFium, the engine in Chrome).

Pages are joined with a blank line, so no paragraph runs across a page break, and the start
offset of each page is kept: a span's page is the last page starting at or before it. Within a
page, PDFium ends each line with a line break but marks no paragraph, so a blank line is added
where the space above a line is paragraph spacing (:func:`paragraph_breaks`): headings and
paragraphs then stay blocks of their own, as in a text file. Line breaks are ``\\n`` and
control characters are dropped. A password-protected PDF, a damaged one
and one with no text layer at all (scanned, image-only) are :class:`Unreadable` with a reason;
it does not run OCR.
"""

from __future__ import annotations

import re
from typing import Any

from .base import Reader, ReadText, Unreadable, tidy

PAGE_BREAK = "\n\n"
_LINE = re.compile(r"[^\r\n]+")


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
            parts: list[str] = []
            pages: list[int] = []
            at = 0
            for i in range(len(doc)):
                page = doc[i]
                textpage = page.get_textpage()
                text = tidy(paragraph_breaks(textpage, textpage.get_text_range())).strip()
                textpage.close()
                page.close()
                if parts:
                    parts.append(PAGE_BREAK)
                    at += len(PAGE_BREAK)
                pages.append(at)
                parts.append(text)
                at += len(text)
            title = (doc.get_metadata_dict().get("Title") or "").strip() or None
        except pdfium.PdfiumError as exc:
            raise Unreadable(f"damaged PDF ({exc})") from None
        finally:
            doc.close()
        text = "".join(parts)
        if not text.strip():
            raise Unreadable(
                f"no text layer ({len(pages)} page(s) of images: a scan or an image-only PDF); "
                "run OCR on it first (e.g. ocrmypdf) to index it"
            )
        return ReadText(text + "\n", self.format, tuple(pages), title)
