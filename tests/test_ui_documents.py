"""The Documents page's actions without a browser (real model, real Chroma, real files), and the
page number and page-bounded context in citations. The browser drives them in test_ui.py."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant
from assistant.answer import Answer, Citation
from assistant.ui import Turn, render_answer, render_sources
from assistant.ui_documents import DocumentsPage, table_rows

from . import docgen

Make = Callable[..., Assistant]
QUESTION = "When did the harbour bridge open?"


def gradio_uploads(folder: Path, files: dict[str, bytes]) -> list[str]:
    """Files as Gradio hands them to a handler: each in a folder of its own in its upload dir."""
    paths = []
    for i, (name, data) in enumerate(files.items()):
        (folder / str(i)).mkdir(parents=True)
        (folder / str(i) / name).write_bytes(data)
        paths.append(str(folder / str(i) / name))
    return paths


@pytest.mark.slow  # an index, a PDF upload indexed, two removals
def test_add_then_remove_through_the_page(
    tmp_path: Path, make_assistant: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ferries.txt").write_text(
        "The last ferry leaves at midnight.\n\nThe harbour cafe sells crème brûlée for five euros.",
        encoding="utf-8",
    )
    a = make_assistant(corpus)
    a.ingest()
    assert not any(c.source == "report.pdf" for c in a.ask(QUESTION).citations)
    upload_dir = tmp_path / "gradio"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(upload_dir))
    pdf = docgen.pdf(docgen.PDF_PAGES, title="City works report")
    paths = gradio_uploads(
        upload_dir, {"report.pdf": pdf, "setup.exe": b"MZ\x90", "..hidden.md": b"# Hi\n\nHello.\n"}
    )
    page = DocumentsPage(a)

    steps = list(page.add(paths, replace=False))
    progress = [s[0] for s in steps[:-1]]
    assert progress and all('class="doc-progress"' in p for p in progress)
    assert any("Indexing: " in p for p in progress)
    final, table, menu, files = steps[-1]
    assert files is None
    assert [html.unescape(t) for t in re.findall(r'class="doc-line \w+">(.*?)</div>', final)] == [
        "Indexed report.pdf (pdf, 3 pages, 1 chunk)",
        "Indexed hidden.md (markdown, 1 chunk)",
        "3 documents, 3 chunks indexed.",
        "Not added: setup.exe: .exe files are not accepted; upload one of .docx, .htm, .html, "
        ".markdown, .md, .mdown, .mkd, .pdf, .rest, .rst, .text, .txt, .xhtml",
    ]
    assert sorted(p.name for p in corpus.iterdir()) == ["ferries.txt", "hidden.md", "report.pdf"]
    assert list(upload_dir.iterdir()) == []  # Gradio's copies are deleted
    rows = {r[1]: r for r in table["value"]}
    assert rows["report.pdf"][:5] == ["City works report", "report.pdf", "pdf", "3", "1"]
    assert rows["ferries.txt"][2:4] == ["text", "–"]
    assert ("City works report — report.pdf", "report.pdf") in menu["choices"]

    # The same Assistant answers from the upload at once, with the page.
    cited = [c for c in a.ask(QUESTION).citations if c.source == "report.pdf"]
    assert cited and cited[0].page == 2 and cited[0].quote == docgen.PDF_ANSWER

    # A name clash is refused unless replace is ticked.
    again = gradio_uploads(upload_dir / "again", {"report.pdf": docgen.pdf(["Other text."])})
    final = list(page.add(again, replace=False))[-1][0]
    assert "Not added: report.pdf is already in the corpus folder" in final
    assert (corpus / "report.pdf").read_bytes() == pdf

    # Remove without the box: out of the index, the file stays; with it: the file goes too.
    final, table, menu, box = page.remove("report.pdf", delete_file=False)
    assert "Removed report.pdf from the index (1 chunk). Its file stays" in final and box is False
    assert "report.pdf" not in {r[1] for r in table["value"]}
    assert (corpus / "report.pdf").is_file()
    assert not any(c.source == "report.pdf" for c in a.ask(QUESTION).citations)
    final = page.remove("hidden.md", delete_file=True)[0]
    assert "and deleted its file from the corpus folder" in final
    assert not (corpus / "hidden.md").exists()
    assert "not an indexed document" in page.remove("hidden.md", delete_file=True)[0]
    assert "Choose a document" in page.remove(None, delete_file=True)[0]
    assert "Choose or drop files first" in list(page.add([], replace=False))[-1][0]


def test_table_rows_are_plain_text() -> None:
    from assistant.engine import DocumentInfo

    doc = DocumentInfo("a.pdf", "<b>x</b>", "pdf", 3, 5, 0.5, False, 10, None, "0" * 64)
    assert table_rows([doc]) == [["<b>x</b>", "a.pdf", "pdf", "3", "5", "50%", "–"]]


def _answer(text: str, start: int, end: int, page: int | None, title: str = "T") -> Answer:
    c = Citation(1, "r.pdf", title, start, end, text[start:end], 0.9, "", page)
    return Answer(f"{text[start:end]} [1]", False, [c])


def test_citations_show_the_page_and_keep_the_context_on_it() -> None:
    pages = ["First page text. " * 30, "The bridge opened in 1932. More on page two.", "Third."]
    text = "\n\n".join(pages) + "\n"
    starts = [0, len(pages[0]) + 2, len(pages[0]) + len(pages[1]) + 4]
    start = text.index("The bridge")
    end = start + len("The bridge opened in 1932.")

    def page_of(source: str, offset: int) -> int:
        return sum(1 for s in starts if s <= offset)

    answer = _answer(text, start, end, 2, title="<img src=x onerror=alert(1)>")
    assert render_answer(answer, 0) == (
        'The bridge opened in 1932. <a class="cite" href="#src-0-1">'
        '[1, <span class="page">p. 2</span>]</a>'
    )
    panel = render_sources([Turn("q", answer)], 0, {"r.pdf": text}, page_of)
    assert '<span class="page">p. 2</span>' in panel and 'data-page="2"' in panel
    assert "&lt;img src=x onerror=alert(1)&gt;" in panel and "<img" not in panel
    context = re.search(r'<div class="context">(.*?)</div>', panel, re.S)
    assert context is not None
    shown = context.group(1)
    assert "<mark>The bridge opened in 1932.</mark>" in shown
    assert "First page" not in shown and "Third" not in shown  # only page 2 around the quote
    assert shown.startswith("…<mark>") and "More on page two." in shown

    # Without pages (a text file) the context is the usual 280 characters each side.
    plain = render_sources([Turn("q", _answer(text, start, end, None))], 0, {"r.pdf": text})
    assert "First page" in plain and "p. " not in plain


def test_an_answer_without_pages_links_as_before() -> None:
    text = "Alpha. Beta."
    answer: Any = _answer(text, 0, 6, None)
    assert render_answer(answer, 3) == 'Alpha. <a class="cite" href="#src-3-1">[1]</a>'
