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
    from assistant.store import ChunkStore

    store = ChunkStore.open(index, name)
    info = store.info()
    records = store.records()
    audit = store.audit(records)
    marks = store.marks() or {}
    ids = [r.id for r in records]
    unit_ids = [u for r in records for u in r.unit_ids()]
    vectors = store.vectors(ids)
    units = store.unit_vectors(unit_ids)
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
        "orphan_units": audit.orphan_units,
        "unit_ids": sorted(units),
        "vectors": {i: np.round(v, 6).tolist() for i, v in sorted(vectors.items())},
        "unit_vectors": {i: np.round(v, 6).tolist() for i, v in sorted(units.items())},
    }


if __name__ == "__main__":
    print(json.dumps(dump(Path(sys.argv[1]), *sys.argv[2:3])))
