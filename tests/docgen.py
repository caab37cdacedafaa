"""Real documents for the reader tests, written by the libraries that write these formats.

PDFs come from fpdf2 (a real text layer, page by page; an image-only page for a "scan"; an
encrypted file), DOCX from python-docx, and the saved web page in ``tests/data`` is a news
article page with its navigation, cookie banner, sidebar, comments form and footer.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SAVED_PAGE = DATA / "harbour_news.html"

# The PDF's pages; the question "When did the harbour bridge open?" is answered on page 2.
PDF_PAGES = [
    "Annual report of the city works department. The city library holds two million books "
    "and its reading room seats four hundred people.",
    "The harbour bridge opened in 1932 after eight years of work. It carries eight lanes of "
    "traffic and two railway tracks across the water to the northern shore of the harbour.",
    "The museum was founded by Ada Lin in 1901. It shows ancient maps of the coast and a "
    "collection of ship models.",
]
PDF_ANSWER = "The harbour bridge opened in 1932 after eight years of work."


def pdf(pages: list[str], title: str | None = None) -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    if title:
        doc.set_title(title)
    doc.set_font("Helvetica", size=12)
    for text in pages:
        doc.add_page()
        doc.multi_cell(0, 8, text)
    return bytes(doc.output())


def pdf_paragraphs(blocks: list[tuple[str, str]], leading: float = 6, space: float = 5) -> bytes:
    """One page of typeset blocks: ``("h", text)`` a bold heading, ``("p", text)`` a paragraph
    wrapped over several lines ``leading`` mm apart; ``space`` mm more after each block."""
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    for kind, text in blocks:
        doc.set_font("Helvetica", "B" if kind == "h" else "", 15 if kind == "h" else 11)
        doc.multi_cell(0, leading, text, new_x="LMARGIN", new_y="NEXT")
        doc.ln(space)
    return bytes(doc.output())


def image_only_pdf() -> bytes:
    """A one-page "scan": a picture of text, and no text layer."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(img).text((20, 80), "The bridge opened in 1932.", fill="black")
    doc = FPDF()
    doc.add_page()
    doc.image(img, x=10, y=10, w=180)
    return bytes(doc.output())


def encrypted_pdf() -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    doc.set_encryption(owner_password="owner", user_password="secret")
    doc.set_font("Helvetica", size=12)
    doc.add_page()
    doc.multi_cell(0, 8, "Salaries of the board members.")
    return bytes(doc.output())


def docx(title: str | None = "Museum guide") -> bytes:
    import docx as python_docx

    doc = python_docx.Document()
    if title:
        doc.core_properties.title = title
    doc.add_heading("Museum guide", 0)
    doc.add_heading("History", 1)
    doc.add_paragraph("The museum was founded by Ada Lin in 1901.")
    doc.add_paragraph("Ancient maps of the coast", style="List Bullet")
    doc.add_paragraph("A collection of ship models", style="List Bullet")
    doc.add_heading("Opening hours", 2)
    table = doc.add_table(rows=3, cols=2)
    for r, (day, hours) in enumerate([("Day", "Hours"), ("Monday", "Closed"), ("Sunday", "10-16")]):
        table.cell(r, 0).text = day
        table.cell(r, 1).text = hours
    doc.add_paragraph("Entry is free for children under twelve.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def zip_renamed() -> bytes:
    """A zip archive (not a Word document) to save as .docx."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("notes.txt", "just a zip")
    return out.getvalue()


RST = """\
Harbour guide
=============

The harbour has two lighthouses and a ferry terminal.

Ferries
-------

- The first ferry leaves at six in the morning.
- The last ferry leaves at midnight.

1. Buy a ticket.
2. Board at pier three.

Timetable:

::

    06:00  Northern shore
    00:00  Northern shore

=======  ========
Pier     Service
=======  ========
One      Cargo
Three    Ferries
=======  ========

.. note:: The terminal closes on public holidays.

.. include:: ../secret.txt
"""
