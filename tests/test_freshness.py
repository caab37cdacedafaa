"""Long-running readers stay true to the files on disk while other processes re-index them.

Real processes only: a chat server (`assistant chat`) and a Python program holding one
``Assistant`` answer, the R1 document is edited, ``assistant ingest`` runs in another process,
and the same question is asked again. Before the re-ingest each answer quotes the file as it is
on disk now, or says to run ``assistant ingest``; after it, the answer quotes the edited text
(the running process re-opened the index by itself). Then three processes run ``assistant ask``
over and over while an ``assistant ingest`` of a larger folder runs, on the embedded store and
on a Chroma server: each ask answers with quotes that match the disk, or fails with one
``error:`` line and no traceback; after the ingest the new documents are counted and answered.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from assistant import Assistant
from assistant.lock import LOCK_FILE

from .conftest import CORPUS, R1_SOURCE, REPO, run_cli
from .test_chroma_server import chroma_url as chroma_url  # the fixture: a real `chroma run`
from .test_reliability import one_line_error
from .test_ui import _call_ask, chat_server

Reply = dict[str, Any]  # an answer ({"text", "citations", ...}) or {"error": message}

QUESTION = "When did DeepSeek launch R1?"
OLD, NEW = "January 20, 2025", "January 22, 2025"  # the same length: the spans stay the same
EXTRA = REPO / "evals" / "software" / "corpus"
EXTRA_FILES = (  # small documents, so that the second ingest takes seconds, not minutes
    "tmux-README.txt",
    "ca-certificates-README.Debian.txt",
    "requests-README.md",
    "click-README.md",
)
READERS, MAX_ASKS = 3, 12  # reader processes, each asking again and again while ingest runs
BATCH = "8"  # ASSISTANT_STORE_BATCH for that ingest: it writes to the store all along


# -- helpers ------------------------------------------------------------------------------------
def fresh_copy(session_index: Path, home: Path) -> tuple[Path, Path]:
    """A copy of the seed corpus and of the session's index of it (nothing is embedded)."""
    corpus, index = home / "corpus", home / "index"
    shutil.copytree(CORPUS, corpus)
    shutil.copytree(session_index, index)
    return corpus, index


def disk_text(corpus: Path, source: str) -> str:
    """What a citation of a UTF-8 .txt or .md file indexes into: the file's bytes, decoded."""
    return (corpus / source).read_bytes().decode("utf-8")


def assert_quotes_on_disk(corpus: Path, citations: list[dict[str, Any]]) -> None:
    for c in citations:
        on_disk = disk_text(corpus, c["source"])[c["start"] : c["end"]]
        assert on_disk == c["quote"], (
            f"{c['source']}[{c['start']}:{c['end']}] quoted {c['quote']!r}, "
            f"but the file on disk has {on_disk!r} there"
        )


def assert_answers(reply: Reply, corpus: Path, date: str) -> None:
    """An answer that gives ``date``, citing the R1 document, every quote as the disk has it."""
    other = NEW if date == OLD else OLD
    assert "error" not in reply, reply["error"]
    assert date in reply["text"] and other not in reply["text"], reply["text"]
    assert any(c["source"] == R1_SOURCE and date in c["quote"] for c in reply["citations"]), reply
    assert_quotes_on_disk(corpus, reply["citations"])


def assert_not_alarming(message: str) -> None:
    """A message about an index that is being (or was just) updated, not a fault: it does not
    call the store damaged, nor send the user to rebuild it."""
    assert "damaged" not in message and "--rebuild" not in message, message
    assert "Traceback" not in message, message


def assert_disk_or_says_ingest(reply: Reply, corpus: Path) -> None:
    """Between an edit and the re-ingest: quotes of the file as it is now, or one line saying to
    run ``assistant ingest``."""
    if "error" in reply:
        message = str(reply["error"])
        assert "assistant ingest" in message and "\n" not in message, message
        assert_not_alarming(message)
    else:
        assert reply["citations"], reply
        assert_quotes_on_disk(corpus, reply["citations"])


def edit_r1(corpus: Path) -> None:
    path = corpus / R1_SOURCE
    text = disk_text(corpus, R1_SOURCE)
    assert text.count(OLD) == 1
    path.write_bytes(text.replace(OLD, NEW).encode("utf-8"))


