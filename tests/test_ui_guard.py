"""The chat server's request guard without a server: same-origin changes only, uploads of the
readers' types only (the browser drives the real server in test_ui.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.ui_guard import Guard, same_origin
from assistant.uploads import allowed


@pytest.mark.parametrize(
    ("origin", "host", "same"),
    [
        ("http://127.0.0.1:7860", "127.0.0.1:7860", True),
        ("http://localhost:7860", "localhost:7860", True),
        ("https://abc.gradio.live", "abc.gradio.live", True),
        ("https://abc.gradio.live", "abc.gradio.live:443", True),
        ("http://[::1]:7860", "[::1]:7860", True),
        ("http://127.0.0.1:8000", "127.0.0.1:7860", False),  # another local service
        ("http://localhost:7860", "127.0.0.1:7860", False),
        ("https://127.0.0.1", "127.0.0.1:7860", False),
        ("http://203.0.113.5", "127.0.0.1:7860", False),
        ("null", "127.0.0.1:7860", False),
        ("file://", "127.0.0.1:7860", False),
        ("http://127.0.0.1:99999", "127.0.0.1:7860", False),  # malformed
        ("http://127.0.0.1:7860", "", False),
    ],
)
def test_same_origin(origin: str, host: str, same: bool) -> None:
    assert same_origin(origin, host) is same


def _upload_app(upload_dir: Path, names: list[str]) -> Any:
    """Stands in for Gradio's upload route: stores the files, answers their paths."""
    calls: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope["path"])
        paths = []
        for i, name in enumerate(names):
            (upload_dir / str(i)).mkdir()
            (upload_dir / str(i) / name).write_bytes(b"data")
            paths.append(str(upload_dir / str(i) / name))
        body = json.dumps(paths).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    app.calls = calls  # type: ignore[attr-defined]
    return app


def _post(app: Any, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    import asyncio

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_foreign_origin_is_refused_before_the_app(tmp_path: Path) -> None:
    inner = _upload_app(tmp_path, ["notes.txt"])
    guard = Guard(inner, allowed(), str(tmp_path))
    host = {"Host": "127.0.0.1:7860"}
    status, body = _post(guard, "/gradio_api/upload", {**host, "Origin": "http://203.0.113.5"})
    assert status == 403 and b"its own page" in body and inner.calls == []
    assert _post(guard, "/gradio_api/queue/join", {**host, "Origin": "null"})[0] == 403
    assert inner.calls == []
    status, body = _post(guard, "/gradio_api/upload", {**host, "Origin": "http://127.0.0.1:7860"})
    assert status == 200 and json.loads(body)[0].endswith("notes.txt")


def test_upload_of_another_type_is_deleted(tmp_path: Path) -> None:
    guard = Guard(_upload_app(tmp_path, ["report.pdf", "setup.exe"]), allowed(), str(tmp_path))
    status, body = _post(guard, "/gradio_api/upload", {"Host": "127.0.0.1:7860"})
    assert status == 415 and b"setup.exe" in body and b".pdf" in body
    assert list(tmp_path.iterdir()) == []  # both files and their folders are gone
    guard = Guard(_upload_app(tmp_path, ["Report.PDF", "notes.md"]), allowed(), str(tmp_path))
    status, body = _post(guard, "/gradio_api/upload", {"Host": "127.0.0.1:7860"})
    assert status == 200 and len(json.loads(body)) == 2
    assert sorted(p.name for p in tmp_path.rglob("*.*")) == ["Report.PDF", "notes.md"]
