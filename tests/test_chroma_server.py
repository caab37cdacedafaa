"""The Chroma-server path against a real server started with `chroma run` on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant import Assistant, DependencyError

from .conftest import R1_SOURCE

pytestmark = pytest.mark.slow  # a real `chroma run` server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    exe = Path(sys.executable).with_name("chroma")
    log = tmp_path_factory.mktemp("chroma-log") / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                str(exe),
                "run",
                "--path",
                str(tmp_path_factory.mktemp("chroma-data")),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited: {log.read_text()}")
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"chroma run did not listen in 60 s: {log.read_text()}")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=30)


def test_ingest_and_ask_through_a_chroma_server(
    chroma_url: str, corpus_copy: Path, make_assistant: Callable[..., Assistant]
) -> None:
    a = make_assistant(corpus_copy, chroma_url=chroma_url)
    stats = a.ingest()
    assert stats.embedded == stats.chunks_total > 90
    assert a.store.location == chroma_url
    ans = a.ask("When did DeepSeek launch R1?")
    assert "January 20, 2025" in ans.text
    assert ans.citations[0].source == R1_SOURCE
    again = make_assistant(corpus_copy, chroma_url=chroma_url, collection=a.config.collection)
    assert again.ingest().embedded == 0  # the server kept it


def test_an_unreachable_server_is_a_clear_error(
    make_assistant: Callable[..., Assistant], corpus_copy: Path
) -> None:
    a = make_assistant(corpus_copy, chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(
        DependencyError, match=r"cannot reach the Chroma server at http://127\.0\.0\.1:.*chroma run"
    ):
        a.ask("When did DeepSeek launch R1?")
