"""Same questions, same text, four formats: are answers from PDF, DOCX and HTML as good as from .txt?

    python evals/formats.py                      # evals/software, dev and test splits
    python evals/formats.py --corpus licenses    # another corpus under evals/
    python evals/formats.py --split test --keep /tmp/forms   # keep the rendered corpora

Every document of an eval corpus is rendered into each format from the structure the text
pipeline reads in it (:func:`assistant.structure.parse`): headings become heading styles,
hard-wrapped lines are joined into paragraphs, list items become list paragraphs, code stays
preformatted. The words are the document's own, character for character (Markdown's inline
marks included, so an accepted answer such as "default branch is `main`" can still be found);
only the marks of the structure itself go (setext underlines, code fences and their language,
list markers: Word and HTML draw their own bullets and numbers):

* **pdf** - fpdf2, a real text layer typeset in a Unicode font (DejaVu where Debian has it, else
  Liberation, else the core Helvetica with the characters Latin-1 lacks counted as missing),
  headings in bold, bullets as "•", code in a monospaced font; long documents run to several
  pages;
* **docx** - python-docx: "Heading N" styles, "List Bullet"/"List Number"/"List" paragraphs by
  depth, code as monospaced paragraphs, one line each;
* **html** - a plain page (``<h1>``-``<h6>``, ``<p>``, ``<ul>``/``<ol>``, ``<pre>``) inside
  the chrome of a documentation site (skip link, header navigation and search, cookie banner,
  breadcrumbs, sidebar, related links, footer) that the reader must leave out.

Each form gets its own corpus folder (``manifest.json`` carries over, keyed by the new file names)
and a fresh index, and the same eval set runs against it (``assistant.evalrun``, as ``assistant
eval`` does), with each case's ``support:`` names mapped to the renamed files in memory (the YAML
is never edited). One Markdown table compares the forms; the text columns say how much of the
.txt's text each reader gave back (non-space characters, and the .txt's words found again) and
how many words it added (page chrome that leaked). For the PDF form every citation is checked to
carry a page, to round-trip (``document_text(source)[start:end] == quote``) and to start on a
page whose own text layer holds it. The cases whose correctness differs from the .txt form are
listed after the table.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import re
import shutil
import sys
import tempfile
import textwrap
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant import offline  # noqa: E402

if __name__ == "__main__":
    offline.apply()  # an entry point: before any third-party import

from assistant import Answer, Assistant, evalrun, evalset, readers, structure  # noqa: E402
from assistant.corpus import read_manifest  # noqa: E402
from assistant.evalset import EvalSet  # noqa: E402

FORMS = ("txt", "pdf", "docx", "html")
SUFFIX = {"pdf": ".pdf", "docx": ".docx", "html": ".html"}
MANIFEST = "manifest.json"

# -- the outline of a text document ---------------------------------------------------------------
HEADING, PARA, ITEM, PRE, ROW = "heading", "para", "item", "pre", "row"
_MARKER = re.compile(
    r"^\s*([-*+•▪◦·‣]|\d{1,3}[.)]|[a-zA-Z][.)]|\((?:\d{1,3}|[a-zA-Z]|[ivxlcIVXLC]{1,6})\))\s+"
)
_BULLETS = set("-*+•▪◦·‣")
_SENTENCE_END = re.compile(r"[.!?:;,][\"'”’)\]]*$")
_MD_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")


@dataclass(frozen=True)
class Node:
    kind: str  # HEADING, PARA, ITEM, PRE or ROW
    text: str  # PRE: its lines joined by "\n"; ROW: its cells joined by "\t"
    level: int = 0  # HEADING: 1 is the highest; ITEM: the depth (0 is the top)
    marker: str = ""  # ITEM: "-" for a bullet, "3." for a numbered item, else as written ("a)")

    @property
    def numbered(self) -> bool:
        return bool(re.fullmatch(r"\d{1,3}[.)]", self.marker))

    @property
    def bullet(self) -> bool:
        return self.marker == "-"


def _indent(raw: str) -> int:
    return len(raw.expandtabs(4)) - len(raw.expandtabs(4).lstrip())


def _physical_lines(text: str, start: int, end: int) -> list[str]:
    """The raw lines a block spans (from the start of its first line: indents kept)."""
    line_start = text.rfind("\n", 0, start) + 1
    return text[line_start:end].splitlines()


def _preformatted(lines: list[str], markdown: bool, base: int) -> bool:
    """A text block that is code or a command listing, not prose: kept line by line.

    ``base`` is the indent of the document's paragraphs (Debian NEWS files indent them all)."""
    body = [ln for ln in lines if ln.strip()]
    if markdown:
        return all(ln.startswith("\t") or _indent(ln) >= 4 for ln in body)  # indented code
    # In plain text an indented block is often prose (a licence's definitions) or a centred
    # title: only short lines indented a little beyond the paragraphs that do not end like a
    # sentence (commands, URLs, addresses) are a listing.
    return all(
        base < _indent(ln) <= base + 8
        and len(ln.split()) <= 8
        and not _SENTENCE_END.search(ln.rstrip())
        for ln in body
    )


