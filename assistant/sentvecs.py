"""Sentence vectors: one file per indexed document, beside its stored text, memory-mapped.

The answerer's evidence scorer compares the question with each quotable unit (sentence) of the
retrieved chunks. Ingest embeds every unit once and keeps the vectors of a document in
``<index>/vectors/<collection>/<key>.npy``: a float32 array, one row per unit, in the order of
the document's chunks (by ordinal) and of each chunk's units. ``key`` digests the document's
source, the sha256 of its file and a tag of how it was indexed (model key, chunk budget,
pipeline version), so a changed file or setting never meets vectors of another.

Reading one document's rows maps its file (no copy, nothing read that is not used), so opening
an index costs nothing here at any corpus size, and a long-running process shares the pages
with the OS cache. Files are written to a temporary name and renamed into place, so a reader
sees a whole file or none; a file with a row count other than its document's units counts as
missing (the caller embeds those units instead, and ingest writes them again). It does not
know about chunks or the vector store (see :mod:`assistant.ingest`, :mod:`assistant.store`).
"""

from __future__ import annotations

import hashlib
import mmap
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

# The header np.save writes for a 2-D little-endian float32 array (format 1.0), read with a
# pattern: np.load parses it with ast and maps the file through np.memmap, 0.25 ms a file.
_HEAD = 128
_HEADER = re.compile(
    rb"\x93NUMPY\x01\x00(?P<len>..)\{'descr': '<f4', 'fortran_order': False, "
    rb"'shape': \((?P<rows>\d+), (?P<dim>\d+)\), \} *\n",
    re.DOTALL,
)


def _shape(head: bytes) -> tuple[int, int, int] | None:
    """(rows, dim, offset of the data) from a file's first bytes, when they are such a header."""
    m = _HEADER.match(head)
    if m is None or 10 + int.from_bytes(m["len"], "little") != m.end():
        return None
    return int(m["rows"]), int(m["dim"]), m.end()


def _general(path: Path, rows: int) -> Vectors | None:
    """A file of another layout (another numpy version, Fortran order) read by ``np.load``."""
    got = np.load(path, mmap_mode="r", allow_pickle=False)
    if got.dtype != np.float32 or got.ndim != 2 or got.shape[0] != rows:
        return None
    return got  # type: ignore[no-any-return]


def tag(model_key: str, chunk_tokens: int, pipeline: str) -> str:
    """How an index was built, as far as its units and their vectors depend on it."""
    return hashlib.sha256(f"{model_key}\0{chunk_tokens}\0{pipeline}".encode()).hexdigest()[:16]


class SentenceVectors:
    def __init__(self, folder: Path, tag: str):
        self.folder, self.tag = folder, tag

    @classmethod
    def for_index(cls, index_dir: Path, collection: str, tag: str) -> SentenceVectors:
        return cls(index_dir / "vectors" / collection, tag)

    def key(self, source: str, sha256: str) -> str:
        return hashlib.sha256(f"{source}\0{sha256}\0{self.tag}".encode()).hexdigest()[:32]

    def path(self, source: str, sha256: str) -> Path:
        return self.folder / f"{self.key(source, sha256)}.npy"

    def get(self, source: str, sha256: str, rows: int) -> Vectors | None:
        """The document's vectors, memory-mapped (read-only); None when there is no whole file
        of ``rows`` rows."""
        path = self.path(source, sha256)
        try:
            with open(path, "rb") as f:
                shape = _shape(f.read(_HEAD))
                if shape is None:  # not a header as np.save writes ours: numpy's own reader
                    return _general(path, rows)
                n, dim, offset = shape
                if n != rows or os.fstat(f.fileno()).st_size < offset + 4 * n * dim:
                    return None
                if n * dim == 0:
                    return np.zeros((n, dim), dtype=np.float32)
                mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            return None
        return np.frombuffer(mapped, dtype="<f4", count=n * dim, offset=offset).reshape(n, dim)

    def has(self, source: str, sha256: str, rows: int) -> bool:
        """Whether a whole file of ``rows`` rows is there (reads its header only)."""
        return self.get(source, sha256, rows) is not None

    def put(self, source: str, sha256: str, vectors: Vectors) -> None:
        """Store the document's vectors (atomically: a reader sees the old file or the new)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.path(source, sha256)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def keep(self, documents: set[tuple[str, str]]) -> int:
        """Delete every file but those of ``documents`` ((source, sha256) pairs) under this
        tag, and leftovers of interrupted writes; the number of files deleted."""
        if not self.folder.is_dir():
            return 0
        wanted = {f"{self.key(s, h)}.npy" for s, h in documents}
        gone = 0
        for path in self.folder.iterdir():
            if path.name not in wanted and (path.suffix in (".npy", ".tmp")):
                path.unlink(missing_ok=True)
                gone += 1
        return gone
