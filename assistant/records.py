"""The chunk records of an index as a table: a list in memory, or columns mapped from disk.

Retrieval and the answerer look records up by position (BM25 and fusion), by chunk id (Chroma's
hits) and by document (a document's sentences). :class:`ChunkTable` does that over a list (an
index opened from the store); :class:`MappedChunkTable` over the NumPy columns that
:func:`save` wrote (an index opened from its snapshot): opening maps the files and reads a
small JSON of the distinct sources, hashes and heading paths, so it costs the same at 100
chunks and at 100k, and a record is built only when asked for. It does not know Chroma or BM25.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from .store import ChunkRecord

_SEP = "\x1f"  # joins a heading path
_COLS = ("source", "sha256", "headings", "ordinal", "start", "end")
# The files :func:`save` writes:
#   ids.npy        chunk ids (ASCII), in table order
#   order.npy      positions sorting the ids (lookup by id)
#   cols.npy       per record: source, sha256 and heading-path codes; ordinal, start, end
#   units.npy      every record's unit spans, flat (start, end, start, end, ...)
#   unit_at.npy    where each record's units begin in units.npy (and the end)
#   by_source.npy  positions grouped by source code, each group by ordinal
#   source_at.npy  where each source's group begins in by_source.npy (and the end)
#   tables.json    the distinct sources, hashes and heading paths the codes point to


class ChunkTable(Sequence[ChunkRecord]):
    """Records in retrieval order, with lookups by chunk id and by document."""

    def __init__(self, records: Sequence[ChunkRecord]):
        self._records = list(records)
        self._by_id: dict[str, int] | None = None
        self._by_source: dict[str, list[int]] | None = None

    @overload
    def __getitem__(self, i: int) -> ChunkRecord: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[ChunkRecord]: ...
    def __getitem__(self, i: int | slice) -> ChunkRecord | Sequence[ChunkRecord]:
        return self._records[i]

    def __len__(self) -> int:
        return len(self._records)

    def find(self, chunk_id: str) -> int | None:
        """The position of the chunk ``chunk_id``, or None."""
        if self._by_id is None:
            self._by_id = {r.id: i for i, r in enumerate(self._records)}
        return self._by_id.get(chunk_id)

    def documents(self) -> dict[str, str]:
        """The sha256 of each document's file, by source (of its last record, in table order)."""
        return {r.source: r.sha256 for r in self._records}

    def sentences(self, source: str) -> tuple[str, list[tuple[int, int]]] | None:
        """The document's file hash and its records' unit spans, in ordinal order (the rows
        of its sentence vectors); None when it has no record."""
        recs = self.of_source(source)
        if not recs:
            return None
        return recs[0].sha256, [u for r in recs for u in r.units]

    def chunk_counts(self) -> dict[str, int]:
        """How many records each document has, by source."""
        return dict(Counter(r.source for r in self._records))

    def of_source(self, source: str) -> list[ChunkRecord]:
        """The document's records, by ordinal."""
        if self._by_source is None:
            by: dict[str, list[int]] = {}
            for i, r in enumerate(self._records):
                by.setdefault(r.source, []).append(i)
            self._by_source = by
        return sorted(
            (self._records[i] for i in self._by_source.get(source, ())), key=lambda r: r.ordinal
        )


