"""What the query path needs, saved at the end of every write, and the stamp that says it changed.

Opening an index must cost the same at 100 chunks and at 100k, and a long-running process must
notice, cheaply, that another process updated the index. So every finished write (an ingest, a
removal) leaves in ``<index>/query-<collection>/``:

* ``snap-<token>/``: the chunk records in retrieval order (``records/``, memory-mapped columns,
  :mod:`assistant.records`) and the retriever's
  own files (BM25 index and vocabulary, :meth:`HybridRetriever.save`), written in a temporary
  folder and renamed, so a snapshot is complete or absent;
* ``stamp.json``, replaced atomically last: a serial number, the state (``complete``, or
  ``writing`` from a write's first change to the store until it finished or was killed), the
  snapshot's token, how the index was built (:class:`~assistant.store.IndexInfo`, generation),
  the title (and page offsets) of each document and a manifest of its file as it was read: sha256, size and
  modification time (taken before the file was read, so a later edit always shows).

A reader stats ``stamp.json`` before each answer (one system call) and re-opens when it was
replaced by a complete one. It checks a file by size and modification time and hashes it only when
they differ. The previous snapshot is kept for readers still loading it; older ones are removed
by the next writer. Only the process holding the ingest lock writes here. It does not know Chroma
or BM25 (see :mod:`assistant.store`, :mod:`assistant.retrieval`).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import records as records_mod
from .records import MappedChunkTable
from .store import ChunkRecord, IndexInfo

COMPLETE, WRITING = "complete", "writing"
FORMAT = 2  # bump when the layout changes: an older snapshot is then ignored


@dataclass(frozen=True)
class FileState:
    """A document's file as the index read it."""

    sha256: str
    size: int  # bytes; -1 when unknown (then it is always hashed to be checked)
    mtime_ns: int

    @classmethod
    def of(cls, path: Path, sha256: str) -> FileState:
        st = path.stat()
        return cls(sha256, st.st_size, st.st_mtime_ns)

    def same_stat(self, st: os.stat_result) -> bool:
        return (self.size, self.mtime_ns) == (st.st_size, st.st_mtime_ns)


@dataclass(frozen=True)
class Stamp:
    serial: int
    state: str  # COMPLETE or WRITING
    token: str | None  # the snapshot's folder is snap-<token>
    info: IndexInfo | None
    generation: int
    files: dict[str, FileState] = field(default_factory=dict)  # by source
    titles: dict[str, str] = field(default_factory=dict)  # by source
    pages: dict[str, list[int]] = field(default_factory=dict)  # paged documents: page starts

    @property
    def complete(self) -> bool:
        return self.state == COMPLETE and self.token is not None and self.info is not None


StatKey = tuple[int, int, int]  # (inode, size, mtime_ns) of stamp.json: changes with each write


class Snapshots:
    """The snapshot folder of one index (``<index>/query-<collection>``)."""

    def __init__(self, index_dir: Path, collection: str):
        self.folder = index_dir / f"query-{collection}"
        self.stamp_file = self.folder / "stamp.json"

    def stat_key(self) -> StatKey | None:
        """Cheap: what identifies the current stamp (None: there is none)."""
        try:
            st = self.stamp_file.stat()
        except OSError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def stamp(self) -> Stamp | None:
        try:
            raw = json.loads(self.stamp_file.read_text(encoding="utf-8"))
            if raw.get("format") != FORMAT:
                return None
            info = raw.get("info")
            return Stamp(
                serial=int(raw["serial"]),
                state=str(raw["state"]),
                token=raw.get("token"),
                info=IndexInfo(**info) if info else None,
                generation=int(raw.get("generation", 0)),
                files={s: FileState(*v) for s, v in raw.get("files", {}).items()},
                titles=dict(raw.get("titles", {})),
                pages={s: [int(x) for x in p] for s, p in raw.get("pages", {}).items()},
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None  # none, or unreadable: the reader takes the slow path

    def _write_stamp(self, stamp: Stamp) -> None:
        raw = {
            "format": FORMAT,
            "serial": stamp.serial,
            "state": stamp.state,
            "token": stamp.token,
            "info": asdict(stamp.info) if stamp.info else None,
            "generation": stamp.generation,
            "files": {s: [f.sha256, f.size, f.mtime_ns] for s, f in sorted(stamp.files.items())},
            "titles": dict(sorted(stamp.titles.items())),
            "pages": dict(sorted(stamp.pages.items())),
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".stamp.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(raw, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.stamp_file)

    def begin(self) -> None:
        """A write's first change to the store: readers must not trust the snapshot now."""
        old = self.stamp()
        serial = old.serial + 1 if old else 1
        self._write_stamp(Stamp(serial, WRITING, None, None, 0))

    def commit(
        self,
        info: IndexInfo,
        generation: int,
        records: Sequence[ChunkRecord],
        files: Mapping[str, FileState],
        titles: Mapping[str, str],
        pages: Mapping[str, Sequence[int]],
        save: Callable[[Path], None],
        reuse: bool = False,
    ) -> Stamp:
        """Save a snapshot of a finished write and make it current.

        ``save(folder)`` writes the retriever's files. With ``reuse`` (nothing in the store
        changed) the current snapshot's records and retriever are kept, if there is one."""
        old = self.stamp()
        token = old.token if reuse and old is not None and old.token else None
        if (
            token is None
            or not (self.folder / f"snap-{token}" / "records" / "tables.json").is_file()
        ):
            token = secrets.token_hex(8)
            tmp = self.folder / f".snap-{token}.tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            records_mod.save(tmp / "records", records)
            save(tmp / "retriever")
            os.replace(tmp, self.folder / f"snap-{token}")
        stamp = Stamp(
            (old.serial if old else 0) + 1,
            COMPLETE,
            token,
            info,
            generation,
            dict(files),
            dict(titles),
            {s: list(p) for s, p in pages.items()},
        )
        self._write_stamp(stamp)
        previous = old.token if old is not None else None
        for d in self.folder.glob("*snap-*"):
            if d.name not in (f"snap-{token}", f"snap-{previous}"):
                shutil.rmtree(d, ignore_errors=True)
        return stamp

    def records(self, stamp: Stamp) -> MappedChunkTable | None:
        """The records of the stamp's snapshot, in retrieval order, mapped (None: it is gone)."""
        try:
            return MappedChunkTable(self.folder / f"snap-{stamp.token}" / "records")
        except (OSError, ValueError, KeyError):
            return None

    def retriever_dir(self, stamp: Stamp) -> Path:
        return self.folder / f"snap-{stamp.token}" / "retriever"
