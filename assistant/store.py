"""The vector store: a thin adapter over Chroma (embedded by default, a server when a URL is set).

Chroma holds one vector per chunk and the chunk's span metadata (source, start, end, the file's
sha256, heading path and the spans of its sentences), and in a second collection one vector per
sentence (``<chunk id>.<i>``) for the answerer's evidence scorer; it does not hold the text,
which is the document's text as its reader extracted it, stored beside the index
(:mod:`assistant.texts`) and checked against the file's hash, so a quote can only ever be what
the document says. Collection metadata records how the index was built (model key,
chunk budget, pipeline version, corpus folder), so a mismatch is detected. Nothing outside this
module imports chromadb.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from .errors import DependencyError

_BATCH = 1000
_SEP = "\x1f"  # joins heading path entries in metadata


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


@dataclass(frozen=True)
class ChunkRecord:
    id: str
    source: str
    ordinal: int
    start: int
    end: int
    sha256: str  # of the whole file the span points into
    headings: tuple[str, ...] = ()  # heading path above the chunk, outermost first
    units: tuple[tuple[int, int], ...] = ()  # quotable units (sentences), absolute spans

    def unit_ids(self) -> list[str]:
        """Ids of this chunk's unit vectors in the store's unit collection."""
        return [f"{self.id}.{i}" for i in range(len(self.units))]


@dataclass(frozen=True)
class IndexInfo:
    model_key: str
    chunk_tokens: int
    pipeline: str
    corpus_dir: str
    built_at: float


def _settings() -> Any:
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=False)


class ChunkStore:
    def __init__(self, client: Any, name: str, location: str):
        self._client = client
        self.name = name
        self.location = location
        self._col: Any = None
        self._units: Any = None

    @classmethod
    def open(cls, index_dir: Path, name: str, url: str | None = None) -> ChunkStore:
        import chromadb

        if url:
            u = urlparse(url)
            port = u.port or (443 if u.scheme == "https" else 8000)
            try:
                client = chromadb.HttpClient(
                    host=u.hostname or "127.0.0.1",
                    port=port,
                    ssl=u.scheme == "https",
                    settings=_settings(),
                )
                client.heartbeat()
            except Exception as exc:  # chromadb raises assorted transport errors
                raise DependencyError(
                    f"cannot reach the Chroma server at {url} ({type(exc).__name__}); start it with "
                    "`chroma run --host 127.0.0.1 --port PORT --path DIR`, or unset ASSISTANT_CHROMA_URL"
                ) from None
            return cls(client, name, url)
        path = index_dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return cls(chromadb.PersistentClient(path=str(path), settings=_settings()), name, str(path))

    # -- collection ---------------------------------------------------------------------------
    def _collection(self, create: bool = False) -> Any:
        if self._col is None:
            names = {getattr(c, "name", c) for c in self._client.list_collections()}
            if self.name not in names and not create:
                return None
            self._col = self._client.get_or_create_collection(
                self.name, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
        return self._col

    def info(self) -> IndexInfo | None:
        col = self._collection()
        meta = (col.metadata or {}) if col is not None else {}
        if "model_key" not in meta:
            return None
        return IndexInfo(
            model_key=str(meta["model_key"]),
            chunk_tokens=int(meta["chunk_tokens"]),
            pipeline=str(meta["pipeline"]),
            corpus_dir=str(meta.get("corpus_dir", "")),
            built_at=float(meta.get("built_at", 0.0)),
        )

    def set_info(self, info: IndexInfo) -> None:
        col = self._collection(create=True)
        col.modify(
            metadata={
                "model_key": info.model_key,
                "chunk_tokens": info.chunk_tokens,
                "pipeline": info.pipeline,
                "corpus_dir": info.corpus_dir,
                "built_at": info.built_at or time.time(),
            }
        )

    def _unit_collection(self) -> Any:
        if self._units is None:
            self._units = self._client.get_or_create_collection(
                f"{self.name}__units", embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
        return self._units

    def drop(self) -> None:
        """Delete the collections (they may already be gone: another client can share them)."""
        self._col = self._units = None
        names = {getattr(c, "name", c) for c in self._client.list_collections()}
        for name in (self.name, f"{self.name}__units"):
            if name in names:
                self._client.delete_collection(name)

    # -- records ------------------------------------------------------------------------------
    def count(self) -> int:
        col = self._collection()
        return 0 if col is None else int(col.count())

    def records(self) -> list[ChunkRecord]:
        col = self._collection()
        if col is None:
            return []
        got = col.get(include=["metadatas"])
        out = [
            ChunkRecord(
                id=i,
                source=str(m["source"]),
                ordinal=int(m["ordinal"]),
                start=int(m["start"]),
                end=int(m["end"]),
                sha256=str(m["sha256"]),
                headings=tuple(h for h in str(m.get("headings") or "").split(_SEP) if h),
                units=_units_parse(m.get("units")),
            )
            for i, m in zip(got["ids"], got["metadatas"], strict=True)
        ]
        out.sort(key=lambda r: (r.source, r.ordinal))
        return out

    def add(self, records: Sequence[ChunkRecord], vectors: np.ndarray) -> None:
        col = self._collection(create=True)
        for at in range(0, len(records), _BATCH):
            part = records[at : at + _BATCH]
            col.upsert(
                ids=[r.id for r in part],
                embeddings=vectors[at : at + _BATCH],
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

    def add_units(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Store one vector per chunk unit (ids from :meth:`ChunkRecord.unit_ids`)."""
        col = self._unit_collection()
        for at in range(0, len(ids), _BATCH * 4):
            col.upsert(
                ids=list(ids[at : at + _BATCH * 4]), embeddings=vectors[at : at + _BATCH * 4]
            )

    def unit_vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored unit vectors among ``ids`` (missing ones are left out)."""
        if not ids:
            return {}
        got = self._unit_collection().get(ids=list(ids), include=["embeddings"])
        return {
            i: np.asarray(v, dtype=np.float32)
            for i, v in zip(got["ids"], got["embeddings"], strict=True)
        }

    def delete(self, ids: Sequence[str]) -> None:
        col = self._collection()
        if col is None:
            return
        for at in range(0, len(ids), _BATCH):
            part = list(ids[at : at + _BATCH])
            got = col.get(ids=part, include=["metadatas"])
            unit_ids = [
                f"{i}.{n}"
                for i, m in zip(got["ids"], got["metadatas"], strict=True)
                for n in range(len(_units_parse(m.get("units"))))
            ]
            col.delete(ids=part)
            for u in range(0, len(unit_ids), _BATCH):
                self._unit_collection().delete(ids=unit_ids[u : u + _BATCH])

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` nearest chunk ids with cosine similarity, best first."""
        col = self._collection()
        if col is None or k <= 0:
            return []
        k = min(k, int(col.count()))
        if k == 0:
            return []
        res = col.query(query_embeddings=[vector], n_results=k, include=["distances"])
        return [
            (i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)
        ]