def _code_line(text: str, block: structure.Block, markdown: bool) -> bool:
    """A line standing alone that the text pipeline reads as a heading but that is code: indented
    like code (a tab or 4-8 spaces: a command, a URL, a setting), not centred like a title; or,
    in a plain-text file, a command after a root prompt ("# echo ..."), not a Markdown heading."""
    raw = _physical_lines(text, block.start, block.end)[0]
    indent = _indent(raw)
    if raw.lstrip().startswith("#"):
        return not markdown
    return 4 <= indent <= 8 or (markdown and indent >= 4)


def _node(text: str, block: structure.Block, markdown: bool, base: int) -> Node:
    body = text[block.start : block.end]
    raw = _physical_lines(text, block.start, block.end)
    if block.kind == structure.HEADING and _code_line(text, block, markdown):
        return Node(PRE, textwrap.dedent("\n".join(ln.expandtabs(8).rstrip() for ln in raw)))
    if block.kind == structure.HEADING:
        return Node(HEADING, " ".join(block.title.split()), block.level)
    if block.kind == structure.CODE:
        lines = body.splitlines()[1:]  # the opening fence (and its language) is markup
        if lines and lines[-1].strip()[:3] in ("```", "~~~"):
            lines = lines[:-1]
        return Node(PRE, "\n".join(ln.expandtabs(8).rstrip() for ln in lines))
    if block.kind == structure.ROW:
        return Node(ROW, "\t".join(c.strip() for c in body.strip().strip("|").split("|")))
    if block.kind == structure.ITEM:
        m = _MARKER.match(raw[0])
        marker = m.group(1) if m else "-"
        first = raw[0][m.end() :] if m else raw[0]
        joined = " ".join(ln.strip() for ln in [first, *raw[1:]] if ln.strip())
        return Node(ITEM, joined, 0, "-" if marker in _BULLETS else marker)
    if _preformatted(raw, markdown, base):
        return Node(PRE, textwrap.dedent("\n".join(ln.expandtabs(8).rstrip() for ln in raw)))
    return Node(PARA, " ".join(ln.strip() for ln in raw if ln.strip()))


def outline(text: str, markdown: bool = False) -> list[Node]:
    """The document as the text pipeline reads it, as nodes a renderer can typeset.

    Lines of code with no blank line between them stay one preformatted block."""
    nodes: list[Node] = []
    items: list[tuple[int, int]] = []  # (node index, indent) of the current run of items
    end = 0  # where the previous block ended
    blocks = structure.parse(text)
    indents = Counter(
        _indent(_physical_lines(text, b.start, b.end)[0])
        for b in blocks
        if b.kind == structure.TEXT
    )
    base = indents.most_common(1)[0][0] if indents else 0
    for block in blocks:
        node = _node(text, block, markdown, base)
        if node.kind != ITEM and items:
            _set_depths(nodes, items)
            items = []
        between = text[end : block.start]
        if node.kind == PRE and nodes and nodes[-1].kind == PRE and between.count("\n") <= 1:
            nodes[-1] = replace(nodes[-1], text=nodes[-1].text + "\n" + node.text)
        else:
            if node.kind == ITEM:
                raw = _physical_lines(text, block.start, block.end)
                items.append((len(nodes), _indent(raw[0])))
            nodes.append(node)
        end = block.end
    if items:
        _set_depths(nodes, items)
    return nodes


def _set_depths(nodes: list[Node], items: list[tuple[int, int]]) -> None:
    """Depths of a run of list items from their indents (deeper indent, deeper level, up to 3)."""
    indents = sorted({indent for _, indent in items})
    depth = 0
    for i, indent in items:
        # an item is at most one level deeper than the one before it
        depth = min(indents.index(indent), depth + 1, 2)
        nodes[i] = replace(nodes[i], level=depth)


