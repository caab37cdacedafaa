"""Readers on real files (written by fpdf2 and python-docx, a saved web page) and hostile ones.

No model here: each test reads bytes and checks the exact text, pages and reasons.
"""

from __future__ import annotations

import codecs
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from assistant import corpus, readers, structure
from assistant.cleaning import clean
from assistant.readers import Reader, ReadText, Unreadable
from assistant.readers import docx as docx_reader
from assistant.texts import TextStore

from . import docgen


def reason(data: bytes, name: str) -> str:
    with pytest.raises(Unreadable) as exc:
        readers.read(data, name)
    return exc.value.reason


# -- PDF ---------------------------------------------------------------------------------------
def test_pdf_text_per_page_with_page_offsets() -> None:
    got = readers.read(docgen.pdf(docgen.PDF_PAGES, title="City works report"), "report.pdf")
    assert (got.format, got.title, len(got.pages or ())) == ("pdf", "City works report", 3)
    assert got.pages == (0, got.text.index("The harbour"), got.text.index("The museum"))
    # pages are joined by a blank line; line breaks are \n (PDFium gives \r\n)
    assert got.text[got.pages[1] - 2 : got.pages[1]] == "\n\n" and "\r" not in got.text
    start = got.text.index(docgen.PDF_ANSWER)
    assert got.page_of(start) == 2
    assert (got.page_of(0), got.page_of(len(got.text) - 1)) == (1, 3)
    # each page's words, wrapped lines joined by a space, are that page's text
    for i, page in enumerate(docgen.PDF_PAGES):
        end = got.pages[i + 1] if i + 1 < 3 else len(got.text)
        assert " ".join(got.text[got.pages[i] : end].split()) == page


LONG = (
    "The harbour bridge opened in 1932 after eight years of work. It carries eight lanes of "
    "traffic and two railway tracks across the water to the northern shore of the harbour, "
    "and a footpath on its eastern side."
)


def test_pdf_paragraphs_and_headings_on_a_page_are_blocks_of_their_own() -> None:
    blocks = [("h", "Harbour works"), ("p", LONG), ("p", "The museum was founded in 1901.")]
    got = readers.read(docgen.pdf_paragraphs(blocks), "works.pdf")
    parts = got.text.strip("\n").split("\n\n")
    assert [" ".join(p.split()) for p in parts] == [text for _, text in blocks]
    assert "\n" in parts[1]  # the wrapped lines of a paragraph stay one block
    # a paragraph's lines are not cut apart when the text is double-spaced, or set with no
    # space between paragraphs at all (then nothing tells them apart: one block, as before)
    for leading, space in ((12, 0), (6, 0)):
        pdf = docgen.pdf_paragraphs([("p", LONG), ("p", LONG)], leading=leading, space=space)
        text = readers.read(pdf, "dense.pdf").text
        assert "\n\n" not in text.strip() and text.count("\n") >= 4, (leading, space)


def test_pdf_lines_wider_than_a_text_file_s_still_join_into_one_paragraph() -> None:
    """A PDF's lines are laid out to the page's width (here 105 characters, wider than hard-
    wrapped text files use), so a line break before a capital does not end the paragraph."""
    from fpdf import FPDF

    text = (
        "The Harbour Board Of The City Of Northport Approved The New Ferry Timetable For The "
        "Summer Season After Long Talks With The Union Of Ferry Workers And The Chamber Of "
        "Commerce Of The Old Town District. The Timetable Starts In May."
    )
    doc = FPDF()
    doc.add_page()
    doc.set_font("Helvetica", "", 9)
    doc.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    got = readers.read(bytes(doc.output()), "ferries.pdf")
    assert got.wrapped and "With The\nUnion" in got.text and structure.wrap_width(got.text) > 100
    (block,) = [b for run in clean(got.text, got.wrapped).runs for b in run]
    assert " ".join(got.text[block.start : block.end].split()) == text
    assert len(clean(got.text).runs[0]) == 2  # judged by width alone, it would be cut there


