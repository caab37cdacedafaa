"""HTML: the page's own structure (headings, paragraphs, lists, definition lists, code, tables),
kept where trafilatura finds the main content, so navigation, sidebars and footers stay out.

Two readings of the page are combined. trafilatura, built to find the article in a saved web
page, decides *what is content*, but it drops most headings of generated manuals (Texinfo,
DocBook, Sphinx) and flattens a definition list into separate lines. So the page is also walked
here, block by block, in document order; a block is kept when its text is part of what
trafilatura extracted (compared by word triples, so inline markup does not matter), a heading
when its section holds kept content, and code when it sits between kept blocks. Navigation is
left out by the page's own markup: ``<nav>``, ARIA navigation roles and hidden elements,
elements whose class or id names navigation, a menu, a sidebar or breadcrumbs, and blocks made
mostly of links (a "Next: … Up: …" panel, a table of contents, an index). A definition list
becomes one list item per entry, ``term: definition``. When the walk does not cover what
trafilatura found (markup it cannot follow), trafilatura's own text is used. The result is
structured text (:mod:`.markup`); the title comes from the page's metadata. A page in which
trafilatura finds no main content is :class:`Unreadable`. It does not fetch anything the page
links to.
"""

from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass
from typing import Any

from .base import Reader, ReadText, Unreadable, tidy
from .markup import Markup, one_line

_LISTS = ("list",)
_BLOCKS = frozenset({"p", "head", "list", "code", "table", "quote", "div", "main"})

# -- the page walked: blocks in document order ----------------------------------------------------
_SKIP = frozenset(
    "script style noscript template svg canvas iframe object embed button select option input "
    "textarea form nav head title meta link".split()
)
_NAV_ROLES = frozenset({"navigation", "search", "menu", "menubar", "tablist"})
_NAV_NAME = re.compile(r"^(?:nav|menu)|sidebar|breadcrumb")  # a class or id token
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_PARAGRAPHS = frozenset({"p", "figcaption", "summary", "caption", "legend"})
_WORD = re.compile(r"[^\W_]+")
COVERAGE = 0.85  # the walk must keep this share of trafilatura's words, else its text is used


@dataclass
class _Block:
    kind: str  # "heading", "paragraph", "item", "code", "row", or "gap" (a list or table starts)
    text: str
    level: int = 0  # heading level, or list depth
    marker: str = "-"
    cells: tuple[str, ...] = ()
    linked: int = 0  # words inside links
    links: int = 0


def _tag(el: Any) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _is_nav(el: Any) -> bool:
    """Navigation by the page's own markup, or an element the page does not show."""
    if (el.get("role") or "").lower() in _NAV_ROLES or el.get("hidden") is not None:
        return True
    if (el.get("aria-hidden") or "").lower() == "true":
        return True
    names = f"{el.get('class') or ''} {el.get('id') or ''}".lower().split()
    return any(_NAV_NAME.search(n) for n in names)


def _self_anchor(el: Any) -> bool:
    """A heading's or term's link to itself, shown as one symbol ("¶", "#", "§")."""
    if _tag(el) != "a" or not (el.get("href") or "").startswith("#"):
        return False  # (checked first: this runs for every element of every block)
    text = "".join(el.itertext()).strip()
    return len(text) <= 1 and not text.isalnum()


def _inline(el: Any) -> tuple[str, int, int]:
    """The text of ``el`` as one line, with the words and the number of links in it."""
    parts: list[str] = []
    linked = links = 0

    def visit(node: Any, in_link: bool) -> None:
        nonlocal linked, links
        tag = _tag(node)
        if tag in _SKIP or (tag and (_is_nav(node) or _self_anchor(node))):
            parts.append(" ")
        elif tag:
            if tag == "br" or tag not in _INLINE_TAGS:
                parts.append(" ")  # (libxml2 may nest what follows a <br> or <wbr> inside it)
            here = in_link or (tag == "a" and node.get("href") is not None)
            if here and not in_link:
                links += 1
            if node.text:
                parts.append(node.text)
                linked += len(_WORD.findall(node.text)) if here else 0
            for child in node:
                visit(child, here)
            if tag not in _INLINE_TAGS:
                parts.append(" ")  # a block inside a block: words on either side stay apart
        if node is not el and node.tail:
            parts.append(node.tail)
            linked += len(_WORD.findall(node.tail)) if in_link else 0

    visit(el, False)
    return one_line("".join(parts)), linked, links