# -- PDF ------------------------------------------------------------------------------------------
FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".fonts",
    Path.home() / ".local/share/fonts",
    Path("/Library/Fonts"),
    Path("/System/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)
# (regular, bold, monospaced) by family, best first: DejaVu covers the most of Unicode.
FONT_FAMILIES = (
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf"),
    ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf", "LiberationMono-Regular.ttf"),
    ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSansMono-Regular.ttf"),
    ("arial.ttf", "arialbd.ttf", "cour.ttf"),
)


@dataclass(frozen=True)
class Fonts:
    regular: Path | None
    bold: Path | None
    mono: Path | None

    @property
    def name(self) -> str:
        return self.regular.stem if self.regular else "Helvetica (core, Latin-1 only)"


def find_fonts(dirs: Sequence[Path] = FONT_DIRS) -> Fonts:
    """The first font family whose three files are all installed, else the PDF core fonts."""
    found: dict[str, Path] = {}
    for d in dirs:
        if d.is_dir():
            for path in d.rglob("*.[tT][tT][fF]"):
                found.setdefault(path.name, path)
    for family in FONT_FAMILIES:
        if all(name in found for name in family):
            return Fonts(*(found[name] for name in family))
    return Fonts(None, None, None)


HEADING_SIZE = {1: 16.0, 2: 13.5, 3: 12.0}  # points by heading level; deeper ones 11


class PdfWriter:
    """Typesets an outline on A4 pages: bold headings, wrapped paragraphs, hanging list items."""

    BODY, LEADING, MONO, MONO_LEADING = 10.5, 5.2, 8.5, 4.2

    def __init__(self, fonts: Fonts, title: str):
        from fpdf import FPDF

        self.doc = FPDF(format="A4")
        self.doc.set_title(title)
        self.doc.set_creator("evals/formats.py")
        self.doc.set_margins(20, 20, 20)
        self.doc.set_auto_page_break(True, margin=20)
        self.missing: Counter[str] = Counter()
        self.core = fonts.regular is None
        if not self.core:
            self.doc.add_font("body", "", str(fonts.regular))
            self.doc.add_font("body", "B", str(fonts.bold))
            self.doc.add_font("mono", "", str(fonts.mono))
            self.family, self.mono = "body", "mono"
        else:
            self.family, self.mono = "helvetica", "courier"
        self.doc.add_page()

    def _text(self, text: str) -> str:
        """``text`` without the characters the current font has no glyph for (counted)."""
        if self.core:
            keep = [c for c in text if ord(c) < 256]
        else:
            from fpdf.fonts import TTFFont

            font = self.doc.current_font
            assert isinstance(font, TTFFont), "a Unicode font is loaded when not core"
            cmap = font.cmap
            keep = [c for c in text if ord(c) in cmap or c in "\n\t"]
        if len(keep) != len(text):
            self.missing.update(c for c in text if c not in keep)
        return "".join(keep)

    def _cell(self, height: float, text: str) -> None:
        self.doc.multi_cell(0, height, self._text(text), new_x="LMARGIN", new_y="NEXT")

    def heading(self, level: int, text: str) -> None:
        self.doc.set_font(self.family, "B", HEADING_SIZE.get(level, 11.0))
        self.doc.ln(3 if level <= 2 else 1.5)
        self._cell(HEADING_SIZE.get(level, 11.0) * 0.5, text)
        self.doc.ln(1.5)

    def paragraph(self, text: str) -> None:
        self.doc.set_font(self.family, "", self.BODY)
        self._cell(self.LEADING, text)
        self.doc.ln(2.5)

    def item(self, node: Node) -> None:
        self.doc.set_font(self.family, "", self.BODY)
        marker = ("-" if self.core else "•") if node.bullet else node.marker  # Latin-1 has no •
        self.doc.set_x(self.doc.l_margin + 6 * node.level)
        width = max(6.0, self.doc.get_string_width(marker) + 2)
        self.doc.cell(width, self.LEADING, self._text(marker))
        self._cell(self.LEADING, node.text)  # wrapped lines hang under the text, not the marker
        self.doc.ln(1)

    def pre(self, text: str) -> None:
        self.doc.set_font(self.mono, "", self.MONO)
        for line in text.splitlines() or [""]:
            self._cell(self.MONO_LEADING, line or " ")
        self.doc.ln(2.5)

    def row(self, cells: list[str]) -> None:
        self.doc.set_font(self.family, "", self.BODY)
        self._cell(self.LEADING, "    ".join(cells))

    def output(self) -> bytes:
        return bytes(self.doc.output())


def render_pdf(nodes: list[Node], title: str, fonts: Fonts) -> tuple[bytes, Counter[str]]:
    """The PDF, and the characters left out because its fonts have no glyph for them."""
    w = PdfWriter(fonts, title)
    for i, node in enumerate(nodes):
        if i and nodes[i - 1].kind == ITEM and node.kind != ITEM:
            w.doc.ln(1.5)  # a list ends with the space a paragraph ends with
        if node.kind == HEADING:
            w.heading(node.level, node.text)
        elif node.kind == PARA:
            w.paragraph(node.text)
        elif node.kind == ITEM:
            w.item(node)
        elif node.kind == PRE:
            w.pre(node.text)
        elif node.kind == ROW:
            w.row(node.text.split("\t"))
    return w.output(), w.missing


# -- DOCX -----------------------------------------------------------------------------------------
def _list_style(node: Node) -> str:
    base = "List Bullet" if node.bullet else "List Number" if node.numbered else "List"
    return base if node.level == 0 else f"{base} {node.level + 1}"


def render_docx(nodes: list[Node], title: str) -> bytes:
    import docx
    from docx.shared import Pt

    doc = docx.Document()
    doc.core_properties.title = title
    rows: list[list[str]] = []

    def flush_table() -> None:
        if not rows:
            return
        width = max(len(r) for r in rows)
        table = doc.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid" if "Table Grid" in [s.name for s in doc.styles] else None
        for r, cells in enumerate(rows):
            for c, cell in enumerate(cells):
                table.cell(r, c).text = cell
        rows.clear()

    for node in nodes:
        if node.kind != ROW:
            flush_table()
        if node.kind == HEADING:
            doc.add_heading(node.text, level=min(max(node.level, 1), 9))
        elif node.kind == PARA:
            doc.add_paragraph(node.text)
        elif node.kind == ITEM:
            # Word numbers and bullets list paragraphs itself; other markers ("a)") stay as text
            text = node.text if node.bullet or node.numbered else f"{node.marker} {node.text}"
            doc.add_paragraph(text, style=_list_style(node))
        elif node.kind == PRE:
            for line in node.text.splitlines() or [""]:
                run = doc.add_paragraph(style="No Spacing").add_run(line)
                run.font.name = "Courier New"
                run.font.size = Pt(9)
        elif node.kind == ROW:
            rows.append(node.text.split("\t"))
    flush_table()
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# -- HTML -----------------------------------------------------------------------------------------
# The page chrome of a documentation site; none of it is document text, and every phrase in it is
# looked for in the extracted text (CHROME_PHRASES) to count what leaked.
CHROME_HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} | DocsHub</title>
<meta name="description" content="{title}, mirrored on DocsHub.">
<link rel="stylesheet" href="/static/site.css">
</head>
<body>
<a class="skip-link" href="#content">Skip to main content</a>
<header class="site-header">
  <a class="logo" href="/">DocsHub</a>
  <nav aria-label="Main">
    <ul>
      <li><a href="/">Home</a></li>
      <li><a href="/projects/">Projects</a></li>
      <li><a href="/guides/">Guides</a></li>
      <li><a href="/blog/">Blog</a></li>
      <li><a href="/about/">About us</a></li>
    </ul>
  </nav>
  <form class="search" role="search" action="/search"><input type="search" name="q"
    placeholder="Search the documentation"><button>Search</button></form>
  <a class="signin" href="/login">Sign in</a>
