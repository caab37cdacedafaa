"""Everything an index holds, as JSON, read in a process of its own (``python -m tests.indexdump
INDEX [COLLECTION]``): the reliability suite compares a recovered index with a clean build this
way, without opening Chroma in the test process while other processes write to it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np


def dump(index: Path, name: str = "corpus") -> dict[str, Any]:
    from assistant import offline  # noqa: F401
    from assistant.sentvecs import SentenceVectors, tag
    from assistant.store import ChunkStore

    store = ChunkStore.open(index, name)
    info = store.info()
    records = store.records()
    audit = store.audit(records)
    marks = store.marks() or {}
    ids = [r.id for r in records]
    vectors = store.vectors(ids)
    units: dict[str, Any] = {}  # "<chunk id>.<i>": the vector of the chunk's i-th sentence
    files = set()
    orphans: list[str] = []
    if info is not None:
        sv = SentenceVectors.for_index(
            index, name, tag(info.model_key, info.chunk_tokens, info.pipeline)
        )
        by_source: dict[str, list[Any]] = {}
        for r in records:
            by_source.setdefault(r.source, []).append(r)
        for source, recs in by_source.items():
            recs.sort(key=lambda r: r.ordinal)
            got = sv.get(source, recs[0].sha256, sum(len(r.units) for r in recs))
            if got is None:
                continue
            files.add(sv.path(source, recs[0].sha256).name)
            rows = iter(got)
            for r in recs:
                for i in range(len(r.units)):
                    units[f"{r.id}.{i}"] = next(rows)
        if sv.folder.is_dir():  # sentence vectors of no document, or half-written
            orphans = sorted(p.name for p in sv.folder.iterdir() if p.name not in files)
    return {
        "collections": store.collections(),
        "generation": store.generation,
        "complete": info is not None and info.complete,
        "records": [
            [r.id, r.source, r.ordinal, r.start, r.end, r.sha256, list(r.headings), r.units]
            for r in records
        ],
        "marks": {s: [m.sha256, m.chunks, m.units, m.digest] for s, m in sorted(marks.items())},
        "incomplete": audit.incomplete,
        "orphan_units": orphans,
        "unit_ids": sorted(units),
        "vectors": {i: np.round(v, 6).tolist() for i, v in sorted(vectors.items())},
        "unit_vectors": {i: np.round(v, 6).tolist() for i, v in sorted(units.items())},
    }


if __name__ == "__main__":
    print(json.dumps(dump(Path(sys.argv[1]), *sys.argv[2:3])))
