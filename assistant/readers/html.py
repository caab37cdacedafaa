"""HTML: the main content of a page by trafilatura, without its navigation, sidebars and footer.

trafilatura finds the article in a saved web page and returns it as XML (headings, paragraphs,
lists, code, tables); this module writes that tree as structured text (:mod:`.markup`), so
headings stay headings and list items stay items. The title comes from the page's metadata.
A page in which trafilatura finds no main content is :class:`Unreadable`. It does not fetch
anything the page links to.
"""

from __future__ import annotations

from typing import Any

from .base import Reader, ReadText, Unreadable, tidy
from .markup import Markup

_LISTS = ("list",)
_BLOCKS = frozenset({"p", "head", "list", "code", "table", "quote", "div", "main"})


def _text(el: Any) -> str:
    return "".join(el.itertext())


def _level(el: Any) -> int:
    rend = str(el.get("rend") or "")
    return int(rend[1]) if len(rend) == 2 and rend[0] == "h" and rend[1].isdigit() else 2


def _list(el: Any, out: Markup, depth: int) -> None:
    numbered = str(el.get("rend") or "") == "ol"
    items = [item for item in el if item.tag == "item"]
    for i, item in enumerate(items, 1):
        nested = [c for c in item if c.tag in _LISTS]
        own = (item.text or "") + "".join(
            _text(c) + (c.tail or "") for c in item if c.tag not in _LISTS
        )
        out.item(own, depth, f"{i}." if numbered else "-")
        for sub in nested:
            _list(sub, out, depth + 1)


def _walk(el: Any, out: Markup) -> None:
    """Write ``el``'s children as blocks. A quote or division that holds blocks is walked into,
    with any text of its own between them; one that holds only text and inline formatting
    (``<quote>The parser is <hi>three times</hi> faster</quote>``) is one paragraph."""
    for child in el:
        tag = child.tag
        if tag == "head":
            out.heading(_level(child), _text(child))
        elif tag == "list":
            out.gap()
            _list(child, out, 0)
        elif tag == "code":
            out.code(_text(child))
        elif tag == "table":
            out.gap()
            for row in child.iter("row"):
                out.row([_text(cell) for cell in row if cell.tag == "cell"])
        elif tag in ("quote", "div", "main") and any(c.tag in _BLOCKS for c in child):
            out.paragraph(child.text or "")
            _walk(child, out)
        elif tag in ("graphic", "comments"):
            continue
        else:
            out.paragraph(_text(child))
        if el.tag in ("quote", "div", "main"):
            out.paragraph(child.tail or "")  # text between two blocks of a container


class HtmlReader(Reader):
    format = "html"
    extensions = (".html", ".htm", ".xhtml")

    def sniff(self, head: bytes) -> bool:
        start = head.lstrip()[:64].lower()
        return start.startswith((b"<!doctype html", b"<html"))

    def read(self, data: bytes, name: str) -> ReadText:
        import trafilatura
        from lxml import etree

        xml = trafilatura.extract(
            data,
            output_format="xml",
            with_metadata=True,
            include_tables=True,
            include_formatting=True,
            include_comments=False,
            include_links=False,
            include_images=False,
        )
        if not xml:
            raise Unreadable("no main text found in the page (trafilatura extracted nothing)")
        root = etree.fromstring(xml.encode("utf-8"))
        main = root.find("main")
        out = Markup()
        _walk(main if main is not None else root, out)
        text = tidy(out.text())
        if not text.strip():
            raise Unreadable("no main text found in the page (trafilatura extracted nothing)")
        title = " ".join(str(root.get("title") or "").split()) or None
        return ReadText(text, self.format, None, title)
