"""The chunk table: the same records, lookups and order from a list and from its saved columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import records
from assistant.store import ChunkRecord

RECORDS = [
    ChunkRecord("b" * 24, "docs/a.md", 1, 40, 90, "1" * 64, ("A", "Setup"), ((40, 60), (61, 90))),
    ChunkRecord("a" * 24, "docs/a.md", 0, 0, 39, "1" * 64, ("A",), ((0, 39),)),
    ChunkRecord("c" * 23 + "0", "b.txt", 0, 0, 10, "2" * 64, (), ()),
]


@pytest.fixture(params=["list", "mapped"])
def table(request: pytest.FixtureRequest, tmp_path: Path) -> records.ChunkTable:
    if request.param == "list":
        return records.ChunkTable(RECORDS)
    records.save(tmp_path / "t", RECORDS)
    return records.MappedChunkTable(tmp_path / "t")


def test_a_table_gives_back_each_record_in_order(table: records.ChunkTable) -> None:
    assert list(table) == RECORDS
    assert (len(table), table[-1], list(table[1:])) == (3, RECORDS[2], RECORDS[1:])
    with pytest.raises(IndexError):
        table[3]


def test_a_table_finds_records_by_id_and_by_document(table: records.ChunkTable) -> None:
    assert [table.find(r.id) for r in RECORDS] == [0, 1, 2]
    assert (table.find("d" * 24), table.find("a" * 23), table.find("")) == (None, None, None)
    assert table.of_source("docs/a.md") == [RECORDS[1], RECORDS[0]]  # by ordinal
    assert (table.of_source("b.txt"), table.of_source("nope")) == ([RECORDS[2]], [])
    assert table.documents() == {"docs/a.md": "1" * 64, "b.txt": "2" * 64}
    assert table.chunk_counts() == {"docs/a.md": 2, "b.txt": 1}
    assert table.sentences("docs/a.md") == ("1" * 64, [(0, 39), (40, 60), (61, 90)])
    assert (table.sentences("b.txt"), table.sentences("nope")) == (("2" * 64, []), None)


def test_an_empty_table_saves_and_loads(tmp_path: Path) -> None:
    records.save(tmp_path / "t", [])
    empty = records.MappedChunkTable(tmp_path / "t")
    assert (len(empty), list(empty), empty.find("a" * 24), empty.of_source("x")) == (
        0,
        [],
        None,
        [],
    )


def test_a_damaged_table_is_refused(tmp_path: Path) -> None:
    records.save(tmp_path / "t", RECORDS)
    (tmp_path / "t" / "unit_at.npy").unlink()
    with pytest.raises(OSError):
        records.MappedChunkTable(tmp_path / "t")