</header>
<div class="cookie-banner" role="dialog">
  <p>We use cookies to remember your preferences and to measure traffic.
  <a href="/privacy/">Read our privacy policy</a>.</p>
  <button>Accept all cookies</button> <button>Reject non-essential</button>
</div>
<nav class="breadcrumbs" aria-label="Breadcrumb">
  <a href="/">Home</a> › <a href="/projects/">Projects</a> › <span>{title}</span>
</nav>
<div class="layout">
<aside class="sidebar">
  <h2>In this section</h2>
  <ul>
    <li><a href="/projects/getting-started/">Getting started</a></li>
    <li><a href="/projects/install/">Installation guide</a></li>
    <li><a href="/projects/faq/">Frequently asked questions</a></li>
    <li><a href="/projects/changes/">Change history</a></li>
  </ul>
</aside>
<main id="content">
<article class="document">
"""
CHROME_TAIL = """</article>
<section class="feedback">
  <h2>Was this page helpful?</h2>
  <button>Yes</button> <button>No</button>
  <p>Edit this page on GitHub · Report a problem with this page</p>
</section>
</main>
<aside class="related">
  <h2>Related pages</h2>
  <ul>
    <li><a href="/guides/packaging/">Packaging tutorial for beginners</a></li>
    <li><a href="/guides/security/">Hardening checklist for servers</a></li>
    <li><a href="/blog/release-roundup/">Monthly release roundup</a></li>
  </ul>
</aside>
</div>
<footer class="site-footer">
  <p>© 2025 DocsHub contributors. All rights reserved.</p>
  <ul>
    <li><a href="/privacy/">Privacy policy</a></li>
    <li><a href="/terms/">Terms of use</a></li>
    <li><a href="/contact/">Contact</a></li>
  </ul>
  <p>Follow us on Mastodon · Subscribe to the newsletter</p>
