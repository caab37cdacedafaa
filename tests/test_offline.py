"""Nothing reaches the network: a fresh ingest (model load, ONNX export) and ask under a guard.

The guard (tests/netguard.py) is installed by a ``sitecustomize`` module in every Python process
the test starts and in every process those start (the ONNX export runs in a child process), before
anything else is imported, so imports and start-up code are covered too. Every IP connect and
name lookup is refused and logged; Unix sockets stay allowed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import CORPUS, REPO

SITECUSTOMIZE = r"""
import os
if os.environ.get("NETGUARD_LOG"):
    import tests.netguard as guard
    guard.install(os.environ["NETGUARD_LOG"], loopback=False)
"""

GUARD = r"""
import json, socket, sys
assert socket.getaddrinfo.__module__ == "tests.netguard"  # installed at start-up
index, corpus, out = sys.argv[1:4]
from assistant.cli import main
codes = [main(["--index", index, "ingest", corpus]),
         main(["--index", index, "ask", "--json", "When did DeepSeek launch R1?"])]
json.dump({"codes": codes}, open(out, "w"))
"""

LIBRARY = r"""
import json, os, socket, sys
assert socket.getaddrinfo.__module__ == "tests.netguard"  # installed at start-up
index, corpus, out = sys.argv[1:4]
before = dict(os.environ)
import assistant
from assistant import Assistant
imported = dict(os.environ)
bot = Assistant(index_dir=index, corpus_dir=corpus)
bot.ingest()
answer = bot.ask("When did DeepSeek launch R1?")
json.dump({"env_changed_by_import": sorted(set(imported.items()) ^ set(before.items())),
           "text": answer.text}, open(out, "w"))
"""

pytestmark = pytest.mark.slow  # a whole ingest and ask in a subprocess under a socket guard


def _run_guarded(
    tmp_path: Path, script: str, *args: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run ``python -c script args`` in ``tmp_path`` as on a fresh machine (no variable that
    configures the assistant, the model hub or the tokenizer caches), with the guard installed in
    it and in every Python process it starts; the result and the guard's log file."""
    skip = ("ASSISTANT_", "HF_", "TRANSFORMERS_", "TIKTOKEN_", "NLTK_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    site, log = tmp_path / "site", tmp_path / "network.log"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env.update(PYTHONPATH=os.pathsep.join([str(site), str(REPO)]), NETGUARD_LOG=str(log))
    res = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return res, log


def test_ingest_and_ask_make_no_network_attempt(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    res, log = _run_guarded(tmp_path, GUARD, str(tmp_path / "index"), str(CORPUS), str(out))
    assert res.returncode == 0, res.stderr[-3000:]
    assert json.loads(out.read_text()) == {"codes": [0, 0]}
    assert not log.exists(), log.read_text()
    answer = json.loads(res.stdout[res.stdout.index("{") :])
    assert "January 20, 2025" in answer["text"]


def test_library_use_is_offline_and_leaves_the_environment_alone(tmp_path: Path) -> None:
    """``import assistant`` sets no variable (the offline switches belong to the entry points),
    and a program that uses the library without them still makes no network attempt."""
    out = tmp_path / "result.json"
    res, log = _run_guarded(tmp_path, LIBRARY, str(tmp_path / "index"), str(CORPUS), str(out))
    assert res.returncode == 0, res.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["env_changed_by_import"] == []
    assert not log.exists(), log.read_text()
    assert "January 20, 2025" in result["text"]


SPLITTER = r"""
import socket
assert socket.getaddrinfo.__module__ == "tests.netguard"  # installed at start-up
from assistant import offline
offline.apply()  # what every entry point does first
from llama_index.core.node_parser import SentenceSplitter
print(len(SentenceSplitter(chunk_size=64, chunk_overlap=0).split_text("A sentence. " * 200)))
"""


def test_offline_switches_leave_llama_index_its_bundled_tokenizer(tmp_path: Path) -> None:
    """After the entry points' switches, a program that also uses llama-index's default
    splitter (tiktoken's cl100k_base, which llama-index ships) still needs no network."""
    res, log = _run_guarded(tmp_path, SPLITTER)
    assert res.returncode == 0, res.stderr[-3000:]
    assert int(res.stdout.strip()) > 1
    assert not log.exists(), log.read_text()
