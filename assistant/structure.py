"""Document structure of plain text and Markdown: headings, text, list items, code and table rows.

:func:`parse` turns a document into :class:`Block` spans in document order, without rewriting a
character. What it reads:

* **Headings**: Markdown ``#`` lines and setext underlines (``===``/``---``); Emacs outline and
  Org star lines in a document that has ``**`` lines ("* Noteworthy changes in release 3.8", as
  GNU NEWS files write them; a star line with nothing under it but its wrapped text is an entry,
  an item); a man page's or RFC's section line in capitals with indented text under it ("EXIT
  STATUS"); a numbered section line ("3. Protecting Users' Legal Rights From
  Anti-Circumvention Law.") standing alone; and, in a document that marks none of its headings
  with ``#`` or underlines, any short line standing alone (a blank line or a list after it) that
  does not end like a sentence ("TERMS AND CONDITIONS", "apt (2.5.2) unstable; urgency=medium",
  a web page's headline) and is not a URL, an e-mail address, two sentences or a line of code.
  A heading's title drops Markdown link and image syntax (a README's badges).
* **Text**: consecutive lines of a paragraph. Hard-wrapped lines (a document whose lines mostly
  stop near one width, as licences, NEWS files and mail do) join into one block; in a document of
  long lines, one line per paragraph, a line break ends a block unless the next line continues in
  lower case.
* **List items** (``-``, ``*``, ``1.``, ``a)``, ``(iv)``...) with their wrapped continuation lines,
  **fenced code blocks** and **table rows** (Markdown pipes), each a block of its own.

A blank line, a heading, a list item or a table row ends a block, so a sentence never crosses
one. :func:`heading_paths` gives each block the headings above it. It does not split sentences
(:mod:`assistant.sentences`) or decide what is page chrome (:mod:`assistant.cleaning`).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

HEADING, TEXT, ITEM, CODE, ROW = "heading", "text", "item", "code", "row"

_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_ITEM = re.compile(
    r"^\s*(?:[-*+•▪◦·‣]|\d{1,3}[.)]|[a-zA-Z][.)]|\((?:\d{1,3}|[a-zA-Z]|[ivxlcIVXLC]{1,6})\))\s+\S"
)
_NUMBERED = re.compile(r"^\s*(?:section\s+)?(\d{1,3}(?:\.\d{1,3})*)\.?\s+\S", re.IGNORECASE)
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_SENTENCE_END = re.compile(r"[.!?…,;:][\"'”’)\]]*$")
_OUTLINE = re.compile(r"^(\*+)[ \t]+(\S.*?)\s*$")  # "* Noteworthy changes in release 3.8"
_OUTLINE_DEEP = re.compile(r"^\*{2,}[ \t]+\S", re.MULTILINE)
_NOT_A_TITLE = re.compile(
    r"://|\bwww\.|\S@\S+\.\w"  # a URL or an e-mail address
    r"|[a-z]{2}[.!?]\s+[A-Z]"  # two sentences ("APT uses CMake. To start building, ...")
    r"|[{(\[=\\]$|^\$\s"  # code: an opening bracket or operator at the end, a shell prompt
)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # Markdown links and images (badges)
_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*")
HARD_WRAP_WIDTH = 100  # a document whose lines mostly stop by this width is hard-wrapped


@dataclass(frozen=True)
class Block:
    kind: str  # HEADING, TEXT, ITEM, CODE or ROW
    start: int  # span of the block in the document, stripped
    end: int
    level: int = 0  # headings: 1 is the highest
    title: str = ""  # headings: the heading text without Markdown marks


@dataclass
class _Line:
    start: int
    end: int  # stripped of trailing whitespace and the line break
    text: str  # the stripped line

    @property
    def indent(self) -> int:
        return len(self.raw) - len(self.raw.lstrip())

    raw: str = ""


def _lines(text: str) -> list[_Line | None]:
    """Physical lines (``None`` for a blank one) with exact spans of their stripped text."""
    out: list[_Line | None] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        stripped = body.strip()
        if stripped:
            start = pos + len(body) - len(body.lstrip())
            out.append(_Line(start, start + len(stripped), stripped, body))
        else:
            out.append(None)
        pos += len(raw)
    return out


def wrap_width(text: str) -> int:
    """The width most lines stop by (90th percentile of non-blank line lengths)."""
    lengths = sorted(len(line.rstrip()) for line in text.splitlines() if line.strip())
    return lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0


def _words(text: str) -> int:
    return len(_WORD.findall(text))


class _Builder:
    def __init__(self, text: str):
        self.text = text
        self.blocks: list[Block] = []
        self.blank_after: list[bool] = []
        self.open: list[_Line] = []
        self.open_kind = TEXT

    def flush(self, blank: bool = False) -> None:
        if self.open:
            self.blocks.append(Block(self.open_kind, self.open[0].start, self.open[-1].end))
            self.blank_after.append(blank)
            self.open = []

    def add(self, kind: str, start: int, end: int, level: int = 0, title: str = "") -> None:
        self.flush()
        self.blocks.append(Block(kind, start, end, level, title))
        self.blank_after.append(False)

    def mark_blank(self) -> None:
        if self.open:
            self.flush(blank=True)
        elif self.blank_after:
            self.blank_after[-1] = True


def _continues(prev: _Line, line: _Line, kind: str, wrapped: bool, width: int) -> bool:
    """Whether ``line`` goes on with the block whose last line is ``prev``."""
    if _ITEM.match(line.raw) or line.text.startswith("|"):
        return False
    if kind == ITEM and line.indent > 0:
        return True  # an indented continuation of a list item
    ends = bool(_SENTENCE_END.search(prev.text))
    if wrapped:
        # A short line that does not end a sentence, followed by a capital, is a line of its own
        # (a heading or signature with no blank line after it).
        short = len(prev.raw.rstrip()) < 0.6 * width
        return not (short and not ends and (line.text[0].isupper() or line.text[0].isdigit()))
    return not ends and line.text[0].islower()


def _heading_level(line: str, numbered_only: bool = False) -> int | None:
    """The level of a standalone short line that reads as a heading, else None."""
    words = _words(line)
    if not words or not line[0].isalnum():
        return None
    numbered = _NUMBERED.match(line)
    if numbered and words <= 9:
        return 1 + numbered.group(1).count(".") + 1
    if numbered_only or words > 12 or _SENTENCE_END.search(line) or _NOT_A_TITLE.search(line):
        return None
    letters = [c for c in line if c.isalpha()]
    return 1 if letters and all(c.isupper() for c in letters) else 2


def title_of(line: str) -> str:
    """A heading's text for heading paths: one line, without Markdown link or image syntax
    (a README's badges), else the line as written."""
    out = line
    for _ in range(2):  # a linked badge nests an image in a link
        out = _LINK.sub(lambda m: "" if m.group(0).startswith("!") else m.group(1), out)
    return " ".join(out.split()) or " ".join(line.split())


def _outline_heading(lines: list[_Line | None], i: int, stars: int) -> bool:
    """Whether the outline line ``lines[i]`` ("** Bug fixes") heads a section: a deeper star
    line follows it, or a blank line and then body text do. Otherwise it is an entry (an item)."""
    nxt = next((ln for ln in itertools.islice(lines, i + 1, None) if ln is not None), None)
    if nxt is None:
        return False
    deeper = _OUTLINE.match(nxt.raw)
    if deeper:
        return len(deeper.group(1)) > stars
    return lines[i + 1] is None


def _caps_heading(line: _Line) -> bool:
    """A man page's or RFC's section line: flush left, in capitals, a few words ("EXIT STATUS")."""
    letters = [c for c in line.text if c.isalpha()]
    return (
        line.indent == 0
        and len(letters) >= 2
        and all(c.isupper() for c in letters)
        and line.text[0].isalpha()
        and _words(line.text) <= 6
        and not _SENTENCE_END.search(line.text)
    )


def parse(text: str, wrapped: bool | None = None) -> list[Block]:
    """The blocks of ``text`` in document order (see the module docstring). ``wrapped`` says
    whether its lines are hard-wrapped, when the reader knows (a PDF's text is laid out in lines
    of the page's width, 110 characters or more on a wide page); None judges by the lines."""
    width = wrap_width(text)
    if wrapped is None:
        wrapped = 0 < width <= HARD_WRAP_WIDTH
    lines = _lines(text)
    b = _Builder(text)
    fence: str | None = None
    fence_start = 0
    explicit = False  # the document marks its headings (Markdown), so no line is promoted
    outline = bool(_OUTLINE_DEEP.search(text))  # Emacs outline / Org: "*", "**" headings
    for i, line in enumerate(lines):
        if fence is not None:
            if line is not None and line.text.startswith(fence):
                b.add(CODE, fence_start, line.end)
                fence = None
            continue
        if line is None:
            b.mark_blank()
            continue
        fenced = _FENCE.match(line.raw)
        if fenced:
            b.flush()
            fence, fence_start = fenced.group(1)[0] * 3, line.start
            continue
        atx = _ATX.match(line.raw)
        if atx:
            b.add(HEADING, line.start, line.end, len(atx.group(1)), title_of(atx.group(2)))
            explicit = explicit or line.indent == 0  # "  # echo ..." in a plain text is a prompt
            continue
        setext = _SETEXT.match(line.raw)
        if setext:
            if len(b.open) == 1 and _words(b.open[0].text) <= 15:  # "1. Definitions" too
                head = b.open[0]
                b.open = []
                level = 1 if setext.group(1)[0] == "=" else 2
                b.add(HEADING, head.start, head.end, level, title_of(head.text))
                explicit = True
            else:
                b.flush()  # a horizontal rule
            continue
        if line.text.startswith("|") and line.text.count("|") >= 2:
            if not _TABLE_SEPARATOR.match(line.text):
                b.add(ROW, line.start, line.end)
            continue
        star = _OUTLINE.match(line.raw) if outline and line.indent == 0 else None
        if star:
            stars = len(star.group(1))
            if _outline_heading(lines, i, stars):
                b.add(HEADING, line.start, line.end, stars, title_of(star.group(2)))
            else:
                b.flush()
                b.open, b.open_kind = [line], ITEM
            continue
        if (
            b.open
            and len(b.open) == 1
            and b.open_kind == TEXT
            and line.indent > 0
            and _caps_heading(b.open[0])
        ):
            head = b.open.pop()
            b.add(HEADING, head.start, head.end, 1, title_of(head.text))
        if b.open and _continues(b.open[-1], line, b.open_kind, wrapped, width):
            b.open.append(line)
            continue
        b.flush()
        b.open = [line]
        b.open_kind = ITEM if _ITEM.match(line.raw) else TEXT
    if fence is not None and lines:  # an unclosed fence runs to the end of the document
        end = max((ln.end for ln in lines if ln is not None), default=fence_start)
        b.add(CODE, fence_start, end)
    b.flush()
    return _standalone_headings(text, b.blocks, b.blank_after, numbered_only=explicit)


def _standalone_headings(
    text: str, blocks: list[Block], blank_after: list[bool], numbered_only: bool
) -> list[Block]:
    """Promote one-line text blocks that stand alone and read as headings; in a document that
    marks its headings (Markdown), only numbered section lines ("2.1. Grants")."""
    out = []
    for i, blk in enumerate(blocks):
        one_line = "\n" not in text[blk.start : blk.end]
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        alone = blank_after[i] or nxt is None or nxt.kind in (ITEM, HEADING, CODE, ROW)
        if blk.kind in (TEXT, ITEM) and one_line and alone:
            line = text[blk.start : blk.end]
            level = _heading_level(line, numbered_only)
            is_numbered_item = blk.kind == ITEM and _NUMBERED.match(line) is not None
            in_list = blk.kind == ITEM and nxt is not None and nxt.kind == ITEM
            if (
                level is not None
                and (blk.kind == TEXT or (is_numbered_item and blank_after[i]))
                and not in_list
            ):
                blk = Block(HEADING, blk.start, blk.end, level, title_of(line))
        out.append(blk)
    return out


def heading_paths(blocks: list[Block]) -> list[tuple[str, ...]]:
    """For each block, the titles of the headings it sits under (a heading includes itself)."""
    stack: list[Block] = []
    out = []
    for blk in blocks:
        if blk.kind == HEADING:
            while stack and stack[-1].level >= blk.level:
                stack.pop()
            stack.append(blk)
        out.append(tuple(" ".join(h.title.split()) for h in stack))
    return out
