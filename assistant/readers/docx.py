"""DOCX (Word 2007 and later) by python-docx: headings, paragraphs, list items and tables in order.

Paragraph styles give the structure: "Title" and "Heading N" become headings of that level, list
styles and numbered paragraphs become list items (by their indent level), and each table row a
``| a | b |`` row (a merged cell once). Page headers, footers, comments and text boxes are left
out. A file that is not a Word document (a zip renamed ``.docx``, an old binary ``.doc``) or whose
parts would unpack to more than :data:`MAX_UNPACKED` bytes is :class:`Unreadable`.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from .base import Reader, ReadText, Unreadable, tidy
from .markup import Markup

MAX_UNPACKED = 512 * 1024 * 1024  # a zip bomb is refused before anything is unpacked
_HEADING = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)


def _list_level(paragraph: Any, style: str) -> int | None:
    """The list level of a paragraph (0 = top), or None when it is not a list item."""
    ppr = paragraph._p.pPr
    num = ppr.numPr if ppr is not None else None
    if num is not None and num.numId is not None and num.numId.val != 0:
        return int(num.ilvl.val) if num.ilvl is not None else 0
    if style.lower().startswith("list"):
        digits = style.rstrip()[-1:]
        return int(digits) - 1 if digits.isdigit() else 0
    return None


def _style_names(doc: Any) -> dict[str | None, str]:
    """Paragraph style names by style id (python-docx looks each one up anew: slow)."""
    from docx.enum.style import WD_STYLE_TYPE

    names: dict[str | None, str] = {s.style_id: s.name or "" for s in doc.styles}
    default = doc.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    names[None] = default.name if default is not None else ""
    return names


def _paragraph(paragraph: Any, out: Markup, styles: dict[str | None, str]) -> None:
    style_id = paragraph._p.style
    style = styles.get(style_id, styles[None])
    heading = _HEADING.match(style)
    if style.lower() == "title":
        out.heading(1, paragraph.text)
    elif heading:
        out.heading(int(heading.group(1)), paragraph.text)
    elif (level := _list_level(paragraph, style)) is not None:
        out.item(paragraph.text, level)
    else:
        out.paragraph(paragraph.text)


def _table(table: Any, out: Markup) -> None:
    out.gap()
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is returned once per grid column
                continue
            seen.add(id(cell._tc))
            cells.append(cell.text)
        out.row(cells)


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            unpacked = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        raise Unreadable(
            "not a Word document (not a zip package; an old .doc must be saved as .docx)"
        ) from None
    if "word/document.xml" not in names:
        raise Unreadable("not a Word document (a zip file with no word/document.xml)")
    if unpacked > MAX_UNPACKED:
        raise Unreadable(
            f"its parts unpack to {unpacked / 2**20:,.0f} MB, over the "
            f"{MAX_UNPACKED // 2**20} MB safety limit for .docx files"
        )


class DocxReader(Reader):
    format = "docx"
    extensions = (".docx",)

    def read(self, data: bytes, name: str) -> ReadText:
        _check_zip(data)
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        try:
            doc = docx.Document(io.BytesIO(data))
        except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors...
            raise Unreadable(f"damaged Word document ({type(exc).__name__}: {exc})") from None
        out = Markup()
        styles = _style_names(doc)
        for block in doc.iter_inner_content():
            if isinstance(block, Paragraph):
                _paragraph(block, out, styles)
            elif isinstance(block, Table):
                _table(block, out)
        title = " ".join((doc.core_properties.title or "").split()) or None
        return ReadText(tidy(out.text()), self.format, None, title)
