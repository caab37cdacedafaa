"""Sentence vector files: what is written is read back exactly, and anything else is missing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.sentvecs import SentenceVectors


@pytest.fixture
def vectors(tmp_path: Path) -> SentenceVectors:
    return SentenceVectors(tmp_path / "vectors", "tag1")


def _rows(n: int, dim: int = 384) -> np.ndarray:
    return np.random.default_rng(n).standard_normal((n, dim)).astype(np.float32)


@pytest.mark.parametrize("n", [1, 7, 1000])
def test_round_trip(vectors: SentenceVectors, n: int) -> None:
    want = _rows(n)
    vectors.put("a.md", "ab" * 32, want)
    got = vectors.get("a.md", "ab" * 32, n)
    assert got is not None and got.dtype == np.float32 and got.shape == (n, 384)
    assert np.array_equal(got, want)
    assert not got.flags.writeable
    assert vectors.has("a.md", "ab" * 32, n)


def test_no_rows(vectors: SentenceVectors) -> None:
    vectors.put("a.md", "00", np.zeros((0, 384), np.float32))
    got = vectors.get("a.md", "00", 0)
    assert got is not None and got.shape == (0, 384)


def test_other_row_count_source_or_hash_is_missing(vectors: SentenceVectors) -> None:
    vectors.put("a.md", "11", _rows(3))
    assert vectors.get("a.md", "11", 4) is None
    assert vectors.get("b.md", "11", 3) is None
    assert vectors.get("a.md", "12", 3) is None
    assert SentenceVectors(vectors.folder, "tag2").get("a.md", "11", 3) is None


def test_truncated_file_is_missing(vectors: SentenceVectors) -> None:
    vectors.put("a.md", "11", _rows(5))
    path = vectors.path("a.md", "11")
    path.write_bytes(path.read_bytes()[:-4])
    assert vectors.get("a.md", "11", 5) is None
    path.write_bytes(path.read_bytes()[:50])
    assert vectors.get("a.md", "11", 5) is None


def test_files_of_other_layouts(vectors: SentenceVectors) -> None:
    """Files np.save wrote with another dtype or shape are missing; a Fortran-ordered float32
    file (a header the fast path does not read) goes through np.load and reads the same."""
    path = vectors.path("a.md", "11")
    path.parent.mkdir(parents=True)
    np.save(path, _rows(4).astype(np.float64))
    assert vectors.get("a.md", "11", 4) is None
    np.save(path, _rows(4)[0])
    assert vectors.get("a.md", "11", 384) is None
    want = np.asfortranarray(_rows(4))
    np.save(path, want)
    got = vectors.get("a.md", "11", 4)
    assert got is not None and np.array_equal(got, want)


def test_keep_deletes_the_rest(vectors: SentenceVectors) -> None:
    vectors.put("a.md", "11", _rows(2))
    vectors.put("b.md", "22", _rows(2))
    (vectors.folder / ".x.tmp").write_bytes(b"partial")
    assert vectors.keep({("a.md", "11")}) == 2
    assert vectors.has("a.md", "11", 2) and not vectors.has("b.md", "22", 2)
    assert sorted(p.name for p in vectors.folder.iterdir()) == [vectors.path("a.md", "11").name]