</footer>
<script src="/static/site.js"></script>
</body>
</html>
"""
CHROME_PHRASES = (
    "Skip to main content",
    "DocsHub",
    "About us",
    "Search the documentation",
    "Sign in",
    "We use cookies",
    "Accept all cookies",
    "In this section",
    "Installation guide",
    "Frequently asked questions",
    "Was this page helpful?",
    "Edit this page on GitHub",
    "Related pages",
    "Packaging tutorial for beginners",
    "All rights reserved",
    "Privacy policy",
    "Terms of use",
    "Follow us on Mastodon",
)


def _html_lists(items: list[Node]) -> list[str]:
    """Nested ``<ul>``/``<ol>`` for a run of items (each nested list inside its parent item)."""
    out: list[str] = []
    stack: list[str] = []

    def tag(node: Node) -> str:
        return "ol" if node.numbered else "ul"

    for node in items:
        depth = min(node.level, len(stack))
        while len(stack) > depth + 1:
            out.append(f"</li></{stack.pop()}>")
        if len(stack) == depth + 1:
            if stack[-1] != tag(node):
                out.append(f"</li></{stack.pop()}>")
            else:
                out.append("</li>")
        while len(stack) < depth + 1:
            t = tag(node)
            start = int(node.marker[:-1]) if node.numbered else 1
            attrs = f' start="{start}"' if t == "ol" and start != 1 else ""
            if t == "ul" and not node.bullet:
                attrs = ' class="plain"'  # "a)" markers are written out: no bullet glyph
            out.append(f"<{t}{attrs}>")
            stack.append(t)
        text = node.text if node.bullet or node.numbered else f"{node.marker} {node.text}"
        out.append(f"<li>{html.escape(text, quote=False)}")
    while stack:
        out.append(f"</li></{stack.pop()}>")
    return out


def render_html(nodes: list[Node], title: str) -> bytes:
    esc = html.escape
    body: list[str] = []
    i = 0
    while i < len(nodes):
        node = nodes[i]
        if node.kind in (ITEM, ROW):
            j = i
            while j < len(nodes) and nodes[j].kind == node.kind:
                j += 1
            run = nodes[i:j]
            if node.kind == ITEM:
                body += _html_lists(run)
            else:
                body.append("<table>")
                for row in run:
                    cells = "".join(f"<td>{esc(c, quote=False)}</td>" for c in row.text.split("\t"))
                    body.append(f"<tr>{cells}</tr>")
                body.append("</table>")
            i = j
            continue
        if node.kind == HEADING:
            level = min(max(node.level, 1), 6)
            body.append(f"<h{level}>{esc(node.text, quote=False)}</h{level}>")
        elif node.kind == PARA:
            body.append(f"<p>{esc(node.text, quote=False)}</p>")
        elif node.kind == PRE:
            body.append(f"<pre><code>{esc(node.text, quote=False)}</code></pre>")
        i += 1
    page = CHROME_HEAD.format(title=esc(title)) + "\n".join(body) + "\n" + CHROME_TAIL
    return page.encode("utf-8")


# -- corpora --------------------------------------------------------------------------------------
@dataclass
class Rendered:
    """One form of a corpus: its folder and the new name of each original document."""

    form: str
    folder: Path
    names: dict[str, str]  # original source -> rendered source
    missing_glyphs: Counter[str] = field(default_factory=Counter)
    fonts: str = ""


def documents(corpus: Path) -> list[str]:
    """The corpus's documents (sources relative to the folder), without its manifest."""
    return sorted(
        p.relative_to(corpus).as_posix()
        for p in corpus.rglob("*")
        if p.is_file() and p.name != MANIFEST and not p.name.startswith(".")
    )


def rendered_name(source: str, form: str) -> str:
    """``apt-NEWS.Debian.txt`` -> ``apt-NEWS.Debian.pdf``; ``README`` -> ``README.pdf``."""
    if form == "txt":
        return source
    path = Path(source)
    known = path.suffix.lower() in (".txt", ".text", *_MD_SUFFIXES)
    return (path.with_suffix("") if known else path).as_posix() + SUFFIX[form]


