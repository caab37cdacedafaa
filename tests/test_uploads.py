"""The upload policy: cleaned names, allowed types, the size limit, no overwrite unasked, and
nothing written for a refused file. Real files in a temp folder; real readers (fpdf2 PDFs)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from assistant import UserError, uploads
from assistant.uploads import NameTaken, Saved, accept, clean_name, save

from . import docgen

KINDS = ".docx, .htm, .html, .markdown, .md, .mdown, .mkd, .pdf, .rest, .rst, .text, .txt, .xhtml"


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\x.pdf", "x.pdf"),
        ("C:\\Users\\me\\My notes.md", "My notes.md"),
        ("/abs/path/to/a.txt", "a.txt"),
        (".hidden.txt", "hidden.txt"),
        ("...txt", "txt"),
        ("..", ""),
        ("", ""),
        ("dir/", ""),
        (" . ", ""),
        ("notes.txt. ", "notes.txt"),
        ("a\x00b\nc\x7f.txt", "abc.txt"),
        ("invoice\u202efdp.txt", "invoicefdp.txt"),  # a right-to-left override
        ("zero\u200bwidth.md", "zerowidth.md"),
        ('what?<x>:"y"|*.md', "what__x___y___.md"),
        ("Caf\u0065\u0301.txt", "Caf\u00e9.txt"),  # NFC
        ("Report.PDF", "Report.PDF"),
    ],
)
def test_clean_name(name: str, cleaned: str) -> None:
    assert clean_name(name) == cleaned


def test_a_long_name_is_cut_to_200_bytes_and_keeps_its_extension() -> None:
    name = clean_name("\u00e9" * 300 + ".pdf")
    assert name == "\u00e9" * 98 + ".pdf"
    assert len(name.encode("utf-8")) == 200


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        ("", 10, "'' is not a usable file name; give the file a plain name such as report.pdf"),
        ("../..", 10, "'../..' is not a usable file name"),
        (
            "../../etc/passwd",
            10,
            f"passwd has no extension, so its type is unknown; rename it with one of {KINDS}",
        ),
        ("setup.exe", 10, f"setup.exe: .exe files are not accepted; upload one of {KINDS}"),
        ("..\\..\\run.sh", 10, f"run.sh: .sh files are not accepted; upload one of {KINDS}"),
        ("manifest.json", 10, "manifest.json: .json files are not accepted"),
        (
            "big.txt",
            2**20 + 1,
            "big.txt is too large (1.0 MB; the limit is 1 MB: "
            "set ASSISTANT_MAX_FILE_MB to raise it)",
        ),
    ],
)
def test_refused_uploads_say_why(name: str, size: int, message: str) -> None:
    with pytest.raises(UserError) as err:
        accept(name, size, max_mb=1)
    assert str(err.value).startswith(message)


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [("page.html", "page.html"), ("Report.PDF", "Report.PDF"), (".hidden.txt", "hidden.txt")],
)
def test_accepted_uploads(name: str, cleaned: str) -> None:
    assert accept(name, 2**20, max_mb=1) == cleaned  # exactly at the limit is allowed
    assert uploads.allowed() == tuple(KINDS.split(", "))


def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    return root


def test_save_writes_the_bytes_under_the_cleaned_name_inside_the_folder(tmp_path: Path) -> None:
    root = corpus(tmp_path)
    data = docgen.pdf(docgen.PDF_PAGES)
    assert save(root, "../../uploads/bridge.pdf", data, max_mb=1) == Saved(
        "bridge.pdf", len(data), False
    )
    assert save(root, "..\\.notes.md", b"# Notes\n\nHello.\n", max_mb=1).source == "notes.md"
    assert sorted(os.listdir(root)) == ["bridge.pdf", "notes.md"]  # no temporary file left
    assert sorted(os.listdir(tmp_path)) == ["corpus"]  # nothing outside the folder
    assert (root / "bridge.pdf").read_bytes() == data
    assert (root / "bridge.pdf").stat().st_mode & 0o777 == 0o644  # data, never executable


def test_a_name_clash_is_refused_unless_the_user_chose_to_replace(tmp_path: Path) -> None:
    root = corpus(tmp_path)
    save(root, "notes.txt", b"first version", max_mb=1)
    with pytest.raises(NameTaken) as err:
        save(root, "../notes.txt", b"second version", max_mb=1)
    assert str(err.value) == (
        "notes.txt is already in the corpus folder; choose to replace it, or rename the file"
    )
    assert (root / "notes.txt").read_bytes() == b"first version"
    assert save(root, "notes.txt", b"second version", max_mb=1, replace=True) == Saved(
        "notes.txt", 14, True
    )
    assert (root / "notes.txt").read_bytes() == b"second version"
    assert os.listdir(root) == ["notes.txt"]


def test_a_link_of_the_same_name_is_replaced_itself_never_written_through(tmp_path: Path) -> None:
    root = corpus(tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"not yours")
    os.symlink("../outside.txt", root / "link.txt")
    with pytest.raises(NameTaken):
        save(root, "link.txt", b"new text", max_mb=1)
    save(root, "link.txt", b"new text", max_mb=1, replace=True)
    assert not (root / "link.txt").is_symlink()
    assert (root / "link.txt").read_bytes() == b"new text"
    assert outside.read_bytes() == b"not yours"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("scan.pdf", docgen.image_only_pdf, "scan.pdf cannot be indexed: no text layer"),
        ("locked.pdf", docgen.encrypted_pdf, "locked.pdf cannot be indexed: encrypted PDF"),
        ("fake.pdf", lambda: b"MZ\x90\x00 not a pdf", "fake.pdf cannot be indexed: damaged"),
        ("empty.txt", lambda: b"  \n", "empty.txt cannot be indexed: empty file"),
        ("setup.exe", lambda: b"MZ\x90\x00", "setup.exe: .exe files are not accepted"),
        ("big.txt", lambda: b"x" * (2**20 + 1), "big.txt is too large"),
    ],
)
def test_nothing_is_written_for_a_refused_file(
    tmp_path: Path, name: str, data: object, message: str
) -> None:
    root = corpus(tmp_path)
    with pytest.raises(UserError) as err:
        save(root, name, data(), max_mb=1)  # type: ignore[operator]
    assert str(err.value).startswith(message)
    assert os.listdir(root) == []


def test_a_folder_of_that_name_is_refused(tmp_path: Path) -> None:
    root = corpus(tmp_path)
    (root / "notes.txt").mkdir()
    with pytest.raises(UserError, match=r"notes\.txt is a folder in the corpus folder"):
        save(root, "notes.txt", b"text", max_mb=1, replace=True)


def test_concurrent_uploads_of_one_name_never_overwrite_each_other(tmp_path: Path) -> None:
    root = corpus(tmp_path)
    outcomes: dict[int, str] = {}
    start = threading.Barrier(8)

    def upload(i: int) -> None:
        start.wait()
        try:
            save(root, "same.txt", f"version {i}".encode(), max_mb=1)
            outcomes[i] = "saved"
        except NameTaken:
            outcomes[i] = "taken"

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [i for i, o in outcomes.items() if o == "saved"]
    assert len(winners) == 1 and len(outcomes) == 8
    assert (root / "same.txt").read_bytes() == f"version {winners[0]}".encode()
    assert os.listdir(root) == ["same.txt"]
