"""Page chrome removal for web captures, and the article text of any document as structural blocks.

:func:`clean` is the entry point. A document is first read as structure
(:mod:`assistant.structure`). Only a file that *looks like a web capture* - page-chrome
vocabulary ("cookies", "privacy policy", "sign in", "subscribe", "follow us", "share this",
"leave a reply"...) on at least three lines - has chrome removed; every other document (a
licence, a README, a changelog, a manual) keeps all of its blocks, headings included.

In a web capture the rule works on *logical lines* and uses only signals that carry over to
other captures, never a per-file list:

1. Tail markers ("LEAVE A REPLY", "Comments (3)", "Related News", "About the Creator"...) in the
   second half of a page end the article: they and everything after are chrome.
2. A boilerplate vocabulary (cookies, privacy policy, all rights reserved, sign in, hotlines,
   licence numbers, e-mail addresses, URLs, "Follow us"...) marks a line as chrome.
3. A line that occurs twice in a page (photo captions, repeated nav) is chrome, every copy.
4. Photo credits ("/CFP", "(CFP Photo)", "Alamy Stock Photo", "via Wikimedia", "Video: BBC.") are
   chrome, and so is the caption line directly above a credit line.
5. Nav: bullet items of a few words and pipe-separated lists.
6. What is left is kept when it reads as prose: at least six words ending in sentence punctuation,
   or at least fifteen words. A shorter sentence is kept when the lines around it are prose.

A heading of a web capture is kept when it is not chrome by rules 2-5 and the block after it is
kept prose (a headline or section title, not a menu entry or a caption). The output is spans into the original text; nothing is rewritten. All
patterns are linear-time on any line length.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from . import structure
from .structure import Block

_TERMINAL = re.compile(r"[.!?…:;][\"'”’)\]]*$")
_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*", re.UNICODE)

_TAIL_MARKERS = re.compile(
    r"^(leave a (reply|comment)|comments?( \(\d+\))?|\d+ comments?|related( news| articles| stories"
    r"| posts)?|must read|more from .{0,40}|you may also like|read (more|next)|recommended"
    r"( for you)?|about the (author|creator)|share this( article| story)?|reader insights"
    r"|trending( now)?|most popular|latest news)$",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    r"cookie|privacy policy|terms (of|and) (use|service|conditions)|all rights reserved|©|\(c\) \d{4}"
    r"|copyright \d{4}|subscribe|newsletter|sign (in|up) (to|for|with)|^sign in|log in to"
    r"|follow us|follow @|share (this|on)|leave a (reply|comment)|enter your (comment|name|e-?mail)"
    r"|be the first to|min read|published \d+ \w+ ago|\d+ (minutes?|hours?|days?|months?|years?) ago$"
    r"|hotline|licen[cs]e (no|number)|许可证|choose your language|select (your )?language"
    r"|advertisement|skip to (main )?content|(?<![\w.+-])[\w.+-]{1,64}@[\w-]+\.\w|https?://|www\.",
    re.IGNORECASE,
)
_CREDIT_TAIL = re.compile(
    r"(/\s*[A-Z][A-Za-z]{1,15}|\((?:[A-Z][A-Za-z]*\s*)?Photos?\)|\([A-Z]{2,6}\))\s*$"
)
_CREDIT_LINE = re.compile(
    r"(stock photo|getty images|shutterstock|via wikimedia|wikimedia commons|reuters|\bafp\b"
    r"|\bap photo|photo:|image:|credit:|^(video|photo|image|source)s?:\s)",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*([•·▪◦*+-]|\d+[.)])\s+")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Line:
    start: int  # stripped span of the logical line
    end: int
    text: str

    @property
    def words(self) -> int:
        return len(_WORD.findall(self.text))


def logical_lines(text: str) -> list[Line | None]:
    """Stripped logical lines; ``None`` marks a blank line (a paragraph break)."""
    out: list[Line | None] = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        stripped = body.strip()
        if not stripped:
            out.append(None)
        else:
            start = pos + (len(body) - len(body.lstrip()))
            end = start + len(stripped)
            prev = out[-1] if out else None
            if (
                prev is not None
                and not _TERMINAL.search(prev.text)
                and stripped[0].islower()
                and not _BULLET.match(stripped)
            ):
                out[-1] = Line(prev.start, end, text[prev.start : end])  # hard-wrapped continuation
            else:
                out.append(Line(start, end, stripped))
        pos += len(raw)
    return out


def _norm(s: str) -> str:
    return " ".join(s.split()).lower()


def _is_credit_line(line: Line) -> bool:
    """A standalone credit ("Renaud Rebardy/Alamy Stock Photo", "Video: BBC.")."""
    if line.words <= 8 and not _TERMINAL.search(line.text) and _CREDIT_LINE.search(line.text):
        return True
    return bool(re.match(r"^(video|photo|image|source)s?:\s", line.text, re.IGNORECASE))


def _is_captioned(line: Line) -> bool:
    """A caption that carries its credit at the end ("... January 29, 2025. /CFP")."""
    return bool(_CREDIT_TAIL.search(line.text)) and line.words <= 40


_KEEP, _DROP, _SHORT = "keep", "drop", "short"


def _is_chrome(line: Line, copies: int) -> bool:
    """Rules 2-5 of the module docstring, for one line."""
    t = line.text
    return (
        copies > 1
        or _is_credit_line(line)
        or _is_captioned(line)
        or (line.words < 40 and bool(_BOILERPLATE.search(t)))
        or (bool(_BULLET.match(t)) and line.words < 12)
        or ("|" in t and line.words < 25)
    )


def _classify(text: str) -> list[Line | None]:
    lines = logical_lines(text)
    counts: dict[str, int] = {}
    for line in lines:
        if line is not None:
            counts[_norm(line.text)] = counts.get(_norm(line.text), 0) + 1

    verdict: dict[int, str] = {}
    tail_from = None
    for i, maybe in enumerate(lines):
        if maybe is None:
            continue
        if maybe.start > len(text) // 2 and _TAIL_MARKERS.match(maybe.text.strip(" :")):
            tail_from = i
            break
    for i, ln in enumerate(lines):
        if ln is None:
            continue
        t = ln.text
        if (tail_from is not None and i >= tail_from) or _is_chrome(ln, counts[_norm(t)]):
            v = _DROP
        elif ln.words >= 15 or (ln.words >= 6 and _TERMINAL.search(t)):
            v = _KEEP
        elif _TERMINAL.search(t) and ln.words >= 2:
            v = _SHORT
        else:
            v = _DROP
        verdict[i] = v

    # A caption sits directly above its credit line (no blank line between), and image alt text
    # (no sentence punctuation) directly above a caption.
    def credit_at(j: int) -> bool:
        ln = lines[j] if j < len(lines) else None
        return ln is not None and _is_credit_line(ln)

    for i in range(len(lines) - 2, -1, -1):
        here, below = lines[i], lines[i + 1]
        if here is None or below is None:
            continue
        above_caption = _is_captioned(below) or credit_at(i + 2)
        if credit_at(i + 1) or (above_caption and not _TERMINAL.search(here.text)):
            verdict[i] = _DROP

    # A short sentence between two prose lines is prose.
    order = [i for i, ln in enumerate(lines) if ln is not None]
    for k, i in enumerate(order):
        if verdict[i] != _SHORT:
            continue
        before = verdict[order[k - 1]] if k > 0 else _DROP
        after = verdict[order[k + 1]] if k + 1 < len(order) else _DROP
        verdict[i] = _KEEP if before == _KEEP and after == _KEEP else _DROP

    return [ln if ln is not None and verdict[i] == _KEEP else None for i, ln in enumerate(lines)]


_WEB_CHROME = re.compile(
    r"(use of|accept|our) cookies|cookie (policy|settings)|privacy policy|terms of (use|service)"
    r"|^sign (in|up)\b|subscribe|newsletter"
    r"|follow us|share (this|on)|leave a (reply|comment)|enter your (comment|name|e-?mail)"
    r"|skip to (main )?content|advertisement|related (news|articles|stories|posts)|most popular"
    r"|choose your language|select (your )?language|\d+ min read|hotline|stock photo|getty images"
    r"|shutterstock|\((?:[A-Z][A-Za-z]*\s*)?photos?\)|/\s*(?:CFP|AFP|AP|Reuters|Xinhua)\b"
    r"|^(?:video|photo|image)s?:\s",
    re.IGNORECASE,
)
_NOT_TEXT = re.compile(r"[\W_]+")
_MARKDOWN = re.compile(r"^\s{0,3}(#{1,6}\s|```|~~~)", re.MULTILINE)
WEB_CAPTURE_MIN_LINES = 3
SHORT_LINE_CHARS = 400  # chrome lines are short; longer ones are never searched for it


def looks_like_web_capture(text: str) -> bool:
    """Text (not Markdown) with page-chrome vocabulary or
    photo credits on at least three distinct short lines."""
    if _MARKDOWN.search(text):
        return False
    hits = set()
    for line in text.splitlines():
        if len(line) <= SHORT_LINE_CHARS and len(line.split()) <= 40 and _WEB_CHROME.search(line):
            hits.add(_norm(line))
            if len(hits) >= WEB_CAPTURE_MIN_LINES:
                return True
    return False


@dataclass(frozen=True)
class Cleaned:
    """The blocks kept, in runs with no chrome between them (a chunk never crosses a run)."""

    runs: list[list[Block]]
    web_capture: bool
    kept_chars: int  # letters and digits in kept blocks
    total_chars: int  # letters and digits in the document (rules and box lines are not text)

    @property
    def kept_share(self) -> float:
        return self.kept_chars / self.total_chars if self.total_chars else 1.0


def _visible(text: str) -> int:
    """Letters and digits: a ``=====`` underline or a ``*`` box border left out of every block
    is not text lost."""
    return len(text) - sum(map(len, _NOT_TEXT.findall(text)))


def clean(text: str, wrapped: bool | None = None) -> Cleaned:
    """The structural blocks of ``text`` that are document text (see the module docstring);
    ``wrapped`` as for :func:`structure.parse`."""
    blocks = structure.parse(text, wrapped)
    total = _visible(text)
    if not looks_like_web_capture(text):
        kept = sum(_visible(text[b.start : b.end]) for b in blocks)
        return Cleaned([blocks] if blocks else [], False, kept, total)
    kept_lines = [ln for ln in _classify(text) if ln is not None]
    spans = [(ln.start, ln.end) for ln in kept_lines]
    starts = [s for s, _ in spans]

    def pieces(b: Block) -> list[Block]:
        """The parts of ``b`` on kept logical lines (a dropped line inside a block cuts it)."""
        i = bisect.bisect_right(starts, b.end) - 1
        out = []
        while i >= 0 and spans[i][1] > b.start:
            s, e = max(spans[i][0], b.start), min(spans[i][1], b.end)
            if s < e:
                out.append(Block(b.kind, s, e, b.level, b.title))
            i -= 1
        return out[::-1]

    copies: dict[str, int] = {}
    for ln in logical_lines(text):
        if ln is not None:
            copies[_norm(ln.text)] = copies.get(_norm(ln.text), 0) + 1
    runs: list[list[Block]] = []
    current: list[Block] = []

    def cut() -> None:
        nonlocal current
        if current:
            runs.append(current)
        current = []

    for i, b in enumerate(blocks):
        if b.kind == structure.HEADING:
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            line = Line(b.start, b.end, text[b.start : b.end])
            keep = (
                nxt is not None
                and nxt.kind == structure.TEXT
                and bool(pieces(nxt))
                and pieces(nxt)[0].start == nxt.start
                and not _is_chrome(line, copies.get(_norm(line.text), 1))
            )
            parts = [b] if keep else []
        else:
            parts = pieces(b)
        if not parts:
            cut()
            continue
        for k, part in enumerate(parts):
            gap = text[(parts[k - 1].end if k else b.start) : part.start]
            if gap.strip():
                cut()
            current.append(part)
        if text[parts[-1].end : b.end].strip():
            cut()
    cut()
    kept = sum(_visible(text[b.start : b.end]) for run in runs for b in run)
    return Cleaned(runs, True, kept, total)
