"""The vector store: a thin adapter over Chroma (embedded by default, a server when a URL is set).

Chroma holds one vector per chunk and the chunk's span metadata (source, start, end, the file's
sha256, heading path and the spans of its sentences); it does not hold the sentences' vectors
(files per document, :mod:`assistant.sentvecs`) or the text,
which is the document's text as its reader extracted it, stored beside the index
(:mod:`assistant.texts`) and checked against the file's hash, so a quote can only ever be what
the document says. Collection metadata records how the index was built (model key,
chunk budget, pipeline version, corpus folder) and whether its last ingest finished, so a
mismatch or an interrupted ingest is detected. Nothing outside this module imports chromadb.

Crash safety is built from three things here (the order of writes is :mod:`assistant.ingest`'s):

* **Completion marks.** A second collection holds one mark per document (its sha256, chunk and
  sentence counts, a digest of its chunk ids), written after all of its chunks and sentence
  vectors and deleted before any of them. :meth:`ChunkStore.audit` lists the documents whose
  stored chunks do not match their mark, or that have none: those are incomplete.
* **Generations.** An index named ``corpus`` lives in ``corpus`` (generation 0) or
  ``corpus__g<N>``, each with its ``__docs`` collection (and ``__units`` in indexes of older
  versions, which kept sentence vectors in Chroma); the pointer collection
  ``corpus__live`` names the generation that serves. A rebuild writes a new generation and
  moves the pointer only after its last write; other generations are orphans, dropped by the
  next writer.
* **Plain failures.** Chroma errors become one line: a damaged store (``chroma.sqlite3``; run
  ``assistant ingest --rebuild``, which moves it aside), a read-only index folder (then the
  store is read from a temporary copy, since Chroma cannot open it read-only), an index rebuilt
  or removed by another process while this one had it open.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlparse

import numpy as np

from . import memory
from .errors import AssistantError, DependencyError, IndexDamagedError, IndexStaleError, UserError

_SEP = "\x1f"  # joins heading path entries in metadata
_UNITS, _DOCS, _LIVE = "__units", "__docs", "__live"
_PAGE = 10_000  # records per Chroma read (SQLite allows 32,766 variables per statement)


def _units_str(units: Sequence[tuple[int, int]]) -> str:
    return ";".join(f"{s},{e}" for s, e in units)


def _units_parse(raw: object) -> tuple[tuple[int, int], ...]:
    if not isinstance(raw, str) or not raw:
        return ()
    out = []
    for part in raw.split(";"):
        s, e = part.split(",")
        out.append((int(s), int(e)))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ChunkRecord:
    id: str
    source: str
    ordinal: int
    start: int
    end: int
    sha256: str  # of the whole file the span points into
    headings: tuple[str, ...] = ()  # heading path above the chunk, outermost first
    units: tuple[tuple[int, int], ...] = ()  # quotable units (sentences), absolute spans


@dataclass(frozen=True)
class IndexInfo:
    model_key: str
    chunk_tokens: int
    pipeline: str
    corpus_dir: str
    built_at: float
    complete: bool = True  # False from the first write of an ingest until it finished


@dataclass(frozen=True)
class DocMark:
    """A document's completion mark: what its complete set of chunks in the store is."""

    source: str
    sha256: str
    chunks: int
    units: int
    digest: str  # of its sorted chunk ids

    @classmethod
    def of(cls, source: str, sha256: str, records: Sequence[ChunkRecord]) -> DocMark:
        ids = "\n".join(sorted(r.id for r in records))
        return cls(
            source,
            sha256,
            len(records),
            sum(len(r.units) for r in records),
            hashlib.sha256(ids.encode()).hexdigest()[:32],
        )


@dataclass
class Audit:
    """Which documents of a generation are complete, and what is left over."""

    marked: bool  # the generation has a marks collection (an index of an older version has not)
    complete: dict[str, DocMark] = field(default_factory=dict)  # by source
    incomplete: dict[str, str] = field(default_factory=dict)  # source -> what is wrong


_import_lock = threading.RLock()