def reingest(corpus: Path, index: Path, cwd: Path) -> None:
    res = run_cli("--index", str(index), "ingest", str(corpus), cwd=cwd)
    assert res.returncode == 0, res.stderr
    assert "5 documents (0 new, 1 changed, 0 removed, 4 unchanged)" in res.stdout, res.stdout


def edit_then_reingest(ask: Callable[[str], Reply], corpus: Path, index: Path, cwd: Path) -> None:
    """The sequence both long-running processes go through, asking with ``ask``."""
    assert_answers(ask(QUESTION), corpus, OLD)  # the index is open before the edit
    edit_r1(corpus)
    assert_disk_or_says_ingest(ask(QUESTION), corpus)
    reingest(corpus, index, cwd)
    assert_answers(ask(QUESTION), corpus, NEW)  # the very next answer, no restart


def api_reply(url: str, question: str) -> Reply:
    """One ``/ask`` call to the chat server: the Answer as JSON, or its error message."""
    events = _call_ask(url, question)
    lines = events.splitlines()
    kinds = [ln.removeprefix("event: ") for ln in lines if ln.startswith("event: ")]
    data = [ln.removeprefix("data: ") for ln in lines if ln.startswith("data: ")]
    assert kinds and len(kinds) == len(data), events
    if kinds[-1] == "error":  # Gradio sends {"error": message, "title": ..., ...}
        payload = json.loads(data[-1])
        return {"error": payload["error"] if isinstance(payload, dict) else payload}
    assert kinds[-1] == "complete", events
    (answer,) = json.loads(data[-1])
    return dict(answer)


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(extra)
    return env


# -- a Python program holding one Assistant -------------------------------------------------------
PROGRAM = """
import json, sys
from assistant import Assistant, AssistantError

bot = Assistant(corpus_dir=sys.argv[1], index_dir=sys.argv[2])
for line in sys.stdin:
    try:
        a = bot.ask(line.strip())
    except AssistantError as exc:
        out = {"error": str(exc)}
    else:
        cites = [
            {"source": c.source, "start": c.start, "end": c.end, "quote": c.quote}
            for c in a.citations
        ]
        out = {"text": a.text, "citations": cites}
    print(json.dumps(out), flush=True)
"""