def test_pdf_words_hyphenated_at_a_line_end_are_whole_again() -> None:
    """PDFium gives a line-end hyphen as U+FFFE and no line break ("imple<U+FFFE>ments"): the
    word is joined, or keeps its hyphen where the document writes it so elsewhere."""
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.set_font("Helvetica", size=12)
    doc.multi_cell(
        0,
        8,
        "The daemon runs as a non-root user and it imple-\nments the whole range of "
        "options, as non-\nroot daemons do.",
    )
    got = readers.read(bytes(doc.output()), "daemon.pdf")
    assert got.text == (
        "The daemon runs as a non-root user and it implements the whole range of options, "
        "as non-root daemons do.\n"
    )


def test_pdf_without_text_layer_encrypted_or_damaged_is_refused_with_the_reason() -> None:
    assert reason(docgen.image_only_pdf(), "scan.pdf") == (
        "no text layer (1 page(s) of images: a scan or an image-only PDF); run OCR on it first "
        "(e.g. ocrmypdf) to index it"
    )
    assert reason(docgen.encrypted_pdf(), "salaries.pdf") == (
        "encrypted PDF (it needs a password); save a copy without one"
    )
    good = docgen.pdf(docgen.PDF_PAGES)
    assert reason(good[: len(good) // 3], "cut.pdf").startswith("damaged or not a PDF")
    assert reason(b"%PDF-1.4\nnot really", "fake.pdf").startswith("damaged or not a PDF")


# -- DOCX --------------------------------------------------------------------------------------
def test_docx_headings_paragraphs_lists_and_tables_in_order() -> None:
    got = readers.read(docgen.docx(), "museum.docx")
    assert (got.format, got.title, got.pages) == ("docx", "Museum guide", None)
    assert got.text == (
        "# Museum guide\n\n# History\n\nThe museum was founded by Ada Lin in 1901.\n\n"
        "- Ancient maps of the coast\n- A collection of ship models\n\n## Opening hours\n\n"
        "| Day | Hours |\n| Monday | Closed |\n| Sunday | 10-16 |\n\n"
        "Entry is free for children under twelve.\n"
    )


def test_hostile_docx_files_are_refused_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    assert reason(docgen.zip_renamed(), "report.docx") == (
        "not a Word document (a zip file with no word/document.xml)"
    )
    assert reason(b"\xd0\xcf\x11\xe0 an old .doc", "old.docx") == (
        "not a Word document (not a zip package; an old .doc must be saved as .docx)"
    )
    monkeypatch.setattr(docx_reader, "MAX_UNPACKED", 10_000)  # a zip bomb, scaled down
    assert "over the 0 MB safety limit" in reason(docgen.docx(), "bomb.docx")
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("word/document.xml", "<w:document>not xml")
    assert reason(broken.getvalue(), "broken.docx").startswith("damaged Word document")


# -- HTML --------------------------------------------------------------------------------------
CHROME = [
    "cookies",
    "Accept all",
    "Skip to content",
    "Subscribe",
    "Sign in",
    "Obituaries",
    "Share on Facebook",
    "4 min read",
    "Related articles",
    "Ferry timetable",
    "Leave a Reply",
    "email address will not be published",
    "Most popular",
    "Celebrity chef",
    "Newsletter",
    "Advertisement",
    "Privacy policy",
    "Follow us",
    "All rights reserved",
    "Tags:",
    "dataLayer",
]


def test_saved_web_page_keeps_the_article_and_drops_the_page_chrome() -> None:
    got = readers.read(docgen.SAVED_PAGE.read_bytes(), docgen.SAVED_PAGE.name)
    assert (got.format, got.title) == ("html", "Harbour bridge turns ninety: how it was built")
    for chrome in CHROME:
        assert chrome.lower() not in got.text.lower(), chrome
    assert got.text.startswith(
        "# Harbour bridge turns ninety: how it was built\n\n"
        "The harbour bridge opened in 1932 after eight years of work. It carries eight lanes"
    )  # the article's own heading, without its byline and date
    for line in [
        "## Construction",
        "- Six million rivets hold the arch together.",
        "| Arch span | 503 metres |",
        "## Maintenance",
    ]:
        assert f"\n{line}\n" in got.text, line
    assert "\n\n- The steel was made in Middlesbrough and shipped in pieces.\n- The granite" in (
        got.text
    )


TEXINFO_PAGE = b"""<!DOCTYPE html>
<html><head><title>Tool manual</title><meta name="generator" content="makeinfo"></head><body>
<div class="top-level-extent" id="Top">
<div class="nav-panel"><p>Next: <a href="#Invoking">Invoking</a> [<a href="#SEC_Contents">Contents</a>][<a
 href="#Index">Index</a>]</p></div>
<h1 class="top" id="Top-1">Tool</h1>
<p>This manual documents the tool, which counts the words of files.</p>
<div class="region-contents" id="SEC_Contents"><h2 class="contents-heading">Table of Contents</h2>
<ul class="toc-numbered-mark"><li><a href="#Invoking">1 Invoking the tool</a></li>
<li><a href="#Exit">2 Exit status</a></li></ul></div>
<hr>
<div class="chapter-level-extent" id="Invoking">
<div class="nav-panel"><p>Next: <a href="#Exit">Exit status</a>, Previous: <a href="#Top">Tool</a>, Up:
 <a href="#Top">Tool</a> [<a href="#SEC_Contents">Contents</a>]</p></div>
<h2 class="chapter" id="Invoking-the-tool">1 Invoking the tool<a class="copiable-link"
 href="#Invoking-the-tool"> &para;</a></h2>
<p>The tool reads each file named on its command line and prints how many words it holds.</p>
<dl class="table">
<dt><code class="code">-l</code></dt>
<dt><code class="code">--lines</code></dt>
<dd><p>Count lines instead of words, as the <code>wc</code> command does.</p></dd>
<dt><code class="code">--limit=<var class="var">n</var></code></dt>
<dd><p>Stop after <var>n</var> files have been read; the default is no limit at all.</p>
<pre class="example">tool --limit=3 *.txt</pre></dd>
</dl>
</div>
<div class="chapter-level-extent" id="Exit">
<h2 class="chapter">2 Exit status</h2>
<p>The exit status is zero when every file was read, and one otherwise.</p>
</div></div></body></html>"""

DOCBOOK_PAGE = b"""<html><head><title>2. Configuration</title></head><body>
<div class="navheader"><table width="100%"><tr><th colspan="3">2. Configuration</th></tr>
<tr><td><a href="ch01.html">Prev</a></td><td></td><td><a href="ch03.html">Next</a></td></tr>
</table><hr></div>
<div class="chapter"><div class="titlepage"><div><div><h2 class="title"><a name="config"></a>2.
 Configuration</h2></div></div></div>
<p>The server reads its settings from one file when it starts, and again on a hangup signal.</p>
<div class="section"><div class="titlepage"><div><div><h3 class="title"><a name="port"></a>2.1.
 Listening port</h3></div></div></div>
<p>By default the server listens on port 8080; the <code class="option">port</code> setting
 changes it.</p>
<div class="table"><p class="title"><b>Table 2.1. Settings</b></p><table border="1">
<tr><th>Setting</th><th>Default</th></tr>
<tr><td>port</td><td>8080</td></tr><tr><td>workers</td><td>four per core</td></tr></table></div>
</div></div>
<div class="navfooter"><hr><table width="100%"><tr><td><a href="ch01.html">Prev</a></td>
<td><a href="index.html">Home</a></td><td><a href="ch03.html">Next</a></td></tr></table></div>
</body></html>"""

SPHINX_PAGE = b"""<!DOCTYPE html><html><head><title>Quickstart - Widget 2.0</title></head><body>
<div class="related" role="navigation"><h3>Navigation</h3><ul><li><a href="genindex.html">index</a>
</li><li><a href="api.html">next</a> |</li></ul></div>
<div class="document"><div class="documentwrapper"><div class="body" role="main">
<section id="quickstart"><h1>Quickstart<a class="headerlink" href="#quickstart">&#182;</a></h1>
<p>Widget turns a folder of pictures into a printable catalogue in a few seconds.</p>
<section id="install"><h2>Installing<a class="headerlink" href="#install">&#182;</a></h2>
<p>Install it with pip, which fetches the wheel for your platform:</p>
<div class="highlight-console"><div class="highlight"><pre><span></span>$ pip install widget
</pre></div></div>
<p>Widget needs Python 3.9 or newer and about forty megabytes of disk space.</p>
<ul class="simple"><li><p>Pictures may be JPEG, PNG or WebP files.</p></li>
<li><p>A catalogue holds at most five hundred pictures.</p></li></ul>
</section></section></div></div>
<div class="sphinxsidebar" role="navigation"><h3>Quick search</h3><p>Enter search terms.</p></div>
</div>
<div class="footer">&#169;2024, The Widget authors. Created using <a href="https://sphinx-doc.org/">
Sphinx</a>.</div>
</body></html>"""


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (
            TEXINFO_PAGE,
            "# Tool\n\nThis manual documents the tool, which counts the words of files.\n\n"
            "## 1 Invoking the tool\n\nThe tool reads each file named on its command line and "
            "prints how many words it holds.\n\n"
            "- -l, --lines: Count lines instead of words, as the wc command does.\n"
            "- --limit=n: Stop after n files have been read; the default is no limit at all.\n\n"
            "```\ntool --limit=3 *.txt\n```\n\n## 2 Exit status\n\n"
            "The exit status is zero when every file was read, and one otherwise.\n",
        ),
        (
            DOCBOOK_PAGE,
            "## 2. Configuration\n\nThe server reads its settings from one file when it starts, "
            "and again on a hangup signal.\n\n### 2.1. Listening port\n\nBy default the server "
            "listens on port 8080; the port setting changes it.\n\nTable 2.1. Settings\n\n"
            "| Setting | Default |\n| port | 8080 |\n| workers | four per core |\n",
        ),
        (
            SPHINX_PAGE,
            "# Quickstart\n\nWidget turns a folder of pictures into a printable catalogue in a "
            "few seconds.\n\n## Installing\n\nInstall it with pip, which fetches the wheel for "
            "your platform:\n\n```\n$ pip install widget\n```\n\nWidget needs Python 3.9 or "
            "newer and about forty megabytes of disk space.\n\n- Pictures may be JPEG, PNG or "
            "WebP files.\n- A catalogue holds at most five hundred pictures.\n",
        ),
    ],
    ids=["texinfo", "docbook", "sphinx"],
)
def test_html_manuals_keep_headings_and_definitions_and_drop_navigation(
    page: bytes, expected: str
) -> None:
    """Generated manuals: headings inside title divisions or with a self-link, a definition
    list as "term: definition" items, code and tables kept; navigation panels, a table of
    contents, sidebars and the footer left out."""
    assert readers.read(page, "manual.html").text == expected