def render_corpus(
    corpus: Path, dest: Path, form: str, docs: Iterable[str], fonts: Fonts | None = None
) -> Rendered:
    """Write ``docs`` of ``corpus`` into ``dest`` in ``form`` (``txt``: copied byte for byte)."""
    dest.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(corpus)
    names = {source: rendered_name(source, form) for source in docs}
    if len(set(names.values())) != len(names):
        raise SystemExit(f"two documents of {corpus} would share a name as {form}")
    out = Rendered(form, dest, names)
    for source, name in names.items():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if form == "txt":
            shutil.copyfile(corpus / source, target)
            continue
        text = readers.read_file(corpus / source).text
        title = (manifest.get(source) or {}).get("title") or Path(source).stem
        nodes = outline(text, markdown=Path(source).suffix.lower() in _MD_SUFFIXES)
        if form == "pdf":
            fonts = fonts or find_fonts()
            data, missing = render_pdf(nodes, title, fonts)
            out.missing_glyphs.update(missing)
            out.fonts = fonts.name
        elif form == "docx":
            data = render_docx(nodes, title)
        elif form == "html":
            data = render_html(nodes, title)
        else:
            raise ValueError(f"unknown form {form!r}")
        target.write_bytes(data)
    entries = {names[s]: v for s, v in manifest.items() if s in names}
    (dest / MANIFEST).write_text(
        json.dumps({"documents": entries}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return out


def renamed_set(es: EvalSet, corpus: Path, names: dict[str, str]) -> EvalSet:
    """The same set against another form of its corpus: ``support:`` names mapped, in memory."""
    return replace(
        es,
        corpus=corpus,
        cases=[replace(c, support=tuple(names[s] for s in c.support)) for c in es.cases],
    )


def subset(es: EvalSet, docs: Iterable[str], unanswerable: bool = True) -> EvalSet:
    """The cases answerable from ``docs`` alone (and the unanswerable ones, if asked)."""
    keep = set(docs)
    return replace(
        es,
        cases=[
            c
            for c in es.cases
            if (c.unanswerable and unanswerable) or (c.support and set(c.support) <= keep)
        ],
    )


# -- measuring ------------------------------------------------------------------------------------
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(unicodedata.normalize("NFKC", text).lower()))


def visible(text: str) -> int:
    return sum(map(len, text.split()))


class RecordingAssistant(Assistant):
    """An Assistant that keeps every answer it gives, with its question (the PDF page checks)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.answers: list[tuple[str, Answer]] = []

    def ask(self, question: str) -> Answer:
        answer = super().ask(question)
        self.answers.append((question, answer))
        return answer


@dataclass
class PdfCheck:
    answers: int = 0  # answers with at least one citation
    citations: int = 0
    with_page: int = 0
    round_trip: int = 0
    on_page: int = 0  # the cited page's own text layer holds the quote's start
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.citations == self.with_page == self.round_trip == self.on_page


@dataclass
class FormResult:
    form: str
    runs: list[evalrun.RunResult]
    documents: int
    read_s: float  # the readers alone, over every document
    ingest_s: float  # a fresh index: read, clean, chunk, embed, store (wall clock)
    ingest_cpu_s: float  # ... CPU time of this process (all threads): steadier on a busy machine
    chars: int  # non-space characters the readers extracted
    source_chars: int  # ... in the .txt originals
    words_kept: int  # the .txt's words found again (as a multiset)
    source_words: int
    extra_words: int  # words the .txt does not have (page chrome that leaked)
    indexed: float  # share of the extracted text kept by cleaning and indexed
    chunks: int
    chrome_leaked: list[str] = field(default_factory=list)
    missing_glyphs: Counter[str] = field(default_factory=Counter)
    fonts: str = ""
    pdf: PdfCheck | None = None
    per_document: dict[str, dict[str, float]] = field(default_factory=dict)

    def total(self, name: str) -> tuple[int, int]:
        return (
            sum(r.totals[name].passed for r in self.runs),
            sum(r.totals[name].applicable for r in self.runs),
        )

    @property
    def correct(self) -> int:
        return self.total("answer_correct")[0]

    @property
    def wrong(self) -> int:
        return sum(evalrun.wrong_answers(r) for r in self.runs)

    def outcomes(self) -> dict[tuple[str, str], dict[str, bool | None]]:
        return {(r.split, c.id): c.outcomes for r in self.runs for c in r.cases}


def check_pdf_citations(a: Assistant, folder: Path) -> PdfCheck:
    """Every citation of every recorded answer: a page, a round trip, and on that very page."""
    import pypdfium2 as pdfium

    check = PdfCheck()
    pages: dict[tuple[str, int], str] = {}
    recorded: list[tuple[str, Answer]] = getattr(a, "answers", [])
    for question, answer in recorded:
        if answer.citations:
            check.answers += 1
        for c in answer.citations:
            check.citations += 1
            where = f"{question!r}: [{c.n}] {c.source}[{c.start}:{c.end}]"
            if c.page is not None:
                check.with_page += 1
            else:
                check.problems.append(f"{where} has no page")
            if a.document_text(c.source)[c.start : c.end] == c.quote:
                check.round_trip += 1
            else:
                check.problems.append(f"{where} does not round-trip")
            if c.page is None:
                continue
            key = (c.source, c.page)
            if key not in pages:
                doc = pdfium.PdfDocument(folder / c.source)
                try:
                    tp = doc[c.page - 1].get_textpage()
                    pages[key] = " ".join(tp.get_text_range().split())
                finally:
                    doc.close()
            # the part of the quote on the page it starts on (it may run on to the next one)
            offsets = a.pages(c.source) or ()
            ends = [o for o in offsets if o > c.start]
            on_page = c.quote[: ends[0] - c.start] if ends else c.quote
            head = " ".join(on_page.split())[:60]
            if head and head in pages[key]:
                check.on_page += 1
            else:
                check.problems.append(f"{where} is not on its page {c.page}")
    return check


def run_form(
    sets: list[EvalSet],
    rendered: Rendered,
    index: Path,
    originals: dict[str, str],
    progress: Callable[[str], None],
) -> FormResult:
    """A fresh index of one form, then every set against it (as ``assistant eval`` runs them)."""
    folder = rendered.folder
    t = time.perf_counter()
    texts = {s: readers.read_file(folder / name).text for s, name in rendered.names.items()}
    read_s = time.perf_counter() - t
    a = RecordingAssistant(index_dir=index, corpus_dir=folder, progress=lambda m: None)
    a.query_embedder()  # loads the model and exports the query encoder: set-up, not ingest
    t, cpu = time.perf_counter(), time.process_time()
    stats = a.ingest()
    ingest_s, ingest_cpu_s = time.perf_counter() - t, time.process_time() - cpu
    if stats.skipped:
        progress(f"{rendered.form}: skipped {stats.skipped}")
    runs = []
    for es in sets:
        result = evalrun.run(renamed_set(es, folder, rendered.names), a)
        progress(f"{rendered.form} {es.label}: {evalrun.one_line(result)}")
        runs.append(result)
    infos = {d.source: d for d in a.documents()}
    kept_num = kept_den = 0.0
    per_document: dict[str, dict[str, float]] = {}
    src_words_total = kept_total = extra_total = 0
    for source, text in texts.items():
        want, got = words(originals[source]), words(text)
        kept, extra = sum((want & got).values()), sum((got - want).values())
        src_words_total += sum(want.values())
        kept_total += kept
        extra_total += extra
        info = infos.get(rendered.names[source])
        share = info.kept_share if info and info.kept_share is not None else 1.0
        kept_num += share * visible(text)
        kept_den += visible(text)
        per_document[source] = {
            "chars": visible(text) / max(1, visible(originals[source])),
            "words_kept": kept / max(1, sum(want.values())),
            "extra_words": extra,
            "indexed": share,
        }
    all_text = "\n".join(texts.values())
    own = "\n".join(originals.values()).lower()  # a licence says "All rights reserved" itself
    return FormResult(
        form=rendered.form,
        runs=runs,
        documents=len(texts),
        read_s=read_s,
        ingest_s=ingest_s,
        ingest_cpu_s=ingest_cpu_s,
        chars=visible(all_text),
        source_chars=sum(visible(t) for t in originals.values()),
        words_kept=kept_total,
        source_words=src_words_total,
        extra_words=extra_total,
        indexed=kept_num / kept_den if kept_den else 1.0,
        chunks=stats.chunks_total,
        chrome_leaked=[
            p for p in CHROME_PHRASES if p.lower() in all_text.lower() and p.lower() not in own
        ]
        if rendered.form == "html"
        else [],
        missing_glyphs=rendered.missing_glyphs,
        fonts=rendered.fonts,
        pdf=check_pdf_citations(a, folder) if rendered.form == "pdf" else None,
        per_document=per_document,
    )


def compare(
    sets: list[EvalSet],
    workdir: Path,
    forms: Sequence[str] = FORMS,
    docs: Iterable[str] | None = None,
    progress: Callable[[str], None] = lambda m: None,
) -> list[FormResult]:
    """Render the sets' corpus in every form under ``workdir`` and run the sets against each.

    ``docs`` limits the corpus to some of its documents (pass sets already limited to the cases
    those documents answer, see :func:`subset`)."""
    corpora = {es.corpus for es in sets}
    if len(corpora) != 1:
        raise ValueError("the sets must share one corpus")
    corpus = corpora.pop()
    chosen = sorted(docs) if docs is not None else documents(corpus)
    originals = {s: readers.read_file(corpus / s).text for s in chosen}
    fonts = find_fonts() if "pdf" in forms else None
    results = []
    for form in forms:
        t = time.perf_counter()
        rendered = render_corpus(corpus, workdir / form / "corpus", form, chosen, fonts)
        progress(f"{form}: {len(chosen)} documents written in {time.perf_counter() - t:.1f} s")
        results.append(run_form(sets, rendered, workdir / form / "index", originals, progress))
    return results


# -- the report -----------------------------------------------------------------------------------
def _frac(passed: int, applicable: int) -> str:
    return f"{passed}/{applicable} ({passed / applicable:.0%})" if applicable else "n/a"


def table(results: list[FormResult]) -> str:
    lines = [
        "| form | answerable correct | unanswerable abstained | wrong | quotes verbatim "
        "| recall@k | MRR | chars vs .txt | .txt words kept | extra words | indexed | chunks "
        "| read s | ingest s (CPU s) |",
        "| --- | --- | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: |",
    ]
    for r in results:
        rrs = [c.reciprocal_rank for run in r.runs for c in run.cases]
        mrr = [x for x in rrs if x is not None]
        label = "txt (original)" if r.form == "txt" else r.form
        lines.append(
            f"| {label} | {_frac(*r.total('answer_correct'))} "
            f"| {_frac(*r.total('abstained_when_unanswerable'))} | {r.wrong} "
            f"| {_frac(*r.total('quotes_round_trip'))} | {_frac(*r.total('recall_at_k'))} "
            f"| {sum(mrr) / len(mrr) if mrr else 0:.3f} | {r.chars / max(1, r.source_chars):.1%} "
            f"| {r.words_kept / max(1, r.source_words):.1%} | {r.extra_words} "
            f"| {r.indexed:.1%} | {r.chunks} | {r.read_s:.2f} | {r.ingest_s:.0f} ({r.ingest_cpu_s:.0f}) |"
        )
    return "\n".join(lines)


def notes(results: list[FormResult]) -> list[str]:
    """The PDF citation checks, leaks, missing glyphs and the cases that differ from .txt."""
    out = []
    base = next((r for r in results if r.form == "txt"), None)
    for r in results:
        if r.pdf is not None:
            p = r.pdf
            out.append(
                f"- pdf citations: {p.citations} in {p.answers} answers; with a page "
                f"{p.with_page}/{p.citations}; `document_text(source)[start:end] == quote` "
                f"{p.round_trip}/{p.citations}; on the cited page's own text layer "
                f"{p.on_page}/{p.citations}" + ("" if p.ok else f" (problems: {p.problems[:5]})")
            )
            out.append(f"- pdf font: {r.fonts}")
        if r.missing_glyphs:
            shown = ", ".join(f"{c!r} x{n}" for c, n in r.missing_glyphs.most_common())
            out.append(f"- {r.form}: characters the font has no glyph for, left out: {shown}")
        if r.form == "html":
            leaked = ", ".join(r.chrome_leaked) if r.chrome_leaked else "none"
            out.append(f"- html page chrome phrases found in the extracted text: {leaked}")
        low = [
            f"{s} ({d['words_kept']:.1%})"
            for s, d in r.per_document.items()
            if d["words_kept"] < 0.995
        ]
        if low and r.form != "txt":
            out.append(f"- {r.form}: documents with under 99.5% of their words: {', '.join(low)}")
        if base is None or r is base:
            continue
        before, after = base.outcomes(), r.outcomes()
        flips = []
        for key, was in before.items():
            now = after.get(key, {})
            for name in ("answer_correct", "abstained_when_unanswerable"):
                if was.get(name) is not None and was.get(name) != now.get(name):
                    mark = "✔→✘" if was.get(name) else "✘→✔"
                    flips.append(f"{key[1]} ({key[0]}, {name} {mark})")
        out.append(
            f"- {r.form} vs txt: "
            + ("same outcome on every case" if not flips else "; ".join(flips))
        )
    return out


def load_sets(corpus: str, split: str) -> list[EvalSet]:
    folder = Path(corpus) if Path(corpus).is_dir() else ROOT / "evals" / corpus
    splits = evalset.SPLITS if split == "all" else (split,)
    paths = [folder / f"{s}.yaml" for s in splits if (folder / f"{s}.yaml").is_file()]
    if not paths:
        raise SystemExit(f"no eval set ({', '.join(f'{s}.yaml' for s in splits)}) in {folder}")
    return [evalset.load(p) for p in paths]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--corpus", default="software", help="a corpus under evals/ (or a folder with dev.yaml)"
    )
    ap.add_argument("--split", choices=("all", *evalset.SPLITS), default="all")
    ap.add_argument(
        "--forms", default=",".join(FORMS), help="comma-separated, from txt,pdf,docx,html"
    )
    ap.add_argument(
        "--docs", help="comma-separated documents: only these and the cases they answer"
    )
    ap.add_argument(
        "--keep", type=Path, help="render into this folder (kept) instead of a temp one"
    )
    ap.add_argument("--json", type=Path, help="also write the per-form figures and cases here")
    args = ap.parse_args(argv)
    forms = [f.strip() for f in args.forms.split(",") if f.strip()]
    unknown = set(forms) - set(FORMS)
    if unknown:
        raise SystemExit(f"unknown form(s) {', '.join(sorted(unknown))}; use {', '.join(FORMS)}")
    sets = load_sets(args.corpus, args.split)
    docs = None
    if args.docs:
        docs = [d.strip() for d in args.docs.split(",") if d.strip()]
        sets = [subset(es, docs) for es in sets]

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="formats-") as tmp:
        workdir = args.keep or Path(tmp)
        if args.keep and args.keep.exists():
            foreign = [p.name for p in args.keep.iterdir() if p.name not in FORMS]
            if foreign:
                raise SystemExit(
                    f"--keep {args.keep}: the folder holds other things ({', '.join(foreign[:5])}); "
                    "give a new or empty folder"
                )
            for form in forms:  # fresh corpora and indexes, every run
                shutil.rmtree(args.keep / form, ignore_errors=True)
        results = compare(sets, workdir, forms, docs, say)
    label = f"{sets[0].name}/{args.split}"
    cases = sum(len(es.cases) for es in sets)
    print(f"## {label}: {cases} cases, {results[0].documents} documents per form\n")
    print(table(results))
    print()
    print("\n".join(notes(results)))
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "form": r.form,
                        "runs": [run.to_json() for run in r.runs],
                        "read_s": r.read_s,
                        "ingest_s": r.ingest_s,
                        "ingest_cpu_s": r.ingest_cpu_s,
                        "chunks": r.chunks,
                        "chars_vs_txt": r.chars / max(1, r.source_chars),
                        "words_kept": r.words_kept / max(1, r.source_words),
                        "extra_words": r.extra_words,
                        "indexed": r.indexed,
                        "per_document": r.per_document,
                        "pdf_check": None if r.pdf is None else r.pdf.__dict__,
                    }
                    for r in results
                ],
                indent=2,
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )
    pdf = next((r.pdf for r in results if r.pdf is not None), None)
    return 1 if pdf is not None and not pdf.ok else 0


if __name__ == "__main__":
    sys.exit(main())
