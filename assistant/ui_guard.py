"""What the chat server accepts from browsers and keeps on disk, beyond Gradio's own checks.

- A request that changes something (any method but GET, HEAD, OPTIONS) and carries an ``Origin``
  header is refused (403) unless that origin is the server's own (the ``Host`` it was reached
  at, port included). Gradio only withholds CORS headers from other sites, which does not stop
  a page elsewhere from posting a form to ``/gradio_api/upload``. Clients that send no
  ``Origin`` (``gradio_client``, curl) are not affected.
- An upload (``POST …/upload``) is kept only when every file in it has an extension a reader
  supports (:func:`assistant.uploads.allowed`); otherwise its files are deleted at once and the
  answer is 415. Gradio itself refuses a file over ``max_file_size`` (413).
- Gradio's uploads go to a folder made for this server alone, removed when the process exits
  (on SIGTERM too), so no upload outlives the server.

It does not decide what is saved into the corpus folder (see :mod:`assistant.uploads`).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
DEFAULT_PORTS = {"http": 80, "https": 443}


def same_origin(origin: str, host: str) -> bool:
    """Whether the page at ``origin`` ("http://127.0.0.1:7860") is the server reached at
    ``host`` (the Host header, "127.0.0.1:7860"): same host name and port. "null" (a sandboxed
    frame, a file:// page) is never the server's own."""
    try:
        o = urlsplit(origin)
        scheme = o.scheme.lower()
        h = urlsplit(f"{scheme}://{host}")
        return (
            scheme in DEFAULT_PORTS
            and bool(o.hostname)
            and o.hostname == h.hostname
            and (o.port or DEFAULT_PORTS[scheme]) == (h.port or DEFAULT_PORTS[scheme])
        )
    except ValueError:  # a malformed port
        return False


class Guard:
    """ASGI middleware applying the two request rules above; ``allowed`` are the extensions an
    upload may have, ``upload_dir`` the folder Gradio writes uploads to."""

    def __init__(self, app: ASGIApp, allowed: tuple[str, ...], upload_dir: str) -> None:
        self.app = app
        self.allowed = allowed
        self.upload_dir = Path(upload_dir).resolve()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        origin = headers.get("origin")
        if origin is not None and not same_origin(origin, headers.get("host", "")):
            await _plain(send, 403, "refused: this server takes changes only from its own page")
            return
        if scope["method"] == "POST" and scope["path"].rstrip("/").endswith("/upload"):
            await self._upload(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _upload(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Let Gradio store the upload, then keep it only if every file's type is allowed."""
        start: Message = {}
        body = bytearray()

        async def hold(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._answer_upload(start, bytes(body), send)
            else:
                await send(message)

        await self.app(scope, receive, hold)

    async def _answer_upload(self, start: Message, body: bytes, send: Send) -> None:
        paths: list[str] = []
        if start.get("status") == 200:
            with contextlib.suppress(ValueError):
                loaded = json.loads(body)
                paths = (
                    [p for p in loaded if isinstance(p, str)] if isinstance(loaded, list) else []
                )
        refused = [p for p in paths if PurePath(p).suffix.lower() not in self.allowed]
        if not refused:
            await send(dict(start))
            await send({"type": "http.response.body", "body": body})
            return
        for p in paths:
            self._discard(p)
        names = ", ".join(sorted({PurePath(p).name for p in refused}))
        kinds = ", ".join(self.allowed)
        await _plain(send, 415, f"refused: {names}: only documents can be uploaded ({kinds})")

    def _discard(self, path: str) -> None:
        """Delete an upload and its own folder, only inside the upload folder."""
        p = Path(path).resolve()
        if not p.is_relative_to(self.upload_dir) or p == self.upload_dir:
            return
        with contextlib.suppress(OSError):
            p.unlink()
        if p.parent != self.upload_dir:
            with contextlib.suppress(OSError):
                p.parent.rmdir()


async def _plain(send: Send, status: int, text: str) -> None:
    data = text.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


def private_upload_folder(parent: str) -> Path:
    """A new folder under ``parent`` for Gradio's uploads (set as ``GRADIO_TEMP_DIR``, which
    Gradio reads when the app is built), removed with all it holds when the process exits. A
    SIGTERM, which would otherwise end the process without cleaning up, stops the server as
    Ctrl+C does (when no other handler is installed and this is the main thread)."""
    Path(parent).mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="assistant-chat-", dir=parent))
    os.environ["GRADIO_TEMP_DIR"] = str(folder)
    atexit.register(shutil.rmtree, folder, True)
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    ):
        signal.signal(signal.SIGTERM, _interrupt)
    return folder


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