def test_html_text_the_walk_cannot_follow_is_kept_from_trafilatura() -> None:
    para = "The harbour bridge opened in 1932 after eight years of work, said the city archive."
    page = f"<html><body><template><p>{para}</p><p>{para}</p></template><p>Hi.</p></body></html>"
    assert para in readers.read(page.encode(), "odd.html").text


def test_html_with_no_main_text_is_refused() -> None:
    page = b"<html><head><title>x</title></head><body><nav><a href='/'>Home</a></nav></body></html>"
    assert reason(page, "menu.html") == (
        "no main text found in the page (trafilatura extracted nothing)"
    )


# -- reStructuredText --------------------------------------------------------------------------
def test_rst_structure_and_no_file_inclusion(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("TOP SECRET PASSWORD", encoding="utf-8")
    (tmp_path / "docs").mkdir()
    path = tmp_path / "docs" / "harbour.rst"
    path.write_text(docgen.RST, encoding="utf-8")
    got = readers.read_file(path)
    assert (got.format, got.title) == ("rst", "Harbour guide")
    assert got.text == (
        "# Harbour guide\n\nThe harbour has two lighthouses and a ferry terminal.\n\n## Ferries\n\n"
        "- The first ferry leaves at six in the morning.\n- The last ferry leaves at midnight.\n\n"
        "1. Buy a ticket.\n2. Board at pier three.\n\nTimetable:\n\n"
        "```\n06:00  Northern shore\n00:00  Northern shore\n```\n\n"
        "| Pier | Service |\n| One | Cargo |\n| Three | Ferries |\n\n"
        "Note: The terminal closes on public holidays.\n"
    )
    assert "SECRET" not in got.text


def test_rst_keeps_the_source_of_directives_docutils_does_not_know() -> None:
    got = readers.read(b"Intro.\n\n.. versionadded:: 2.0\n   The ferry app.\n", "x.rst")
    assert "Intro." in got.text


# -- plain text, encodings, names --------------------------------------------------------------
def test_utf8_text_and_markdown_stay_byte_identical() -> None:
    raw = "\ufeffTitle\r\n\r\nCaf\u00e9 \u2014 \u201cquoted\u201d.\r\nNext line.\n".encode()
    for name, fmt in [("a.txt", "text"), ("b.md", "markdown"), ("c.markdown", "markdown")]:
        got = readers.read(raw, name)
        assert (got.text, got.format, got.pages) == (raw.decode("utf-8"), fmt, None)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Caf\u00e9 cr\u00e8me", "latin-1"),
        (
            "Le caf\u00e9 est ouvert depuis 1901. La cr\u00e8me br\u00fbl\u00e9e co\u00fbte cinq euros.\n",
            "latin-1",
        ),
        ("\u201cQuoted\u201d text \u2014 with a dash and \u20ac5.\n", "cp1252"),
        ("Der M\u00fcller \u00e4rgert sich \u00fcber die Stra\u00dfe.\n", "cp1252"),
        (
            "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440. \u042d\u0442\u043e \u0442\u0435\u043a\u0441\u0442 \u043e \u0433\u043e\u0440\u043e\u0434\u0435.\n",
            "cp1251",
        ),
        ("Hello in UTF-16 with a byte-order mark.\n", "utf-16"),
    ],
)
def test_text_in_common_encodings_is_decoded(text: str, encoding: str) -> None:
    assert readers.read(text.encode(encoding), "notes.txt").text.lstrip("\ufeff") == text