def save(folder: Path, records: Sequence[ChunkRecord]) -> None:
    """Write ``records`` (in this order) as columns into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    tables: dict[str, list[str]] = {name: [] for name in _COLS[:3]}
    at: dict[str, dict[str, int]] = {name: {} for name in _COLS[:3]}

    def code(name: str, value: str) -> int:
        got = at[name].get(value)
        if got is None:
            got = at[name][value] = len(tables[name])
            tables[name].append(value)
        return got

    n = len(records)
    cols = np.zeros((n, len(_COLS)), dtype=np.int64)
    counts = np.zeros(n + 1, dtype=np.int64)
    for i, r in enumerate(records):
        cols[i] = (
            code("source", r.source),
            code("sha256", r.sha256),
            code("headings", _SEP.join(r.headings)),
            r.ordinal,
            r.start,
            r.end,
        )
        counts[i + 1] = len(r.units)
    unit_at = np.cumsum(counts)
    units = np.array([x for r in records for u in r.units for x in u], dtype=np.int64)
    width = max((len(r.id) for r in records), default=1)
    ids = np.array([r.id.encode("ascii") for r in records], dtype=f"S{width}")
    np.save(folder / "ids.npy", ids)
    np.save(folder / "order.npy", np.argsort(ids, kind="stable").astype(np.int64))
    np.save(folder / "cols.npy", cols)
    np.save(folder / "units.npy", units)
    np.save(folder / "unit_at.npy", unit_at)
    by_source = np.lexsort((cols[:, 3], cols[:, 0])).astype(np.int64)  # source, then ordinal
    source_at = np.searchsorted(cols[by_source, 0], np.arange(len(tables["source"]) + 1))
    np.save(folder / "by_source.npy", by_source)
    np.save(folder / "source_at.npy", source_at.astype(np.int64))
    (folder / "tables.json").write_text(json.dumps(tables), encoding="utf-8")


class MappedChunkTable(ChunkTable):
    """The table :func:`save` wrote, memory-mapped; records are built when asked for."""

    def __init__(self, folder: Path):
        super().__init__(())
        tables = json.loads((folder / "tables.json").read_text(encoding="utf-8"))
        self._sources: list[str] = tables["source"]
        self._shas: list[str] = tables["sha256"]
        self._headings = [tuple(h.split(_SEP)) if h else () for h in tables["headings"]]
        self._source_at = {s: i for i, s in enumerate(self._sources)}

        def load(name: str) -> npt.NDArray[Any]:
            mapped = np.load(folder / name, mmap_mode="r", allow_pickle=False)
            return np.asarray(mapped).view(
                np.ndarray
            )  # the same pages; plain indexing is 10x cheaper

        self._ids, self._order = load("ids.npy"), load("order.npy")
        self._cols, self._units, self._unit_at = (
            load("cols.npy"),
            load("units.npy"),
            load("unit_at.npy"),
        )
        self._grouped, self._group_at = load("by_source.npy"), load("source_at.npy")
        n = len(self._ids)
        if len(self._grouped) != n or len(self._group_at) != len(self._sources) + 1:
            raise ValueError(f"the chunk table in {folder} is inconsistent")
        if (
            self._cols.shape != (n, len(_COLS))
            or len(self._order) != n
            or len(self._unit_at) != n + 1
        ):
            raise ValueError(f"the chunk table in {folder} is inconsistent")

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, i: int) -> ChunkRecord: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[ChunkRecord]: ...
    def __getitem__(self, i: int | slice) -> ChunkRecord | Sequence[ChunkRecord]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if not -n <= i < n:
            raise IndexError(i)
        i %= n
        source, sha, heads, ordinal, start, end = (int(x) for x in self._cols[i])
        a, b = int(self._unit_at[i]), int(self._unit_at[i + 1])
        flat = [int(x) for x in self._units[2 * a : 2 * b]]
        return ChunkRecord(
            id=self._ids[i].decode("ascii"),
            source=self._sources[source],
            ordinal=ordinal,
            start=start,
            end=end,
            sha256=self._shas[sha],
            headings=self._headings[heads],
            units=tuple(zip(flat[::2], flat[1::2], strict=True)),
        )

    def __iter__(self) -> Iterator[ChunkRecord]:
        for i in range(len(self)):
            yield self[i]

    def find(self, chunk_id: str) -> int | None:
        key = chunk_id.encode("ascii", "replace")
        sorted_at = int(np.searchsorted(self._ids, key, sorter=self._order))
        if sorted_at < len(self._order):
            i = int(self._order[sorted_at])
            if self._ids[i] == key:
                return i
        return None

    def documents(self) -> dict[str, str]:
        starts, ends = self._group_at[:-1], self._group_at[1:]
        has = starts < ends  # a source code with records (every one, as saved)
        last = self._grouped[ends[has] - 1]  # each source's last record by ordinal
        shas = self._cols[last, 1]
        codes = np.flatnonzero(has)
        return {self._sources[int(c)]: self._shas[int(h)] for c, h in zip(codes, shas, strict=True)}

    def sentences(self, source: str) -> tuple[str, list[tuple[int, int]]] | None:
        code = self._source_at.get(source)
        if code is None or self._group_at[code] == self._group_at[code + 1]:
            return None
        rows = self._grouped[int(self._group_at[code]) : int(self._group_at[code + 1])]
        sha = self._shas[int(self._cols[rows[0], 1])]
        parts = [self._units[2 * self._unit_at[r] : 2 * self._unit_at[r + 1]] for r in rows]
        flat = np.concatenate(parts).tolist() if parts else []
        return sha, list(zip(flat[::2], flat[1::2], strict=True))

    def chunk_counts(self) -> dict[str, int]:
        sizes = np.diff(self._group_at)
        return {self._sources[int(c)]: int(sizes[c]) for c in np.flatnonzero(sizes)}

    def of_source(self, source: str) -> list[ChunkRecord]:
        code = self._source_at.get(source)
        if code is None:
            return []
        a, b = int(self._group_at[code]), int(self._group_at[code + 1])
        return [self[int(i)] for i in self._grouped[a:b]]
