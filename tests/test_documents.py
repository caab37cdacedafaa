"""A folder of mixed formats, end to end: ingest, cited pages, stored texts, list/add/remove.

Real model, real Chroma, real files (fpdf2 PDFs, python-docx DOCX, a saved web page); each
Assistant indexes a tiny corpus in its own collection of the session index.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant import Assistant, IndexStaleError, UserError
from assistant.config import Config
from assistant.ingest import IngestStats

from . import docgen

Make = Callable[..., Assistant]

LATIN1 = "Le caf\u00e9 du port est ouvert depuis 1901. La cr\u00e8me br\u00fbl\u00e9e co\u00fbte cinq euros.\n"
README = (
    "Ferry app\n\nThe ferry app shows the departures of every pier. It was written by Ola Berg.\n"
)


def mixed_folder(folder: Path) -> Path:
    folder.mkdir(parents=True)
    files: dict[str, bytes] = {
        "report.pdf": docgen.pdf(docgen.PDF_PAGES, title="City works report"),
        "museum.docx": docgen.docx(),
        "news/harbour.html": docgen.SAVED_PAGE.read_bytes(),
        "guide.rst": docgen.RST.encode(),
        "cafe.txt": LATIN1.encode("latin-1"),
        "README": README.encode(),
        "notes.markdown": b"# Notes\n\nThe lighthouse was painted red in 1999.\n",
        # not documents, each with its reason
        "scan.pdf": docgen.image_only_pdf(),
        "locked.pdf": docgen.encrypted_pdf(),
        "fake.docx": docgen.zip_renamed(),
        "empty.txt": b"",
        "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "big.txt": b"word " * (2**20 // 5 + 10),
    }
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (folder.parent / "secret.txt").write_text("The vault code is 4711.", encoding="utf-8")
    os.symlink("../secret.txt", folder / "vault.txt")
    return folder


SKIPPED = {
    "big.txt": "too large (1.0 MB; the limit is 1 MB: set ASSISTANT_MAX_FILE_MB to raise it)",
    "empty.txt": "empty file",
    "fake.docx": "not a Word document (a zip file with no word/document.xml)",
    "locked.pdf": "encrypted PDF (it needs a password); save a copy without one",
    "logo.png": "unsupported file type (.png)",
    "scan.pdf": "no text layer (1 page(s) of images: a scan or an image-only PDF); run OCR on it "
    "first (e.g. ocrmypdf) to index it",
    "vault.txt": "a link to a file outside the corpus folder",
}


@pytest.fixture(scope="module")
def mixed(
    session_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Assistant, IngestStats]]:
    """The mixed folder, indexed once for this module's read-only tests."""
    folder = mixed_folder(tmp_path_factory.mktemp("mixed") / "docs")
    cfg = Config(
        corpus_dir=folder, index_dir=session_dir / "index", collection="mixed", max_file_mb=1
    )
    a = Assistant(config=cfg)
    stats = a.ingest()
    yield a, stats
    a.store.drop()


def small_folder(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "report.pdf").write_bytes(docgen.pdf(docgen.PDF_PAGES, title="City works report"))
    (folder / "museum.docx").write_bytes(docgen.docx())
    (folder / "cafe.txt").write_bytes(LATIN1.encode("latin-1"))
    (folder.parent / "secret.txt").write_text("The vault code is 4711.", encoding="utf-8")
    return folder


@pytest.mark.slow  # the mixed folder (PDFs, DOCX, HTML, RST) indexed in a collection of its own
def test_a_mixed_folder_is_indexed_and_every_other_file_named_with_its_reason(
    mixed: tuple[Assistant, IngestStats],
) -> None:
    a, stats = mixed
    assert {s.source: s.reason for s in stats.skipped} == SKIPPED
    assert stats.formats == {
        "text": 2,
        "docx": 1,
        "markdown": 1,
        "html": 1,
        "pdf": 1,
        "rst": 1,
    }
    assert sorted(stats.new) == [
        "README",
        "cafe.txt",
        "guide.rst",
        "museum.docx",
        "news/harbour.html",
        "notes.markdown",
        "report.pdf",
    ]

    # The question answered on page 2 of the PDF is cited with page 2, quote == text[start:end].
    ans = a.ask("When did the harbour bridge open?")
    pdf_cites = [c for c in ans.citations if c.source == "report.pdf"]
    assert pdf_cites and all(c.page == 2 for c in pdf_cites), ans
    assert pdf_cites[0].quote == docgen.PDF_ANSWER
    assert pdf_cites[0].title == "City works report"

    # Citations round-trip against the stored text for every format, and only PDFs have pages.
    questions = [
        "Who founded the museum?",
        "How much does the crème brûlée cost?",
        "Who wrote the ferry app?",
        "When does the last ferry leave?",
        "How long is the arch span?",
        "When was the lighthouse painted red?",
        "How many books does the city library hold?",
    ]
    cited = set()
    for q in [*questions, "When did the harbour bridge open?"]:
        for c in a.ask(q).citations:
            text = a.document_text(c.source)
            assert text[c.start : c.end] == c.quote
            assert (c.page is not None) == (c.source == "report.pdf")
            if c.page is not None:
                assert a.page_of(c.source, c.start) == c.page
            cited.add(c.source)
    assert cited >= {"museum.docx", "cafe.txt", "README", "guide.rst", "report.pdf"}, cited

    # The vault behind the ../ link was never read.
    assert all("4711" not in t for t in a.texts().values())
    assert a.ask("What is the vault code?").abstained