def test_files_with_no_extension_are_read_by_content() -> None:
    for name in ["README", "NEWS", "CHANGELOG", "LICENSE", "COPYING"]:
        got = readers.read(b"Version 2.0\n\nThe ferry app now shows delays.\n", name)
        assert got.format == "text", name
    assert readers.read(docgen.pdf(["A PDF saved without its extension."]), "report").format == (
        "pdf"
    )
    assert reason(b"\x7fELF\x02\x01\x01\x00\x00\x00binary", "ferry-app") == (
        "unsupported file type (no extension, and not text)"
    )
    assert (
        readers.reader_for("README", codecs.BOM_UTF16_LE + "hi".encode("utf-16-le"))
        is (readers.READERS[0])
    )


def test_empty_unsupported_and_binary_files_are_refused_with_the_reason() -> None:
    assert reason(b"", "empty.txt") == "empty file"
    assert reason(b"  \n\t\n", "blank.md") == "empty file"
    assert reason(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "logo.png") == (
        "unsupported file type (.png)"
    )
    assert reason(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary.txt") == (
        "binary file (contains NUL bytes)"
    )
    assert reason(b"<html><body></body></html>", "blank.html").startswith("no main text")


def test_a_reader_is_one_small_class(monkeypatch: pytest.MonkeyPatch) -> None:
    class CsvReader(Reader):
        format = "csv"
        extensions = (".csv",)

        def read(self, data: bytes, name: str) -> ReadText:
            rows = [line.split(",") for line in data.decode("utf-8").splitlines()]
            return ReadText("\n".join("| " + " | ".join(r) + " |" for r in rows), self.format)

    monkeypatch.setattr(readers, "READERS", list(readers.READERS))
    monkeypatch.setattr(readers, "SUPPORTED", readers.SUPPORTED)
    assert ".csv" not in readers.SUPPORTED
    readers.register(CsvReader())
    assert ".csv" in readers.SUPPORTED
    assert readers.read(b"pier,service\none,cargo\n", "piers.csv").text == (
        "| pier | service |\n| one | cargo |"
    )


