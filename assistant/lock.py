"""The ingest lock: one writer per index folder at a time, and who it is.

An ingest (and a removal) holds ``<index>/ingest.lock`` with ``flock`` from start to end, and
writes its holder into it as JSON: pid, host, command line, since when. A second writer fails
at once with a one-line error naming the holder. The kernel releases the lock however its holder
ends (SIGKILL, OOM, power loss), leaving the file behind; the next writer takes it over and says
whose it was (on a file system without ``flock``, a holder whose pid is gone from this host is
taken over the same way). Readers never take it; they ask :func:`holder` only to explain an
unfinished index. It does not keep apart machines that write through one Chroma server: run one
writer at a time there.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shlex
import socket
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import UserError

LOCK_FILE = "ingest.lock"


@dataclass(frozen=True)
class Holder:
    pid: int
    host: str
    command: str
    since: float  # seconds since the epoch

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.since))
        return f"pid {self.pid} on {self.host}, `{self.command}`, since {when}"


def _command() -> str:
    argv = sys.argv or ["python"]
    prog = Path(argv[0]).name
    if prog in ("assistant", "__main__.py"):
        prog = "assistant"
    return shlex.join([prog, *argv[1:]])[:300]


def _read(fd: int) -> Holder | None:
    try:
        raw = json.loads(os.pread(fd, 65536, 0).decode("utf-8"))
        return Holder(int(raw["pid"]), str(raw["host"]), str(raw["command"]), float(raw["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holder(index_dir: Path) -> Holder | None:
    """Who holds the lock of ``index_dir`` now, or None when no ingest is running there."""
    try:
        fd = os.open(index_dir / LOCK_FILE, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read(fd) or Holder(0, "?", "?", time.time())
        except OSError:  # no flock here: trust a live pid on this host
            h = _read(fd)
            return h if h and h.host == socket.gethostname() and _alive(h.pid) else None
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _open_locked(path: Path) -> tuple[int, bool]:
    """The lock file's descriptor, locked; and whether ``flock`` works on this file system."""
    for _attempt in range(5):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise UserError(_cannot_write(path.parent, exc)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held = _read(fd)
            os.close(fd)
            who = held.describe() if held else "another process"
            raise UserError(
                f"another ingest is writing to the index in {path.parent} ({who}); "
                "wait for it to finish, then run this again"
            ) from None
        except OSError:
            return fd, False
        try:  # the file we locked is still the one at the path (not unlinked by its last holder)
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                return fd, True
        except FileNotFoundError:
            pass
        os.close(fd)
    raise UserError(f"could not take the lock {path}; run this again")


def _cannot_write(folder: Path, exc: OSError) -> str:
    why = exc.strerror or str(exc)
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return (
            f"the index folder {folder} is read-only ({why}); indexing writes there: make it "
            "writable, or pass --index a writable folder"
        )
    return f"cannot write to the index folder {folder} ({why}); check it, or pass --index another folder"


@contextlib.contextmanager
def ingest_lock(index_dir: Path, note: Callable[[str], None]) -> Iterator[None]:
    """Hold the index folder's lock for the block; ``note`` hears about a lock taken over."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(_cannot_write(index_dir, exc)) from None
    path = index_dir / LOCK_FILE
    fd, flock_works = _open_locked(path)
    try:
        before = _read(fd)
        if before is not None and before.pid != os.getpid():
            here = before.host == socket.gethostname()
            if not flock_works and here and _alive(before.pid):
                raise UserError(
                    f"another ingest is writing to the index in {index_dir} "
                    f"({before.describe()}); wait for it to finish, then run this again"
                )
            note(
                f"note: took over the lock of an ingest that did not finish ({before.describe()}); "
                "the documents it completed are kept"
            )
        me = Holder(os.getpid(), socket.gethostname(), _command(), time.time())
        data = json.dumps(me.__dict__).encode("utf-8")
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        raise
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                path.unlink()
        os.close(fd)
