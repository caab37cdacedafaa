"""The corpus folder: which files are documents, their text, content hash, title and publisher.

Every regular file under the folder is a candidate, except hidden entries (``.git``, ``.DS_Store``)
and the folder's own ``manifest.json``. A candidate is read by the reader for its format
(:mod:`assistant.readers`); one that cannot be a document - an unsupported type, empty, damaged,
encrypted, a PDF with no text layer, over the size limit, a link that leads out of the folder -
becomes a :class:`Skipped` with its reason, never an error. A UTF-8 ``.txt`` or ``.md`` file's
text is its bytes decoded with no newline translation, so offsets are offsets into the file as
stored. It does not clean, chunk or store text (see :mod:`assistant.ingest`).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from . import readers
from .errors import UserError

MANIFEST = "manifest.json"
SIZE_SETTING = "ASSISTANT_MAX_FILE_MB"


@dataclass(frozen=True)
class Document:
    source: str  # path relative to the corpus root, with forward slashes
    text: str  # what its reader extracted; every offset indexes into this
    sha256: str  # of the file's bytes
    title: str
    publisher: str | None = None
    format: str = "text"
    pages: tuple[int, ...] | None = None  # PDFs: the start offset of each page in ``text``


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str


def check_root(root: Path) -> Path:
    """The corpus folder, resolved, or a UserError that says how to point at one."""
    if not root.exists():
        raise UserError(
            f"corpus folder {root} does not exist; create it and put documents in it "
            f"({', '.join(readers.SUPPORTED)}), or pass another folder "
            "(assistant ingest PATH, ASSISTANT_CORPUS_DIR)"
        )
    if not root.is_dir():
        raise UserError(f"{root} is a file, not a folder; pass the folder that holds the documents")
    return root.resolve()


def too_large(size: int, max_mb: int) -> str:
    return (
        f"too large ({size / 2**20:,.1f} MB; the limit is {max_mb} MB: "
        f"set {SIZE_SETTING} to raise it)"
    )


def inside(root: Path, source: str) -> Path | None:
    """The file ``source`` names under ``root``, or None when the name or a link leads out."""
    path = root / source
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        return None
    return path if resolved.is_relative_to(root.resolve()) and resolved != root.resolve() else None


def discover(root: Path, max_mb: int) -> tuple[list[Path], list[Skipped]]:
    """Candidate files under ``root`` (recursive, sorted) and those refused before reading."""
    root = check_root(root)
    found: list[Path] = []
    skipped: list[Skipped] = []
    limit = max_mb * 2**20
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        here = Path(folder)
        for name in files:
            path = here / name
            source = path.relative_to(root).as_posix()
            if name.startswith(".") or source == MANIFEST:
                continue
            if inside(root, source) is None:
                skipped.append(Skipped(source, "a link to a file outside the corpus folder"))
                continue
            try:
                size = path.stat().st_size
            except OSError as exc:
                skipped.append(Skipped(source, f"cannot be read ({exc.strerror or exc})"))
                continue
            if not path.is_file():
                skipped.append(Skipped(source, "not a regular file"))
            elif size > limit:
                skipped.append(Skipped(source, too_large(size, max_mb)))
            else:
                found.append(path)
    found.sort()
    skipped.sort(key=lambda s: s.source)
    return found, skipped


def title_of(source: str, manifest: dict[str, dict[str, str]], own: str | None) -> str:
    """The manifest's title, else the document's own (PDF metadata, <title>), else the name."""
    return manifest.get(source, {}).get("title") or own or Path(source).stem


def document(
    source: str, data: bytes, got: readers.ReadText, manifest: dict[str, dict[str, str]]
) -> Document:
    """The document ``source`` whose bytes are ``data`` and whose reader returned ``got``."""
    return Document(
        source=source,
        text=got.text,
        sha256=hashlib.sha256(data).hexdigest(),
        title=title_of(source, manifest, got.title),
        publisher=manifest.get(source, {}).get("publisher"),
        format=got.format,
        pages=got.pages,
    )


def read_manifest(root: Path) -> dict[str, dict[str, str]]:
    path = root / MANIFEST
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"{path} is not valid JSON ({exc}); fix it or delete it") from None
    docs = raw.get("documents") if isinstance(raw, dict) else None
    if not isinstance(docs, dict):
        raise UserError(
            f'{path} must be an object {{"documents": {{"file.txt": {{"title": ...}}}}}}; fix it'
        )
    return {str(k): {kk: str(vv) for kk, vv in v.items() if vv} for k, v in docs.items()}


def no_documents(root: Path, skipped: list[Skipped]) -> UserError:
    """The error for a folder with no usable document, naming what was skipped and why."""
    detail = "; ".join(f"{s.source}: {s.reason}" for s in skipped[:20])
    more = f"; and {len(skipped) - 20} more" if len(skipped) > 20 else ""
    return UserError(
        f"no usable document in {root}"
        + (f" ({detail}{more})" if detail else "")
        + f"; add documents ({', '.join(readers.SUPPORTED)}, or text files with no extension) "
        "or point to another folder"
    )