def _mark_override(method: Any = None, **_options: Any) -> Any:
    """What ``overrides.override`` does to a method, without its checks: mark it."""
    if method is None:
        return _mark_override
    method.__override__ = True
    return method


@contextlib.contextmanager
def _unchecked_overrides() -> Iterator[None]:
    """chromadb decorates about 160 methods with the ``overrides`` package's ``@override``,
    which checks each one's signature against its base class while the class is defined
    (disassembling the caller's bytecode): half of chromadb's import time, and more when a
    client first loads its components, paid by every cold ``assistant ask``. Those checks guard
    chromadb's own development; within this block they are skipped (methods are only marked,
    as ``EnforceOverrides`` requires) and the real decorator is put back after it."""
    with _import_lock:
        checks: Any = None
        with contextlib.suppress(ImportError):  # a chromadb that no longer uses it
            import overrides as checks
        saved = (checks.override, checks.overrides) if checks is not None else None
        try:
            if checks is not None:
                checks.override = checks.overrides = _mark_override
            yield
        finally:
            if checks is not None and saved is not None:
                checks.override, checks.overrides = saved


def _import_chromadb() -> Any:
    """Import chromadb, once per process (see :func:`_unchecked_overrides`)."""
    if "chromadb" in sys.modules:
        return sys.modules["chromadb"]
    with _unchecked_overrides():
        import chromadb
    return chromadb


def _settings(**more: Any) -> Any:
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False, **more)


