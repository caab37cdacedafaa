"""The Chroma adapter's import: chromadb loads without `overrides`' import-time checks, which
are back in force for everything imported after it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.store import ChunkRecord, ChunkStore, DocMark

PROBE = """
import overrides
real = (overrides.override, overrides.overrides)
from assistant.store import _import_chromadb
chromadb = _import_chromadb()
from chromadb.api.rust import RustBindingsAPI
assert RustBindingsAPI.start.__override__ is True
assert (overrides.override, overrides.overrides) == real
assert _import_chromadb() is chromadb

class Base(overrides.EnforceOverrides):
    def f(self, x: int) -> int:
        return x

try:
    class Child(Base):
        @overrides.override
        def f(self, x: str, y: int) -> int:
            return 0
except TypeError:
    print("checked")
"""


@pytest.mark.slow  # chromadb imported in a fresh interpreter
def test_chromadb_is_imported_without_override_checks_and_they_are_restored() -> None:
    res = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True)
    assert (res.returncode, res.stdout.strip()) == (0, "checked"), res.stderr


@pytest.mark.slow  # 33,000 records into a real embedded Chroma
def test_more_records_than_sqlite_takes_in_one_statement_are_read_whole(tmp_path: Path) -> None:
    store = ChunkStore.open(tmp_path / "index", "big", batch=5000)
    n = 33_000  # one read of more than 32,766 fails in Chroma's SQLite
    records = [
        ChunkRecord(f"{i:024x}", f"d{i // 10:05d}.txt", i % 10, 0, 5, "0" * 64, (), ((0, 5),))
        for i in range(n)
    ]
    rng = np.random.default_rng(0)
    store.add(records, rng.standard_normal((n, 2)).astype(np.float32))
    marks = [
        DocMark.of(f"d{d:05d}.txt", "0" * 64, records[d * 10 : d * 10 + 10]) for d in range(n // 10)
    ]
    store.mark(marks)
    got = store.records()
    assert (len(got), got[0], got[-1]) == (n, records[0], records[-1])
    assert sorted(r.id for r in got) == [r.id for r in records]
    assert len(store.marks() or {}) == n // 10
    assert len(store.vectors([r.id for r in records])) == n