def test_a_crashing_reader_gives_a_reason_not_an_exception(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Broken(Reader):
        format = "broken"
        extensions = (".brk",)

        def read(self, data: bytes, name: str) -> ReadText:
            raise IndexError("list index out of range")

    monkeypatch.setattr(readers, "READERS", [Broken(), *readers.READERS])
    assert reason(b"x", "a.brk") == (
        "damaged or unreadable broken file (IndexError: list index out of range)"
    )


# -- the corpus folder -------------------------------------------------------------------------
def test_discover_names_links_out_and_large_files_and_skips_hidden_ones(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("TOP SECRET", encoding="utf-8")
    root = tmp_path / "docs"
    (root / ".git").mkdir(parents=True)
    (root / ".git" / "config").write_text("[core]", encoding="utf-8")
    (root / ".DS_Store").write_bytes(b"\x00\x01")
    (root / "manifest.json").write_text('{"documents": {}}', encoding="utf-8")
    (root / "a.txt").write_text("A document.", encoding="utf-8")
    (root / "big.txt").write_bytes(b"x" * (2 * 2**20 + 1))
    os.symlink("../secret.txt", root / "escape.txt")  # a name that resolves through ../
    os.symlink(root / "a.txt", root / "alias.txt")  # a link inside the folder is fine
    found, skipped = corpus.discover(root, max_mb=2)
    assert [p.name for p in found] == ["a.txt", "alias.txt"]
    assert {s.source: s.reason for s in skipped} == {
        "big.txt": "too large (2.0 MB; the limit is 2 MB: set ASSISTANT_MAX_FILE_MB to raise it)",
        "escape.txt": "a link to a file outside the corpus folder",
    }
    assert corpus.inside(root, "../secret.txt") is None
    assert corpus.inside(root, "escape.txt") is None
    assert corpus.inside(root, "a.txt") == root / "a.txt"


# -- stored texts ------------------------------------------------------------------------------
def test_text_store_round_trips_exactly_and_forgets_unused_texts(tmp_path: Path) -> None:
    store = TextStore(tmp_path / "texts")
    text = "Line one\r\nline two\n\u00e9\u4e2d\n"
    a, b = "a" * 64, "b" * 64
    meta = store.put(a, ReadText(text, "pdf", (0, 10), "T"), 0.9, False)
    store.put(b, ReadText("other", "text"), 1.0, False)
    assert store.text(a) == text and store.meta(a) == meta
    assert (meta.pages, meta.title, meta.chars) == ((0, 10), "T", len(text))
    assert not [p for p in (tmp_path / "texts").iterdir() if p.name.endswith(".tmp")]
    (tmp_path / "texts" / f"{a}.txt").write_bytes(b"truncated")
    assert store.text(a) is None  # not the length recorded: never served
    assert store.keep({b}) == 1
    assert sorted(p.name for p in (tmp_path / "texts").iterdir()) == [f"{b}.json", f"{b}.txt"]
    with pytest.raises(ValueError):
        store.meta("../../etc/passwd")


@pytest.mark.slow  # every reader imported in a fresh interpreter
def test_readers_make_no_network_attempt(tmp_path: Path) -> None:
    """Every format read in a fresh interpreter under a socket guard (trafilatura included)."""
    files = {
        "a.pdf": docgen.pdf(docgen.PDF_PAGES),
        "b.docx": docgen.docx(),
        "c.html": docgen.SAVED_PAGE.read_bytes(),
        "d.rst": docgen.RST.encode(),
        "e.txt": "Caf\u00e9".encode("latin-1"),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    log = tmp_path / "network.log"
    code = (
        "import sys, tests.netguard as g; g.install(sys.argv[1], loopback=False)\n"
        "from assistant import readers\n"
        "for p in sys.argv[2:]: print(readers.read_file(p).format)\n"
    )
    repo = Path(__file__).resolve().parents[1]
    res = subprocess.run(
        [sys.executable, "-c", code, str(log), *(str(tmp_path / n) for n in sorted(files))],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.split() == ["pdf", "docx", "html", "rst", "text"]
    assert not log.exists(), log.read_text()