def _mark_id(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def _writable(folder: Path) -> bool:
    """Whether this process may create files in ``folder`` (and change its store)."""
    store = folder / "chroma"
    paths = [folder, store, store / "chroma.sqlite3"]
    return all(os.access(p, os.W_OK) for p in paths if p.exists())


def _forget_client(path: Path) -> None:
    """Drop chromadb's cached client of ``path`` after a failed open, so a later open starts anew."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(str(path), None)
    SharedSystemClient._identifier_to_refcount.pop(str(path), None)


P = ParamSpec("P")
R = TypeVar("R")


def _guarded(
    method: Callable[Concatenate[ChunkStore, P], R],
) -> Callable[Concatenate[ChunkStore, P], R]:
    """Chroma's exceptions out of ``method`` become this package's one-line errors."""

    @functools.wraps(method)
    def wrapper(self: ChunkStore, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except AssistantError:
            raise
        except Exception as exc:  # chromadb raises assorted errors from Python and Rust
            raise self.failure(exc) from None

    return wrapper


class ChunkStore:
    """The serving generation of one named index (and the way to write a new one)."""

    def __init__(
        self,
        client: Any,
        name: str,
        location: str,
        *,
        path: Path | None = None,
        batch: int = 1000,
        read_only: bool = False,
    ):
        self._client = client
        self.name = name
        self.location = location
        self.path = path  # the embedded store's folder; None for a server
        self.batch = batch
        self.read_only = read_only  # a temporary copy of a read-only folder's store
        self.generation = 0
        self._cols: dict[str, Any] = {}

    @classmethod
    def open(
        cls, index_dir: Path, name: str, url: str | None = None, batch: int = 1000
    ) -> ChunkStore:
        chromadb = _import_chromadb()
        if url:
            u = urlparse(url)
            port = u.port or (443 if u.scheme == "https" else 8000)
            try:
                with _unchecked_overrides():  # it imports more of chromadb
                    client = chromadb.HttpClient(
                        host=u.hostname or "127.0.0.1",
                        port=port,
                        ssl=u.scheme == "https",
                        # plain http: no certificates to check (loading the CA bundle: 0.12 s)
                        settings=_settings(
                            **({} if u.scheme == "https" else {"chroma_server_ssl_verify": False})
                        ),
                    )
                client.heartbeat()
            except Exception as exc:  # chromadb raises assorted transport errors
                raise DependencyError(
                    f"cannot reach the Chroma server at {url} ({type(exc).__name__}); start it with "
                    "`chroma run --host 127.0.0.1 --port PORT --path DIR`, or unset ASSISTANT_CHROMA_URL"
                ) from None
            store = cls(client, name, url, batch=batch)
        else:
            store = cls._open_embedded(index_dir / "chroma", name, batch)
        store.generation = store._live_generation()
        return store

    @classmethod
    def _open_embedded(cls, path: Path, name: str, batch: int) -> ChunkStore:
        import chromadb

        read_only = not _writable(path.parent)
        opened = path
        if read_only:
            opened = cls._temporary_copy(path)
        else:
            path.mkdir(parents=True, exist_ok=True)
        try:
            with _unchecked_overrides():  # it imports more of chromadb
                client = chromadb.PersistentClient(path=str(opened), settings=_settings())
        except Exception as exc:  # chromadb raises assorted errors from Python and Rust
            _forget_client(opened)
            if not read_only and "readonly" in str(exc).lower():  # e.g. a read-only sqlite file
                return cls._open_embedded_copy(path, name, batch)
            raise cls(None, name, str(path), path=path).failure(exc) from None
        return cls(client, name, str(path), path=path, batch=batch, read_only=read_only)

    @classmethod
    def _open_embedded_copy(cls, path: Path, name: str, batch: int) -> ChunkStore:
        import chromadb

        opened = cls._temporary_copy(path)
        try:
            with _unchecked_overrides():  # it imports more of chromadb
                client = chromadb.PersistentClient(path=str(opened), settings=_settings())
        except Exception as exc:  # chromadb raises assorted errors from Python and Rust
            _forget_client(opened)
            raise cls(None, name, str(path), path=path).failure(exc) from None
        return cls(client, name, str(path), path=path, batch=batch, read_only=True)

    @staticmethod
    def _temporary_copy(path: Path) -> Path:
        """A private copy of a read-only store, removed when the process ends."""
        tmp = Path(tempfile.mkdtemp(prefix="assistant-readonly-index-"))
        atexit.register(shutil.rmtree, tmp, True)
        target = tmp / "chroma"
        try:
            if path.is_dir():
                shutil.copytree(path, target, copy_function=shutil.copyfile)
            else:
                target.mkdir()
            for p in [target, *target.rglob("*")]:  # the copy keeps the folder's modes
                p.chmod(p.stat().st_mode | 0o700 if p.is_dir() else 0o600)
        except OSError as exc:
            raise DependencyError(
                f"the index folder {path.parent} is read-only and its store could not be copied to "
                f"{tmp} to read it ({exc.strerror or exc}); make the folder writable, or free space "
                "in the temporary folder"
            ) from None
        return target

    @staticmethod
    def move_aside(index_dir: Path) -> Path:
        """Move a damaged embedded store out of the way; where it went."""
        path = index_dir / "chroma"
        target = index_dir / f"chroma.corrupt-{time.strftime('%Y%m%d-%H%M%S')}"
        n = 1
        while target.exists():
            n += 1
            target = index_dir / f"chroma.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{n}"
        path.rename(target)
        _forget_client(path)
        return target

    def failure(self, exc: Exception) -> AssistantError:
        """The one-line error for a failure of Chroma on this store."""
        what = f"{type(exc).__name__}: {_first_line(exc)}"
        if type(exc).__name__ == "NotFoundError":
            return IndexStaleError(
                f"the index {self.name!r} in {self.location} was rebuilt or removed by another "
                "process while this one had it open; try again (it is opened anew)"
            )
        if self.path is None:
            return DependencyError(
                f"the Chroma server at {self.location} failed ({what}); check the server, or "
                "unset ASSISTANT_CHROMA_URL"
            )
        if "readonly" in what.lower() or "read-only" in what.lower():
            return UserError(
                f"the index folder {self.path.parent} is read-only ({what}); indexing writes "
                "there: make it writable, or pass --index a writable folder"
            )
        return IndexDamagedError(
            f"the index store {self.path / 'chroma.sqlite3'} is damaged or unreadable ({what}); "
            "run `assistant ingest --rebuild` to move it aside and build a fresh index"
        )

    def close(self) -> None:
        """Let go of the embedded store's client, so that the next open reads what other
        processes wrote since (Chroma caches one client per folder and process)."""
        if self.path is not None:
            _forget_client(self.path)
        self._cols = {}

    # -- generations --------------------------------------------------------------------------
    def _names(self) -> set[str]:
        return {getattr(c, "name", c) for c in self._client.list_collections()}

    def _base(self, generation: int | None = None) -> str:
        g = self.generation if generation is None else generation
        return self.name if g == 0 else f"{self.name}__g{g}"

    def _generations(self, names: set[str]) -> set[int]:
        pattern = re.compile(re.escape(self.name) + r"(?:__g(\d+))?(?:__units|__docs)?")
        return {int(m[1] or 0) for n in names if (m := pattern.fullmatch(n))}

    @_guarded
    def _live_generation(self) -> int:
        if self.name + _LIVE not in self._names():
            return 0
        meta = self._client.get_collection(self.name + _LIVE).metadata or {}
        return int(meta.get("generation", 0))

    @_guarded
    def collections(self) -> list[str]:
        """This index's collections in the store: every generation's, and the pointer."""
        names = self._names()
        gens = self._generations(names)
        ours = {self._base(g) + suffix for g in gens for suffix in ("", _UNITS, _DOCS)}
        return sorted(n for n in names if n in ours or n == self.name + _LIVE)

    @_guarded
    def exists(self) -> bool:
        """Whether anything of this index is in the store (a finished index or not)."""
        names = self._names()
        return bool(self._generations(names)) or self.name + _LIVE in names

    @_guarded
    def present(self) -> bool:
        """Whether this handle's generation has any collection in the store."""
        return self.generation in self._generations(self._names())

    @_guarded
    def orphans(self) -> list[int]:
        """Generations that do not serve: a rebuild that did not finish, or an old generation
        that a finished rebuild had not dropped yet."""
        return sorted(self._generations(self._names()) - {self.generation})

    @_guarded
    def new_generation(self, want: IndexInfo) -> ChunkStore:
        """A handle on a generation to rebuild into: an orphan with the same settings (a rebuild
        that did not finish, resumed) or a new, empty one. It does not serve until
        :meth:`point_to`."""
        names = self._names()
        gens = self._generations(names) | {self.generation}
        other = ChunkStore(self._client, self.name, self.location, path=self.path, batch=self.batch)
        for g in sorted(gens - {self.generation}, reverse=True):
            other.generation = g
            info = other.info()
            if info is not None and (
                info.model_key,
                info.chunk_tokens,
                info.pipeline,
                info.corpus_dir,
            ) == (want.model_key, want.chunk_tokens, want.pipeline, want.corpus_dir):
                return other
        other.generation = max(gens) + 1
        return other

    @_guarded
    def point_to(self, other: ChunkStore) -> int:
        """Make ``other``'s generation the serving one (one metadata write); the old number."""
        self._check_writable()
        old = self.generation
        pointer = self._client.get_or_create_collection(self.name + _LIVE, embedding_function=None)
        pointer.modify(metadata={"generation": other.generation, "switched_at": time.time()})
        self.generation = other.generation
        self._cols = dict(other._cols)
        return old

    @_guarded
    def drop_generation(self, generation: int) -> None:
        """Delete a generation's collections (they may already be gone)."""
        self._check_writable()
        if generation == self.generation:
            self._cols = {}
        names = self._names()
        base = self._base(generation)
        for name in (base, base + _UNITS, base + _DOCS):
            self._cols.pop(name, None)
            if name in names:
                self._client.delete_collection(name)

    def drop(self) -> None:
        """Delete every generation of this index and its pointer."""
        for g in self._generations(self._names()):
            self.drop_generation(g)
        if self.name + _LIVE in self._names():
            self._client.delete_collection(self.name + _LIVE)
        self.generation = 0
        self._cols = {}

    # -- collections --------------------------------------------------------------------------
    def _check_writable(self) -> None:
        if self.read_only:
            raise UserError(
                f"the index folder {self.location} is read-only; indexing writes there: make it "
                "writable, or pass --index a writable folder"
            )

    def _col(self, suffix: str = "", create: bool = False) -> Any:
        name = self._base() + suffix
        col = self._cols.get(name)
        if col is None:
            if not create and name not in self._names():
                return None
            if create:
                self._check_writable()
            col = self._client.get_or_create_collection(
                name, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
            self._cols[name] = col
        return col

    @_guarded
    def info(self) -> IndexInfo | None:
        col = self._col()
        meta = (col.metadata or {}) if col is not None else {}
        if "model_key" not in meta:
            return None
        return IndexInfo(
            model_key=str(meta["model_key"]),
            chunk_tokens=int(meta["chunk_tokens"]),
            pipeline=str(meta["pipeline"]),
            corpus_dir=str(meta.get("corpus_dir", "")),
            built_at=float(meta.get("built_at", 0.0)),
            complete=meta.get("state", "complete") == "complete",
        )

    @_guarded
    def set_info(self, info: IndexInfo) -> None:
        """Record how the generation is built and whether it is complete (its marks collection
        is created with it, so an index without one is from an older version)."""
        col = self._col(create=True)
        self._col(_DOCS, create=True)
        col.modify(
            metadata={
                "model_key": info.model_key,
                "chunk_tokens": info.chunk_tokens,
                "pipeline": info.pipeline,
                "corpus_dir": info.corpus_dir,
                "built_at": info.built_at or time.time(),
                "state": "complete" if info.complete else "writing",
            }
        )

    # -- records ------------------------------------------------------------------------------
    @_guarded
    def count(self) -> int:
        col = self._col()
        return 0 if col is None else int(col.count())

    @_guarded
    def records(self) -> list[ChunkRecord]:
        col = self._col()
        if col is None:
            return []
        out: list[ChunkRecord] = []
        shared: dict[Any, Any] = {}  # one object per distinct source, hash and heading path

        def one(value: Any) -> Any:
            return shared.setdefault(value, value)

        for page in _pages(col):  # records built a page at a time: no page of dicts is kept
            out.extend(
                ChunkRecord(
                    id=i,
                    source=one(str(m["source"])),
                    ordinal=int(m["ordinal"]),
                    start=int(m["start"]),
                    end=int(m["end"]),
                    sha256=one(str(m["sha256"])),
                    headings=one(tuple(h for h in str(m.get("headings") or "").split(_SEP) if h)),
                    units=_units_parse(m.get("units")),
                )
                for i, m in zip(page["ids"], page["metadatas"], strict=True)
            )
            del page
            memory.trim()  # the page's dicts: 150k records' worth held 250 MB more otherwise
        out.sort(key=lambda r: (r.source, r.ordinal))
        return out

    @_guarded
    def add(
        self,
        records: Sequence[ChunkRecord],
        vectors: np.ndarray,
        after_batch: Callable[[], None] | None = None,
    ) -> None:
        col = self._col(create=True)
        n = self.batch
        for at in range(0, len(records), n):
            part = records[at : at + n]
            col.upsert(
                ids=[r.id for r in part],
                embeddings=vectors[at : at + n],
                metadatas=[
                    {
                        "source": r.source,
                        "ordinal": r.ordinal,
                        "start": r.start,
                        "end": r.end,
                        "sha256": r.sha256,
                        "headings": _SEP.join(r.headings),
                        "units": _units_str(r.units),
                    }
                    for r in part
                ],
            )
            if after_batch:
                after_batch()

    @_guarded
    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored chunk vectors among ``ids`` (missing ones are left out)."""
        return _embeddings(self._col(), ids)

    @_guarded
    def delete(self, ids: Sequence[str], after_batch: Callable[[], None] | None = None) -> None:
        """Delete chunks."""
        col = self._col()
        if col is None:
            return
        self._check_writable()
        n = self.batch
        for at in range(0, len(ids), n):
            col.delete(ids=list(ids[at : at + n]))
            if after_batch:
                after_batch()

    def warm_up(self) -> None:
        """Have Chroma load its nearest-neighbour index now (it does so at the first query: about
        1 s at 150k chunks), e.g. in a thread while the rest of an index opens. Errors are left
        for the real query to report."""
        try:
            col = self._col()
            one = col.get(limit=1, include=["embeddings"]) if col is not None else None
            if col is not None and one is not None and len(one["ids"]):
                vector = np.asarray(one["embeddings"][0], dtype=np.float32)
                col.query(query_embeddings=[vector], n_results=1, include=[])
        except Exception:  # chromadb raises assorted errors; the query reports them
            return

    @_guarded
    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` nearest chunk ids with cosine similarity, best first."""
        col = self._col()
        if col is None or k <= 0:
            return []
        # Chroma returns fewer than ``k`` when it has fewer (no count() first: it costs 5 ms)
        res = col.query(query_embeddings=[vector], n_results=k, include=["distances"])
        return [
            (i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)
        ]

    # -- completion marks ---------------------------------------------------------------------
    @_guarded
    def marks(self) -> dict[str, DocMark] | None:
        """Each marked document's mark, by source; None when there is no marks collection."""
        col = self._col(_DOCS)
        if col is None:
            return None
        return {
            str(m["source"]): DocMark(
                str(m["source"]),
                str(m["sha256"]),
                int(m["chunks"]),
                int(m["units"]),
                str(m["digest"]),
            )
            for page in _pages(col)
            for m in page["metadatas"]
        }

    @_guarded
    def mark(self, marks: Sequence[DocMark]) -> None:
        """Record documents as complete (after all of their chunks and sentence vectors)."""
        col = self._col(_DOCS, create=True)
        n = self.batch
        for at in range(0, len(marks), n):
            part = marks[at : at + n]
            col.upsert(
                ids=[_mark_id(m.source) for m in part],
                embeddings=np.ones((len(part), 1), dtype=np.float32),
                metadatas=[
                    {
                        "source": m.source,
                        "sha256": m.sha256,
                        "chunks": m.chunks,
                        "units": m.units,
                        "digest": m.digest,
                    }
                    for m in part
                ],
            )

    @_guarded
    def unmark(self, sources: Sequence[str]) -> None:
        """Forget that documents are complete (before any of their chunks changes)."""
        col = self._col(_DOCS)
        if col is None or not sources:
            return
        self._check_writable()
        ids = [_mark_id(s) for s in sources]
        for at in range(0, len(ids), self.batch):
            col.delete(ids=ids[at : at + self.batch])

    @_guarded
    def audit(self, records: Sequence[ChunkRecord]) -> Audit:
        """Compare the stored chunks (``records``: :meth:`records`) with the marks: which
        documents are complete, which are not and why (their sentence vectors are checked by
        :mod:`assistant.ingest`)."""
        marks = self.marks()
        audit = Audit(marked=marks is not None)
        marks = marks or {}
        by_source: dict[str, list[ChunkRecord]] = {}
        for r in records:
            by_source.setdefault(r.source, []).append(r)
        for source in sorted(by_source.keys() | marks.keys()):
            mark, recs = marks.get(source), by_source.get(source, [])
            if mark is None:
                audit.incomplete[source] = "not marked complete"
            elif DocMark.of(source, mark.sha256, recs) != mark or any(
                r.sha256 != mark.sha256 for r in recs
            ):
                audit.incomplete[source] = f"{len(recs)} of its {mark.chunks} chunks stored"
            else:
                audit.complete[source] = mark
        return audit


def _embeddings(col: Any, ids: Sequence[str]) -> dict[str, np.ndarray]:
    """The stored vectors of ``col`` among ``ids``, as float32 arrays."""
    if not ids or col is None:
        return {}
    out: dict[str, np.ndarray] = {}
    for at in range(0, len(ids), _PAGE):
        got = col.get(ids=list(ids[at : at + _PAGE]), include=["embeddings"])
        for i, v in zip(got["ids"], got["embeddings"], strict=True):
            out[i] = np.asarray(v, dtype=np.float32)
    return out


def _pages(col: Any) -> Iterator[dict[str, Any]]:
    """Every id and metadata of ``col``, a page at a time: one ``get`` of more than 32,766
    records fails in Chroma's SQLite ("too many SQL variables")."""
    offset = 0
    while True:
        got = col.get(include=["metadatas"], limit=_PAGE, offset=offset)
        yield got
        offset += len(got["ids"])
        if len(got["ids"]) < _PAGE:
            return
