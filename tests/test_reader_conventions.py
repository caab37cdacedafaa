"""Readers on files as packages ship them: documentation names with a suffix that is not a file
type, formatted quotes in web pages, a reStructuredText table of contents."""

from __future__ import annotations

import pytest

from assistant import readers
from assistant.readers import Unreadable


@pytest.mark.parametrize(
    "name",
    [
        "changelog.Debian",
        "README.Debian",
        "README.source",
        "COPYING.LIB",
        "LICENSE.MIT",
        "findutils_NEWS.Debian",  # copied into one folder under its package's name
    ],
)
def test_documentation_names_with_any_suffix_are_read_as_text(name: str) -> None:
    text = "tmux (3.3a-3) unstable; urgency=medium\n\n  * New upstream release.\n"
    got = readers.read(text.encode(), name)
    assert (got.format, got.text) == ("text", text)


def test_other_unknown_suffixes_and_binary_documentation_names_are_refused() -> None:
    with pytest.raises(Unreadable, match=r"^unsupported file type \(\.xyz\)$"):
        readers.read(b"plain words\n", "data.xyz")
    with pytest.raises(Unreadable, match=r"^unsupported file type \(\.py\)$"):
        readers.read(b"print('installing')\n", "install.py")  # a script, though named INSTALL
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    with pytest.raises(Unreadable, match=r"^unsupported file type \(\.png\)$"):
        readers.read(png, "README.png")  # a known file type: an image, whatever its name
    with pytest.raises(Unreadable, match=r"^unsupported file type \(\.debian, and not text\)$"):
        readers.read(png, "README.Debian")


def test_a_quote_with_inline_formatting_keeps_all_its_words() -> None:
    page = b"""<!DOCTYPE html>
<html><head><title>Quote test</title></head><body><article>
<h1>Release notes</h1>
<p>The maintainers wrote the following paragraph about the new release of the tool, which is
long enough to count as the main content of this page for the extractor.</p>
<blockquote>The new parser is <em>three times</em> faster than the old one on large inputs,
and it uses half the memory.</blockquote>
<p>Another ordinary paragraph follows here so that the page reads like a real article with
several sentences in it.</p>
<pre>make install <b>PREFIX</b>=/usr/local</pre>
</article></body></html>"""
    text = readers.read(page, "notes.html").text
    assert (
        "\n\nThe new parser is three times faster than the old one on large inputs, and it uses "
        "half the memory.\n\n" in text
    )
    assert "\n\n```\nmake install PREFIX=/usr/local\n```\n" in text  # a <pre> is code


def test_rst_table_of_contents_is_not_a_heading_over_the_sections() -> None:
    source = b"""Tool
====

.. contents:: Table of contents

Installation
------------

Run pip install tool.
"""
    assert readers.read(source, "README.rst").text == (
        "# Tool\n\n## Installation\n\nRun pip install tool.\n"
    )


def test_pdf_page_furniture_is_left_out_and_pages_keep_their_offsets() -> None:
    from fpdf import FPDF

    class Report(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", size=9)
            self.cell(0, 6, "City works department - annual report 2024")
            self.ln(12)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", size=9)
            self.cell(0, 6, f"Page {self.page_no()} of 4")

    bodies = [
        "Contents\n\n1 The harbour bridge . . . . . . . . . . . . . . 2",
        "The harbour bridge opened in 1932 after eight years of work.",
        "The city library holds two million books.",
        "The museum was founded by Ada Lin in 1901.",
    ]
    doc = Report()
    for body in bodies:
        doc.add_page()
        doc.set_font("Helvetica", size=12)
        doc.multi_cell(0, 8, body)
    got = readers.read(bytes(doc.output()), "report.pdf")
    pages = [
        got.text[s:e].strip()
        for s, e in zip(got.pages or (), [*(got.pages or ())[1:], len(got.text)], strict=True)
    ]
    assert pages == ["Contents", *bodies[1:]]