def _pre_text(el: Any) -> str:
    """A <pre>'s text as laid out, without the buttons or navigation inside it."""
    parts: list[str] = [el.text or ""]
    for child in el:
        tag = _tag(child)
        if tag and tag not in _SKIP and not _is_nav(child):
            parts.append("\n" if tag == "br" else _pre_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


class _Walk:
    def __init__(self) -> None:
        self.blocks: list[_Block] = []

    def add(self, kind: str, el: Any, **kw: Any) -> None:
        text, linked, links = _inline(el)
        if text:
            self.blocks.append(_Block(kind, text, linked=linked, links=links, **kw))

    def walk(self, el: Any) -> None:
        """``el``'s children in order; a run of text and inline elements between two blocks
        is one paragraph."""
        run: list[tuple[str, int, int]] = []

        def flush() -> None:
            text = one_line(" ".join(t for t, _, _ in run))
            if text:
                linked, links = sum(r[1] for r in run), sum(r[2] for r in run)
                self.blocks.append(_Block("paragraph", text, linked=linked, links=links))
            run.clear()

        run.append((el.text or "", 0, 0))
        for child in el:
            tag = _tag(child)
            if tag in _INLINE_TAGS and not (tag and (tag in _SKIP or _is_nav(child))):
                if tag:
                    run.append(_inline(child))
            else:
                flush()
                self.element(child)
            run.append((child.tail or "", 0, 0))
        flush()

    def element(self, el: Any) -> None:
        tag = _tag(el)
        if not tag or tag in _SKIP or _is_nav(el):
            return
        if tag in _HEADINGS:
            self.add("heading", el, level=_HEADINGS[tag])
        elif tag in _PARAGRAPHS:
            self.add("paragraph", el)
        elif tag == "pre":
            text = _pre_text(el)
            if text.strip():
                self.blocks.append(_Block("code", text))
        elif tag in ("ul", "ol", "menu", "dir"):
            self.blocks.append(_Block("gap", ""))
            self.list(el, 0)
        elif tag == "dl":
            self.blocks.append(_Block("gap", ""))
            self.definitions(el, 0)
        elif tag == "table":
            self.blocks.append(_Block("gap", ""))
            for row in el.iter("tr"):
                cells = [_inline(c) for c in row if _tag(c) in ("td", "th")]
                if any(c[0] for c in cells):
                    self.blocks.append(
                        _Block(
                            "row",
                            " ".join(c[0] for c in cells),
                            cells=tuple(c[0] for c in cells),
                            linked=sum(c[1] for c in cells),
                            links=sum(c[2] for c in cells),
                        )
                    )
        elif tag != "hr":
            self.walk(el)  # a container (div, section, blockquote…), or an unknown element

    def list(self, el: Any, depth: int) -> None:
        numbered = _tag(el) == "ol"
        for i, li in enumerate((li for li in el if _tag(li) == "li"), 1):
            own = copy.copy(li)
            for sub in [c for c in own if _tag(c) not in _INLINE_TAGS]:
                own.remove(sub)  # the item's own words, without its nested blocks
            text, linked, links = _inline(own)
            blocks = [c for c in li if _tag(c) not in _INLINE_TAGS]
            skip = None
            if not text and blocks and _tag(blocks[0]) in _PARAGRAPHS:
                skip = blocks[0]  # <li><p>…</p></li>: the paragraph is the item
                text, linked, links = _inline(skip)
            if text:
                marker = f"{i}." if numbered else "-"
                self.blocks.append(_Block("item", text, depth, marker, linked=linked, links=links))
            for sub in li:
                if sub is skip:
                    continue
                tag = _tag(sub)
                if tag in ("ul", "ol"):
                    self.list(sub, depth + 1)
                elif tag == "dl":
                    self.definitions(sub, depth + 1)
                elif tag not in _INLINE_TAGS:
                    self.element(sub)

    def definitions(self, el: Any, depth: int) -> None:
        """Each entry of a definition list as one item, ``term: definition`` (its terms, then
        its definition's first paragraph); the rest of a long definition follows as blocks."""
        terms: list[tuple[str, int, int]] = []
        for child in el:
            tag = _tag(child)
            if tag == "div":  # HTML5 allows a <div> around each group of dt and dd
                self.definitions(child, depth)
            elif tag == "dt":
                terms.append(_inline(child))
            elif tag == "dd":
                parts = [c for c in child if _tag(c) not in _INLINE_TAGS]
                if not parts:
                    first, rest = _inline(child), []
                elif _tag(parts[0]) in _PARAGRAPHS:
                    first, rest = _inline(parts[0]), parts[1:]
                else:
                    first, rest = (one_line(child.text or ""), 0, 0), parts
                term = ", ".join(t[0] for t in terms if t[0])
                text = f"{term}: {first[0]}" if term and first[0] else term or first[0]
                if text:
                    self.blocks.append(
                        _Block(
                            "item",
                            text,
                            depth,
                            linked=sum(t[1] for t in terms) + first[1],
                            links=sum(t[2] for t in terms) + first[2],
                            cells=(first[0],) if first[0] else (),
                        )
                    )
                terms = []
                for sub in rest:
                    self.element(sub)
        for t in terms:  # terms with no definition after them
            if t[0]:
                self.blocks.append(_Block("item", t[0], depth, linked=t[1], links=t[2]))


_INLINE_TAGS = frozenset(
    "a abbr b bdi bdo cite code data dfn em font i img kbd mark q s samp small span strong sub "
    "sup time tt u var wbr br del ins label".split()
) | {""}


def _words(text: str) -> list[str]:
    """Lower-cased runs of letters and digits: what is compared, so that punctuation, inline
    markup and spacing (``python.X.Y`` against ``pythonX.Y``) matter little."""
    return _WORD.findall(text.lower())


def _mostly_links(b: _Block) -> bool:
    """A navigation panel, a table-of-contents line or an index entry: its words are links."""
    words = len(_words(b.text))
    if b.kind in ("item", "row"):
        return b.links >= 1 and b.linked >= 0.9 * words
    return b.links >= 2 and b.linked >= 2 / 3 * words


class _Content:
    """trafilatura's text, to ask whether a block of the page is part of it: a block of three
    words or more is when most of its word triples occur in it, a shorter one when its words
    occur in it in that order."""

    def __init__(self, text: str):
        self.words = _words(text)
        w = self.words
        self.short = {(x,) for x in w} | set(itertools.pairwise(w))
        self.triples = set(zip(w, w[1:], w[2:], strict=False))

    def has(self, text: str) -> bool:
        words = _words(text)
        if len(words) < 3:
            return bool(words) and tuple(words) in self.short
        triples = list(zip(words, words[1:], words[2:], strict=False))
        return 2 * sum(t in self.triples for t in triples) >= len(triples)


def _kept(blocks: list[_Block], content: _Content) -> list[_Block]:
    """The blocks that are part of trafilatura's ``content``, with the headings over them."""
    keep: list[bool] = []
    nav: list[bool] = []
    for b in blocks:
        nav.append(b.kind not in ("heading", "gap") and _mostly_links(b))
        if b.kind in ("heading", "gap") or nav[-1]:
            keep.append(b.kind != "heading" and not nav[-1])  # headings: decided below
            continue
        probes = [p for p in (b.cells or (b.text,)) if p.strip()]
        hits = sum(content.has(p) for p in probes)
        keep.append(bool(probes) and hits * 2 > len(probes))
    # Code between two kept blocks is content, even where trafilatura leaves it out (rustdoc's
    # examples).
    text = [i for i, b in enumerate(blocks) if b.kind not in ("heading", "gap") and not nav[i]]
    for before, i, after in zip(text, text[1:], text[2:], strict=False):
        if blocks[i].kind == "code" and keep[before] and keep[after]:
            keep[i] = True
    # A heading is kept when its section (up to the next heading of its level or higher) holds
    # kept content; read from the end, ``held[level]`` says whether it does so far.
    held = [False] * 8
    for i in range(len(blocks) - 1, -1, -1):
        b = blocks[i]
        if b.kind == "heading":
            keep[i] = held[b.level]
            held[b.level :] = [False] * (8 - b.level)
        elif b.kind != "gap" and keep[i]:
            held = [True] * 8
    return [b for b, k in zip(blocks, keep, strict=True) if k]


def _write(blocks: list[_Block]) -> Markup:
    out = Markup()
    for b in blocks:
        if b.kind == "heading":
            out.heading(b.level, b.text)
        elif b.kind == "gap":
            out.gap()
        elif b.kind == "item":
            out.item(b.text, b.level, b.marker)
        elif b.kind == "code":
            out.code(b.text)
        elif b.kind == "row":
            out.row(list(b.cells))
        else:
            out.paragraph(b.text)
    return out


# -- trafilatura's own reading, the fallback ------------------------------------------------------
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

        page = trafilatura.load_html(data)
        if page is None:
            raise Unreadable("the page could not be parsed as HTML")
        xml = trafilatura.extract(
            copy.deepcopy(page),
            output_format="xml",
            with_metadata=True,
            include_tables=True,
            include_formatting=True,
            include_comments=False,
            include_links=False,
            include_images=False,
            favor_recall=True,
        )
        if not xml:
            raise Unreadable("no main text found in the page (trafilatura extracted nothing)")
        root = etree.fromstring(xml.encode("utf-8"))
        main = root.find("main")
        main = main if main is not None else root
        content = _Content(_text(main))
        body = page.find(".//body")
        walk = _Walk()
        walk.walk(body if body is not None else page)
        kept = _kept(walk.blocks, content)
        covered = sum(len(_words(b.text)) for b in kept if b.kind != "heading")
        if covered >= COVERAGE * len(content.words):
            out = _write(kept)
        else:
            out = Markup()
            _walk(main, out)
        text = tidy(out.text())
        if not text.strip():
            raise Unreadable("no main text found in the page (trafilatura extracted nothing)")
        title = " ".join(str(root.get("title") or "").split()) or None
        return ReadText(text, self.format, None, title)
