"""The corpus: which files are documents, their exact text, content hash, title and publisher.

A document's text is its bytes decoded as UTF-8 with no newline translation, so character offsets
are offsets into the file exactly as stored. Files that cannot be documents (binary, not UTF-8,
empty) are skipped with a reason naming the file; a folder with no usable document is an error.
It does not clean or chunk text (see :mod:`assistant.cleaning`, :mod:`assistant.chunking`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UserError

SUFFIXES = (".txt", ".md")
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Document:
    source: str  # path relative to the corpus root, with forward slashes
    text: str
    sha256: str
    title: str
    publisher: str | None = None


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str


@dataclass(frozen=True)
class Corpus:
    root: Path
    documents: list[Document]
    skipped: list[Skipped] = field(default_factory=list)


def check_root(root: Path) -> Path:
    """The corpus folder, resolved, or a UserError that says how to point at one."""
    if not root.exists():
        raise UserError(
            f"corpus folder {root} does not exist; create it and put .txt or .md files in it, "
            "or pass another folder (assistant ingest PATH, ASSISTANT_CORPUS_DIR)"
        )
    if not root.is_dir():
        raise UserError(f"{root} is a file, not a folder; pass the folder that holds the documents")
    return root.resolve()


def discover(root: Path) -> list[Path]:
    """Document files under ``root`` (recursive, sorted), skipping hidden entries and links out."""
    root = check_root(root)
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if not path.is_file() or path.suffix.lower() not in SUFFIXES:
            continue
        if not path.resolve().is_relative_to(root):
            continue  # a symlink that leaves the corpus folder is never read
        found.append(path)
    return found


def read_document(
    root: Path, path: Path, manifest: dict[str, dict[str, str]]
) -> Document | Skipped:
    source = path.relative_to(root).as_posix()
    data = path.read_bytes()
    if not data.strip():
        return Skipped(source, "empty file")
    if b"\x00" in data[:8192]:
        return Skipped(source, "binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Skipped(source, f"not UTF-8 (byte {exc.start}); re-save it as UTF-8")
    meta = manifest.get(source, {})
    return Document(
        source=source,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        title=meta.get("title") or path.stem,
        publisher=meta.get("publisher"),
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


def load(root: Path) -> Corpus:
    """Read every document under ``root``; raise if none is usable."""
    root = check_root(root)
    manifest = read_manifest(root)
    documents: list[Document] = []
    skipped: list[Skipped] = []
    for path in discover(root):
        item = read_document(root, path, manifest)
        (documents if isinstance(item, Document) else skipped).append(item)  # type: ignore[arg-type]
    if not documents:
        detail = "; ".join(f"{s.source}: {s.reason}" for s in skipped)
        raise UserError(
            f"no usable .txt or .md document in {root}"
            + (f" ({detail})" if detail else "")
            + "; add UTF-8 text files or point to another folder"
        )
    return Corpus(root=root, documents=documents, skipped=skipped)
