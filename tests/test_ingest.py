"""Incremental ingest and bad input on tiny temp corpora (real model, real Chroma)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, IndexStaleError, UserError
from assistant.embedding import sentence_transformer

Make = Callable[..., Assistant]

A = "The harbour bridge opened in 1932 after eight years of work. It carries eight lanes of traffic.\n"
B = "The city library holds two million books. Its reading room seats four hundred people.\n"
C = "The museum was founded by Ada Lin in 1901. It shows ancient maps of the coast.\n"


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    return folder


def test_reingest_is_a_no_op_then_edits_and_deletes_are_applied(
    tmp_path: Path, make_assistant: Make
) -> None:
    corpus = write(tmp_path / "c", {"a.txt": A, "b.md": B, "sub/c.txt": C})
    a = make_assistant(corpus)
    first = a.ingest()
    assert (sorted(first.new), first.embedded) == (["a.txt", "b.md", "sub/c.txt"], 3)
    assert first.chunks_total == 3
    assert_snapshot_matches_store(a)

    again = a.ingest()
    assert (again.embedded, again.chunks_added, again.chunks_removed, again.unchanged) == (
        0,
        0,
        0,
        3,
    )
    assert again.chunks_total == 3

    ans = a.ask("When did the harbour bridge open?")
    assert "1932" in ans.text and ans.citations[0].source == "a.txt"

    (corpus / "a.txt").write_text(A.replace("1932", "1933"), encoding="utf-8")
    edited = a.ingest()
    assert (edited.changed, edited.embedded, edited.chunks_removed, edited.chunks_total) == (
        ["a.txt"],
        1,
        1,
        3,
    )
    assert "1933" in a.ask("When did the harbour bridge open?").text
    assert_snapshot_matches_store(a)

    (corpus / "b.md").unlink()
    removed = a.ingest()
    assert (removed.removed, removed.embedded, removed.chunks_removed, removed.chunks_total) == (
        ["b.md"],
        0,
        1,
        2,
    )
    assert a.ask("How many books does the city library hold?").abstained
    assert_snapshot_matches_store(a)


def assert_snapshot_matches_store(a: Assistant) -> None:
    """The snapshot's records (kept by ingest as it wrote them) are exactly the store's."""
    stamp = a.snapshots.stamp()
    assert stamp is not None and stamp.complete
    table = a.snapshots.records(stamp)
    assert table is not None and list(table) == a.store.records()
    counted = Counter((r.source, r.sha256) for r in a.store.records())
    assert [((d.source, d.sha256), d.chunks) for d in a.documents()] == sorted(counted.items())


@pytest.mark.slow  # loads torch and sentence-transformers in this process
def test_sentence_vectors_are_a_file_per_document_kept_with_the_index(
    tmp_path: Path, make_assistant: Make
) -> None:
    corpus = write(tmp_path / "c", {"a.txt": A, "b.md": B})
    a = make_assistant(corpus)
    a.ingest()
    info = a.store.info()
    assert info is not None
    vectors = a.sentence_vectors(info)
    files = {r.source: vectors.path(r.source, r.sha256) for r in a.store.records()}
    assert sorted(p.name for p in vectors.folder.iterdir()) == sorted(
        p.name for p in files.values()
    )
    got = vectors.get("a.txt", _sha(corpus / "a.txt"), 2)
    assert got is not None and got.shape == (2, 384)  # two sentences, one row each
    want = sentence_transformer(a.model).embed_batch(  # ingest used the ONNX encoder
        [
            "The harbour bridge opened in 1932 after eight years of work.",
            "It carries eight lanes of traffic.",
        ]
    )
    assert float(np.min(np.sum(np.asarray(got) * want, axis=1))) > 0.9999

    files["a.txt"].unlink()  # lost: the document is not complete, and the next ingest redoes it
    again = a.ingest()
    assert (again.completed, again.embedded, again.units_embedded) == (["a.txt"], 1, 2)
    assert files["a.txt"].is_file()

    (corpus / "b.md").unlink()  # a removed document's vectors go with it
    a.ingest()
    assert sorted(p.name for p in vectors.folder.iterdir()) == [files["a.txt"].name]
    assert "1932" in a.ask("When did the harbour bridge open?").text


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_ask_builds_the_index_when_none_exists(tmp_path: Path, make_assistant: Make) -> None:
    corpus = write(tmp_path / "c", {"a.txt": A})
    a = make_assistant(corpus)
    assert a.store.count() == 0
    ans = a.ask("When did the harbour bridge open?")
    assert "1932" in ans.text
    assert a.store.count() == 1


def test_an_edit_without_reingest_is_reported_not_misquoted(
    tmp_path: Path, make_assistant: Make
) -> None:
    corpus = write(tmp_path / "c", {"a.txt": A, "b.txt": B})
    a = make_assistant(corpus)
    a.ingest()
    (corpus / "b.txt").write_text("Edited. " + B, encoding="utf-8")
    reopened = Assistant(config=a.config)
    with pytest.raises(IndexStaleError, match=r"edited: b\.txt.*run `assistant ingest`"):
        reopened.ask("How many books does the city library hold?")


def test_bad_files_are_skipped_with_their_reason(tmp_path: Path, make_assistant: Make) -> None:
    corpus = write(
        tmp_path / "c",
        {
            "good.txt": A,
            "empty.txt": "",
            "blank.md": "  \n\n ",
            "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "latin1.txt": "Caf\xe9 cr\xe8me".encode("latin-1"),
            "notes.pdf": b"%PDF-1.4",
        },
    )
    a = make_assistant(corpus)
    stats = a.ingest()
    assert (stats.documents, stats.formats) == (2, {"text": 2})  # good.txt and latin1.txt
    assert {s.source: s.reason for s in stats.skipped} == {
        "binary.txt": "binary file (contains NUL bytes)",
        "blank.md": "empty file",
        "empty.txt": "empty file",
        "notes.pdf": "damaged or not a PDF (Failed to load document (PDFium: Data format error).)",
    }
    assert a.document_text("latin1.txt") == "Caf\xe9 cr\xe8me"


@pytest.mark.parametrize("case", ["missing", "empty", "only-bad"])
def test_unusable_folders_raise_and_leave_the_index_as_it_was(
    tmp_path: Path, make_assistant: Make, case: str
) -> None:
    good = write(tmp_path / "good", {"a.txt": A, "b.txt": B})
    a = make_assistant(good)
    a.ingest()
    before = sorted(r.id for r in a.store.records())
    target = {
        "missing": tmp_path / "nope",
        "empty": write(tmp_path / "empty", {}),
        "only-bad": write(tmp_path / "bad", {"x.txt": b"\x00\x01bin", "y.png": b"\x89PNG"}),
    }[case]
    message = {
        "missing": "does not exist",
        "empty": "no usable document",
        "only-bad": r"no usable document .*\(x\.txt: binary file \(contains NUL bytes\); "
        r"y\.png: unsupported file type \(\.png\)\)",
    }[case]
    with pytest.raises(UserError, match=message):
        a.ingest(target)
    assert sorted(r.id for r in a.store.records()) == before
    assert "1932" in a.ask("When did the harbour bridge open?").text


@pytest.mark.slow  # a subprocess ingest
def test_cli_ingest_reports_and_warns(tmp_path: Path) -> None:
    from .conftest import run_cli

    corpus = write(tmp_path / "c", {"a.txt": A, "empty.txt": ""})
    res = run_cli("--index", str(tmp_path / "idx"), "ingest", str(corpus), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "1 documents (1 new, 0 changed, 0 removed, 0 unchanged); 1 chunks added" in res.stdout
    assert "warning: skipped empty.txt: empty file" in res.stderr
    again = run_cli("--index", str(tmp_path / "idx"), "ingest", cwd=tmp_path)
    assert "0 embedded" in again.stdout and "1 unchanged" in again.stdout
    missing = run_cli(
        "--index", str(tmp_path / "idx"), "ingest", str(tmp_path / "nope"), cwd=tmp_path
    )
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: corpus folder") and "does not exist" in missing.stderr