@pytest.mark.slow  # a PDF, a DOCX and a text indexed, then a copy of the PDF
def test_unchanged_files_are_not_parsed_again_and_texts_are_stored_once_per_hash(
    tmp_path: Path, make_assistant: Make
) -> None:
    folder = small_folder(tmp_path / "docs")
    a = make_assistant(folder)
    a.ingest()
    shutil.copy(folder / "report.pdf", folder / "copy-of-report.pdf")
    again = a.ingest()
    chunks = {d.source: d.chunks for d in a.documents()}
    assert (again.new, again.unchanged) == (["copy-of-report.pdf"], 3)
    assert again.embedded == chunks["copy-of-report.pdf"] == chunks["report.pdf"]
    stored = sorted(p.name for p in a.text_store.folder.iterdir())
    assert len(stored) == 2 * 3  # four documents, three distinct contents: one text each
    for d in a.documents():
        assert a.text_store.text(d.sha256) == a.document_text(d.source)


@pytest.mark.slow  # the mixed folder (PDFs, DOCX, HTML, RST) indexed in a collection of its own
def test_documents_lists_format_pages_chunks_kept_share_and_time(
    mixed: tuple[Assistant, IngestStats],
) -> None:
    a, _stats = mixed
    docs = {d.source: d for d in a.documents()}
    assert sorted(docs) == [
        "README",
        "cafe.txt",
        "guide.rst",
        "museum.docx",
        "news/harbour.html",
        "notes.markdown",
        "report.pdf",
    ]
    pdf = docs["report.pdf"]
    assert (pdf.format, pdf.pages, pdf.title) == ("pdf", 3, "City works report")
    starts = a.pages("report.pdf")
    text = a.document_text("report.pdf")
    assert starts is not None and len(starts) == 3 and a.pages("museum.docx") is None
    assert text[starts[1] : starts[2]].startswith(docgen.PDF_ANSWER)
    html = docs["news/harbour.html"]
    assert (html.format, html.pages, html.title) == (
        "html",
        None,
        "Harbour bridge turns ninety: how it was built",
    )
    assert docs["README"].title == "README" and docs["museum.docx"].title == "Museum guide"
    records = a.store.records()
    for d in docs.values():
        assert d.chunks == sum(1 for r in records if r.source == d.source) >= 1
        assert d.kept_share is not None and 0.5 < d.kept_share <= 1.0
        assert d.indexed_at is not None and d.chars == len(a.document_text(d.source))
    assert a.status()["formats"] == {
        "text": 2,
        "docx": 1,
        "html": 1,
        "markdown": 1,
        "pdf": 1,
        "rst": 1,
    }


