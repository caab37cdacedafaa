"""Uploads: which files a user may add to the corpus folder, under what name, and how they land.

The policy, in the order it is checked: a file name is reduced to its last part (``/`` and ``\\``
both separate parts, so ``../../etc/passwd`` is ``passwd``) and cleaned of control and invisible
formatting characters (bidi overrides), characters other systems forbid (``<>:"|?*``), and
leading or trailing dots and spaces (no hidden files, no ``..``); what is left must have an
extension a reader supports (:data:`assistant.readers.SUPPORTED`), the file must not be over the
size limit (``ASSISTANT_MAX_FILE_MB``), and its reader must find text in it. Only then is it
written: to a hidden temporary file in the corpus folder, then linked (or, when the user chose to
replace a file of the same name, renamed) into place, so nothing is ever half-written and an
existing file is never overwritten unasked, even by a concurrent upload. Saved files are plain
data (mode 0644, never executable). It does not index anything (see :meth:`Assistant.ingest`)
and does not serve files.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePath

from . import readers
from .corpus import too_large
from .errors import UserError

MAX_NAME_BYTES = 200  # UTF-8 bytes of a saved name (file systems allow 255)
_FORBIDDEN = re.compile(r'[<>:"|?*]')
_EDGES = re.compile(r"^[\s.]+|[\s.]+$")  # leading and trailing dots and white space


class NameTaken(UserError):
    """A file of that name is already in the corpus folder and the user did not choose to replace
    it; ``name`` is the cleaned name."""

    def __init__(self, name: str):
        super().__init__(
            f"{name} is already in the corpus folder; choose to replace it, or rename the file"
        )
        self.name = name


@dataclass(frozen=True)
class Saved:
    source: str  # the cleaned name, now a file directly in the corpus folder
    bytes: int
    replaced: bool  # a file of that name was there and was replaced, as the user chose


def clean_name(name: str) -> str:
    """The name an upload called ``name`` is saved under, or "" when nothing usable is left."""
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(
        c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C"
    )  # Cc control, Cf format (bidi overrides, zero-width), Co/Cn/Cs
    base = _EDGES.sub("", _FORBIDDEN.sub("_", base))
    if len(base.encode("utf-8")) > MAX_NAME_BYTES:
        stem, suffix = os.path.splitext(base)
        room = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
        base = _EDGES.sub("", stem.encode("utf-8")[:room].decode("utf-8", "ignore")) + suffix
    return base


def allowed() -> tuple[str, ...]:
    """The extensions an upload may have: those a reader supports."""
    return readers.SUPPORTED


def accept(name: str, size: int, max_mb: int) -> str:
    """The cleaned name of an upload called ``name`` of ``size`` bytes, or :class:`UserError`.

    Checks the name, the type and the size only; it reads nothing."""
    safe = clean_name(name)
    if not safe or not PurePath(safe).stem:
        raise UserError(
            f"{name!r} is not a usable file name; give the file a plain name such as report.pdf"
        )
    suffix = PurePath(safe).suffix.lower()
    kinds = ", ".join(allowed())
    if not suffix:
        raise UserError(
            f"{safe} has no extension, so its type is unknown; rename it with one of {kinds}"
        )
    if suffix not in allowed():
        raise UserError(f"{safe}: {suffix} files are not accepted; upload one of {kinds}")
    if size > max_mb * 2**20:
        raise UserError(f"{safe} is {too_large(size, max_mb)}")
    return safe


def save(root: Path, name: str, data: bytes, *, max_mb: int, replace: bool = False) -> Saved:
    """Write the upload ``name`` with content ``data`` into the folder ``root`` by the policy
    above; raises :class:`UserError` (:class:`NameTaken` for a clash) and then writes nothing."""
    safe = accept(name, len(data), max_mb)
    try:
        readers.read(data, safe)
    except readers.Unreadable as exc:
        raise UserError(f"{safe} cannot be indexed: {exc.reason}") from None
    target = root / safe
    if target.is_dir() and not target.is_symlink():
        raise UserError(f"{safe} is a folder in the corpus folder; rename the file")
    existed = target.is_symlink() or target.exists()
    if existed and not replace:
        raise NameTaken(safe)
    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=root)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(f.fileno(), 0o644)
            os.fsync(f.fileno())
        if replace:
            os.replace(tmp, target)
        else:
            _link_new(tmp, target, safe)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return Saved(safe, len(data), existed)


def _link_new(tmp: str, target: Path, safe: str) -> None:
    """Put ``tmp`` at ``target`` only if nothing is there (atomically, where links exist)."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise NameTaken(safe) from None
    except OSError:  # a file system without hard links: check, then rename
        if target.is_symlink() or target.exists():
            raise NameTaken(safe) from None
        os.replace(tmp, target)