class Program:
    """:data:`PROGRAM` in a subprocess: one question a line on stdin, one JSON line back."""

    def __init__(self, corpus: Path, index: Path, cwd: Path) -> None:
        self.log = cwd / "program.log"
        with self.log.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", PROGRAM, str(corpus), str(index)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                cwd=cwd,
                env=cli_env(PYTHONPATH=str(REPO)),
            )
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def ask(self, question: str) -> Reply:
        stdin: IO[str] | None = self.proc.stdin
        assert stdin is not None
        stdin.write(question + "\n")
        stdin.flush()
        try:
            line = self.lines.get(timeout=300)
        except queue.Empty:
            pytest.fail("the program did not answer in 300 s: " + self.log.read_text())
        if line is None:
            pytest.fail("the program exited: " + self.log.read_text())
        return dict(json.loads(line))

    def close(self) -> str:
        """Ends the program (end of input); its stderr."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return self.log.read_text()


@contextlib.contextmanager
def program(corpus: Path, index: Path, cwd: Path) -> Iterator[Program]:
    p = Program(corpus, index, cwd)
    try:
        yield p
    finally:
        stderr = p.close()
    assert "Traceback" not in stderr, stderr
    assert p.proc.returncode == 0, stderr


# -- readers while another process ingests --------------------------------------------------------
@dataclass(frozen=True)
class Asked:
    started: float
    ended: float
    res: subprocess.CompletedProcess[str]


def ask_cli(corpus: Path, index: Path, cwd: Path, env: dict[str, str]) -> Asked:
    t0 = time.monotonic()
    res = run_cli(
        *("--index", str(index), "ask", "--json", "--corpus", str(corpus), QUESTION),
        cwd=cwd,
        env=env,
    )
    return Asked(t0, time.monotonic(), res)


def check_ask(asked: Asked, corpus: Path) -> None:
    """An ``assistant ask --json`` run: an answer quoting the disk, or one ``error:`` line."""
    res = asked.res
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout, res.stderr
    if res.returncode != 0:
        assert_not_alarming(one_line_error(res, "ingest"))
        return
    assert_answers(json.loads(res.stdout), corpus, OLD)


def readers_during_ingest(corpus: Path, index: Path, cwd: Path, env: dict[str, str]) -> None:
    """Adds :data:`EXTRA_FILES` to ``corpus`` and ingests it in a process while
    :data:`READERS` processes ask, one after another, until it ends; then checks the index."""
    for name in EXTRA_FILES:
        shutil.copy2(EXTRA / name, corpus / name)
    out, err = cwd / "ingest.out", cwd / "ingest.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        ingest = subprocess.Popen(
            [sys.executable, "-m", "assistant", "--index", str(index), "ingest", str(corpus)],
            cwd=cwd,
            env={**env, "ASSISTANT_STORE_BATCH": BATCH},
            stdout=stdout,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 120
        while not (index / LOCK_FILE).exists():  # the ingest has started: it holds the lock
            assert ingest.poll() is None, "the ingest ended before it was seen: " + err.read_text()
            assert time.monotonic() < deadline, "no ingest lock in 120 s: " + err.read_text()
            time.sleep(0.05)

        def reader(_: int) -> list[Asked]:
            asks: list[Asked] = []
            while ingest.poll() is None and len(asks) < MAX_ASKS:
                asks.append(ask_cli(corpus, index, cwd, env))
            return asks

        with ThreadPoolExecutor(READERS) as pool:
            runs = pool.map(reader, range(READERS))
            ingest.wait(timeout=600)
            ingest_ended = time.monotonic()
            by_reader = list(runs)
    finally:
        if ingest.poll() is None:
            ingest.kill()
            ingest.wait()
    assert ingest.returncode == 0, err.read_text()
    assert "Traceback" not in err.read_text()
    n = 5 + len(EXTRA_FILES)
    summary = f"{n} documents ({len(EXTRA_FILES)} new, 0 changed, 0 removed, 5 unchanged)"
    assert summary in out.read_text(), out.read_text()

    # Each reader asked from the start of the ingest to its end (else this proved nothing).
    for asks in by_reader:
        assert len(asks) >= 2 and (len(asks) < MAX_ASKS or asks[-1].ended >= ingest_ended)
        for asked in asks:
            check_ask(asked, corpus)

    after = ask_cli(corpus, index, cwd, env)
    assert after.res.returncode == 0, after.res.stderr
    check_ask(after, corpus)
    status = run_cli("--index", str(index), "status", "--json", cwd=cwd, env=env)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["documents"] == n


# -- the tests --------------------------------------------------------------------------------------
@pytest.mark.slow  # a real chat server and a real ingest in another process
def test_chat_server_answers_from_the_edited_file_after_reingest(
    assistant: Assistant, tmp_path: Path
) -> None:
    corpus, index = fresh_copy(assistant.config.index_dir, tmp_path)
    with chat_server(index, corpus, tmp_path, tmp_path) as started:
        url = str(started["url"])
        edit_then_reingest(lambda q: api_reply(url, q), corpus, index, tmp_path)


@pytest.mark.slow  # a Python program in a subprocess and a real ingest in another one
def test_python_process_holding_an_assistant_sees_reingest(
    assistant: Assistant, tmp_path: Path
) -> None:
    corpus, index = fresh_copy(assistant.config.index_dir, tmp_path)
    with program(corpus, index, tmp_path) as p:
        edit_then_reingest(p.ask, corpus, index, tmp_path)


@pytest.mark.slow  # an ingest process and three reader processes at once
def test_readers_during_an_ingest_in_another_process_embedded(
    assistant: Assistant, tmp_path: Path
) -> None:
    corpus, index = fresh_copy(assistant.config.index_dir, tmp_path)
    readers_during_ingest(corpus, index, tmp_path, cli_env())


@pytest.mark.slow  # a real `chroma run` server, an ingest process and three readers
def test_readers_during_an_ingest_in_another_process_chroma_server(
    assistant: Assistant, chroma_url: str, tmp_path: Path
) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(CORPUS, corpus)
    onnx = assistant.config.index_dir / "onnx"
    shutil.copytree(onnx, index / "onnx")  # the exported query encoder: no export again
    env = cli_env(ASSISTANT_CHROMA_URL=chroma_url)
    first = run_cli("--index", str(index), "ingest", str(corpus), cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert "5 documents (5 new, 0 changed, 0 removed, 0 unchanged)" in first.stdout, first.stdout
    readers_during_ingest(corpus, index, tmp_path, env)