@pytest.mark.slow  # a PDF, a DOCX and a text indexed, then removals and an upload's ingest
def test_remove_and_add_documents(tmp_path: Path, make_assistant: Make) -> None:
    folder = small_folder(tmp_path / "docs")
    a = make_assistant(folder, max_file_mb=1)
    a.ingest()
    with pytest.raises(UserError, match="not an indexed document"):
        a.remove("../secret.txt", delete_file=True)
    with pytest.raises(UserError, match="not an indexed document"):
        a.document_text("../secret.txt")

    assert a.remove("museum.docx", delete_file=False) >= 1
    assert "museum.docx" not in {d.source for d in a.documents()}
    assert (folder / "museum.docx").exists()
    assert not any(c.source == "museum.docx" for c in a.ask("Who founded the museum?").citations)

    a.remove("report.pdf", delete_file=True)
    assert not (folder / "report.pdf").exists()
    assert "report.pdf" not in a.texts()

    # An upload: only its last name part is used, it is read before it is written.
    source, stats = a.add_file("../../uploads/bridge.pdf", docgen.pdf(docgen.PDF_PAGES))
    assert source == "bridge.pdf" and (folder / "bridge.pdf").is_file()
    assert not (folder.parent / "uploads").exists()
    assert "bridge.pdf" in stats.new and "museum.docx" in stats.new  # back with the next ingest
    page = [c.page for c in a.ask("When did the harbour bridge open?").citations]
    assert 2 in page
    with pytest.raises(UserError, match="already in"):
        a.add_file("bridge.pdf", docgen.pdf(["Another bridge."]))
    with pytest.raises(UserError, match=r"scan\.pdf cannot be indexed: no text layer"):
        a.add_file("scan.pdf", docgen.image_only_pdf())
    with pytest.raises(UserError, match=r"unsupported file type \(\.exe\)"):
        a.add_file("setup.exe", b"MZ\x90\x00")
    with pytest.raises(UserError, match="not a usable file name"):
        a.add_file("../.bashrc", b"echo hi")
    with pytest.raises(UserError, match="ASSISTANT_MAX_FILE_MB"):
        a.add_file("huge.txt", b"x" * (2**20 + 1))
    assert not (folder / "setup.exe").exists() and not (folder / "huge.txt").exists()


@pytest.mark.slow  # four ingests and three reopened Assistants
def test_an_index_without_stored_texts_still_answers_and_ingest_restores_them(
    tmp_path: Path, make_assistant: Make
) -> None:
    """Indexes built before texts were stored (UTF-8 .txt/.md only) stay valid."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text(docgen.PDF_PAGES[1], encoding="utf-8")
    (folder / "b.pdf").write_bytes(docgen.pdf(docgen.PDF_PAGES))
    a = make_assistant(folder)
    a.ingest()
    shutil.rmtree(a.text_store.folder)
    (folder / "b.pdf").unlink()
    legacy = a.ingest()  # only a.txt now: its text is restored without embedding anything
    assert (legacy.embedded, legacy.unchanged, legacy.removed) == (0, 1, ["b.pdf"])
    assert a.text_store.has(a.documents()[0].sha256)
    shutil.rmtree(a.text_store.folder)
    reopened = Assistant(config=a.config)
    ans = reopened.ask("When did the harbour bridge open?")
    assert ans.citations[0].source == "a.txt" and ans.citations[0].page is None

    (folder / "b.pdf").write_bytes(docgen.pdf(docgen.PDF_PAGES))
    a.ingest()
    for p in a.text_store.folder.glob("*.txt"):
        p.write_text("tampered", encoding="utf-8")
    # opening reads no text (assistant.snapshot): a damaged one is found when first needed
    with pytest.raises(IndexStaleError, match=r"extracted text of (a\.txt|b\.pdf) is missing"):
        Assistant(config=a.config).ask("When did the harbour bridge open?")
    repaired = a.ingest()  # a.txt's text is the file's: restored; b.pdf is read and indexed again
    assert (repaired.changed, repaired.unchanged, repaired.embedded) == (["b.pdf"], 1, 1)
    assert Assistant(config=a.config).ask("When did the harbour bridge open?").citations


@pytest.mark.slow  # two subprocesses
def test_cli_lists_formats_and_skipped_files_and_prints_the_page(tmp_path: Path) -> None:
    from .conftest import run_cli

    folder = mixed_folder(tmp_path / "docs")
    env = {"ASSISTANT_MAX_FILE_MB": "1"}
    res = run_cli("--index", str(tmp_path / "idx"), "ingest", str(folder), cwd=tmp_path, env=env)
    assert res.returncode == 0, res.stderr
    assert "indexed by format: 2 text, 1 docx, 1 html, 1 markdown, 1 pdf, 1 rst" in res.stdout
    assert "7 documents (7 new, 0 changed, 0 removed, 0 unchanged)" in res.stdout
    assert res.stdout.rstrip().endswith("; 7 skipped")
    assert "skipped 7 file(s) that are not indexed:" in res.stderr
    for source, why in SKIPPED.items():
        assert f"warning: skipped {source}: {why}\n" in res.stderr
    ask = run_cli(
        "--index", str(tmp_path / "idx"), "ask", "When did the harbour bridge open?", cwd=tmp_path
    )
    assert ask.returncode == 0, ask.stderr
    assert "] report.pdf p. 2 [135:195]  City works report" in ask.stdout
