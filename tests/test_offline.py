"""Nothing reaches the network: a fresh ingest (model load, ONNX export) and ask under a socket guard.

The guard runs in a fresh interpreter, installed before anything is imported, so imports and
start-up code are covered too. Unix sockets stay allowed; every IP connect and name lookup is
refused and recorded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import CORPUS

GUARD = r"""
import json, socket, sys
attempts = []
def refuse(what):
    def f(*args, **kwargs):
        attempts.append(f"{what}{args[:2]!r}")
        raise OSError(f"network access blocked by test: {what}")
    return f
_connect = socket.socket.connect
def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        return refuse("connect")(address)
    return _connect(self, address)
socket.socket.connect = connect
socket.socket.connect_ex = lambda self, address: connect(self, address)
socket.getaddrinfo = refuse("getaddrinfo")
socket.gethostbyname = refuse("gethostbyname")
socket.create_connection = refuse("create_connection")

from assistant.cli import main
index, corpus, out = sys.argv[1:4]
codes = [main(["--index", index, "ingest", corpus]),
         main(["--index", index, "ask", "--json", "When was DeepSeek R1 released?"])]
json.dump({"codes": codes, "attempts": attempts}, open(out, "w"))
"""


def test_ingest_and_ask_make_no_network_attempt(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ASSISTANT_", "HF_", "TRANSFORMERS_"))
    }
    out = tmp_path / "result.json"
    res = subprocess.run(
        [sys.executable, "-c", GUARD, str(tmp_path / "index"), str(CORPUS), str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result == {"codes": [0, 0], "attempts": []}
    answer = json.loads(res.stdout[res.stdout.index("{") :])
    assert "January 20, 2025" in answer["text"]
