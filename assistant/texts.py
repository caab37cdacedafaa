"""The text of each indexed document, stored once per content hash in the index folder.

A reader's output (:mod:`assistant.readers`) is what the chunks were cut from and what every
citation indexes into, so it is kept: ``<index>/texts/<collection>/<sha256>.txt`` (UTF-8, no
newline translation) and ``<sha256>.json`` beside it (format, title, page offsets, how much of it
was indexed, when). Both are written to a temporary file and renamed into place, text first, so a
reader never sees half a file and a record exists only with its text. :meth:`TextStore.keep`
removes the texts no document uses any more. It does not read documents or decide staleness
(see :mod:`assistant.ingest`, :mod:`assistant.engine`).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .readers import ReadText


@dataclass(frozen=True)
class StoredText:
    sha256: str  # of the file's bytes
    format: str
    title: str | None
    pages: tuple[int, ...] | None  # PDFs: the start offset of each page
    chars: int
    bytes: int  # of the stored UTF-8 file
    kept_share: float  # letters and digits indexed / in the text (after cleaning)
    web_capture: bool  # page chrome was removed by cleaning
    stored_at: float  # when this content was first indexed (seconds since the epoch)


def _write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class TextStore:
    def __init__(self, folder: Path):
        self.folder = folder

    @classmethod
    def for_index(cls, index_dir: Path, collection: str) -> TextStore:
        return cls(index_dir / "texts" / collection)

    def _paths(self, sha: str) -> tuple[Path, Path]:
        if len(sha) != 64 or not all(c in "0123456789abcdef" for c in sha):
            raise ValueError(f"not a sha256 hex digest: {sha!r}")
        return self.folder / f"{sha}.txt", self.folder / f"{sha}.json"

    def meta(self, sha: str) -> StoredText | None:
        """The record of a stored text, or None (never stored, or its files are damaged)."""
        meta_path = self._paths(sha)[1]
        try:
            raw = json.loads(meta_path.read_text(encoding="utf-8"))
            pages = raw.get("pages")
            return StoredText(
                sha256=sha,
                format=str(raw["format"]),
                title=raw.get("title") or None,
                pages=tuple(int(p) for p in pages) if pages else None,
                chars=int(raw["chars"]),
                bytes=int(raw["bytes"]),
                kept_share=float(raw["kept_share"]),
                web_capture=bool(raw["web_capture"]),
                stored_at=float(raw["stored_at"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def text(self, sha: str, meta: StoredText | None = None) -> str | None:
        """The stored text, or None when it is missing or not the length recorded with it."""
        meta = meta or self.meta(sha)
        if meta is None:
            return None
        try:
            text = self._paths(sha)[0].read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return text if len(text) == meta.chars else None

    def missing(self, shas: Iterable[str]) -> set[str]:
        """Which of ``shas`` have no text file (one directory listing, not a ``stat`` each)."""
        try:
            present = set(os.listdir(self.folder))
        except OSError:
            present = set()
        return {sha for sha in shas if f"{sha}.txt" not in present}

    def has(self, sha: str, meta: StoredText | None = None) -> bool:
        """Whether the text is stored whole (its record, and a file of the recorded size)."""
        meta = meta or self.meta(sha)
        try:
            return meta is not None and self._paths(sha)[0].stat().st_size == meta.bytes
        except OSError:
            return False

    def put(self, sha: str, read: ReadText, kept_share: float, web_capture: bool) -> StoredText:
        old = self.meta(sha)
        data = read.text.encode("utf-8")
        meta = StoredText(
            sha256=sha,
            format=read.format,
            title=read.title,
            pages=read.pages,
            chars=len(read.text),
            bytes=len(data),
            kept_share=kept_share,
            web_capture=web_capture,
            stored_at=old.stored_at if old is not None else time.time(),
        )
        self.folder.mkdir(parents=True, exist_ok=True)
        text_path, meta_path = self._paths(sha)
        _write(text_path, data)
        record = {
            "format": meta.format,
            "title": meta.title,
            "pages": list(meta.pages) if meta.pages is not None else None,
            "chars": meta.chars,
            "bytes": meta.bytes,
            "kept_share": meta.kept_share,
            "web_capture": meta.web_capture,
            "stored_at": meta.stored_at,
        }
        _write(meta_path, json.dumps(record, ensure_ascii=False).encode("utf-8"))
        return meta

    def keep(self, shas: set[str]) -> int:
        """Delete every stored text whose hash is not in ``shas``; the number deleted."""
        if not self.folder.is_dir():
            return 0
        gone = 0
        for path in self.folder.iterdir():
            sha, _, ext = path.name.partition(".")
            if ext in ("txt", "json") and sha not in shas:
                path.unlink(missing_ok=True)
                gone += ext == "txt"
        return gone


class DocumentTexts(Mapping[str, str]):
    """The text of each indexed document, by source, read from a :class:`TextStore` when first
    asked for (opening an index reads none). A text that is missing raises ``missing(source)``."""

    def __init__(
        self,
        store: TextStore,
        shas: Mapping[str, str],
        missing: Callable[[str], Exception],
        keep: bool = True,
    ):
        self._store, self._shas, self._missing = store, dict(shas), missing
        self._cache: dict[str, str] = {}
        self._keep = keep  # False: only the last text read is kept (one pass over a corpus)

    def __getitem__(self, source: str) -> str:
        text = self._cache.get(source)
        if text is None:
            sha = self._shas[source]  # KeyError: not a document of the index
            text = self._store.text(sha)
            if text is None:
                raise self._missing(source)
            if not self._keep:
                self._cache.clear()
            self._cache[source] = text
        return text

    def __contains__(self, source: object) -> bool:
        return source in self._shas

    def __iter__(self) -> Iterator[str]:
        return iter(self._shas)

    def __len__(self) -> int:
        return len(self._shas)
