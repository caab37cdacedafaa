"""The chat UI, started as a user starts it (`assistant chat`), driven in headless Chromium and
called with gradio_client; it shows only corpus text and fetches nothing from the internet."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant

from .conftest import R1_SOURCE
from .test_chroma_server import free_port

pytestmark = pytest.mark.slow  # a real server and headless Chromium

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(
    assistant: Assistant,
    session_dir: Path,
    corpus_copy: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, object]]:
    del assistant  # its index is the one the server opens
    feedback = tmp_path_factory.mktemp("ui") / "feedback.jsonl"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_FEEDBACK_FILE"] = str(feedback)
    net_log = feedback.with_name("network.log")
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    guarded = (  # the server as `assistant chat` runs it, with only loopback traffic allowed
        "import sys, tests.netguard as g; g.install(sys.argv[1], loopback=True); "
        "from assistant.cli import main; sys.exit(main(sys.argv[2:]))"
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            guarded,
            str(net_log),
            "--index",
            str(session_dir / "index"),
            "chat",
            "--port",
            str(port),
            "--corpus",
            str(corpus_copy),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=session_dir,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Running on "):
            break
    else:
        pytest.fail("assistant chat exited: " + "".join(lines))
    m = re.match(r"Running on (http://127\.0\.0\.1:\d+/)\s+\(ready in ([\d.]+) s", lines[-1])
    assert m, lines[-1]
    yield {"url": m.group(1), "ready_s": float(m.group(2)), "feedback": feedback}
    proc.terminate()
    proc.wait(timeout=30)
    assert not net_log.exists(), "the chat server tried the network: " + net_log.read_text()


def test_browser_answer_citation_abstention_feedback(
    server: dict[str, object], corpus_copy: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url = str(server["url"])
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.on("request", lambda r: requests.append(r.url))
        page.goto(url)
        expect(page.locator("#status")).to_contain_text("5 documents", timeout=20_000)
        expect(page.locator("#status")).to_contain_text("all-MiniLM-L6-v2")

        page.locator("#question textarea").fill("When did DeepSeek launch R1?")
        page.locator("#ask").click()
        cite = page.locator("#chat a.cite").first
        cite.wait_for(timeout=20_000)
        assert "January 20, 2025" in page.locator("#chat").inner_text()
        page.wait_for_timeout(300)
        cite.click()
        active = page.locator("#sources .citation.active")
        active.wait_for(timeout=5_000)
        mark = active.locator("mark")
        assert mark.is_visible()
        start, end = (
            int(active.get_attribute("data-start") or -1),
            int(active.get_attribute("data-end") or -1),
        )
        text = (corpus_copy / R1_SOURCE).read_bytes().decode("utf-8")
        assert mark.inner_text() == text[start:end]
        assert "January 20, 2025" in mark.inner_text()
        assert R1_SOURCE in active.inner_text()

        page.locator("#chat button[aria-label='Like']").last.click()
        page.wait_for_timeout(800)

        page.locator("#question textarea").fill("How many employees does DeepSeek have?")
        page.locator("#ask").click()
        page.locator("#chat .abstained").wait_for(timeout=20_000)
        assert "Not in the corpus" in page.locator("#chat .abstained").inner_text()
        assert "does not cover" in page.locator("#sources").inner_text()

        page.locator("#ask").click()  # an empty question: a readable message, no stack trace
        page.locator("#chat .error").wait_for(timeout=10_000)
        assert page.locator("#chat .error").last.inner_text().startswith("the question is empty")
        assert "Traceback" not in page.content()

        # After an error, answers still line up with their sources and ratings.
        page.locator("#question textarea").fill("Who founded DeepSeek?")
        page.locator("#ask").click()
        expect(page.locator("#sources")).to_contain_text(
            "Sources for: Who founded DeepSeek?", timeout=20_000
        )
        page.locator("#chat button[aria-label='Dislike']").last.click()
        page.wait_for_timeout(800)
        browser.close()

    assert [u for u in requests if not u.startswith(url.rstrip("/"))] == []
    lines = Path(str(server["feedback"])).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    after_error = json.loads(lines[1])
    assert (after_error["rating"], after_error["question"]) == ("down", "Who founded DeepSeek?")
    assert "Liang Wenfeng" in after_error["answer"]
    record = json.loads(lines[0])
    assert record["rating"] == "up"
    assert record["question"] == "When did DeepSeek launch R1?"
    assert "January 20, 2025" in record["answer"]
    assert record["citations"][0]["source"] == R1_SOURCE


def test_gradio_client_calls_the_api(server: dict[str, object]) -> None:
    from gradio_client import Client

    client = Client(str(server["url"]), verbose=False)
    data = client.predict("When did DeepSeek launch R1?", api_name="/ask")
    assert set(data) == {"text", "abstained", "citations"}
    assert "January 20, 2025" in data["text"] and data["citations"][0]["source"] == R1_SOURCE
    assert client.predict("What is the capital of France?", api_name="/ask")["abstained"] is True
    with pytest.raises(Exception, match="the question is empty"):
        client.predict("  ", api_name="/ask")


@pytest.mark.parametrize(
    "path",
    [
        "/gradio_api/file=/etc/passwd",
        "/file=/etc/passwd",
        "/gradio_api/file=../../../../etc/passwd",
        "/gradio_api/file={repo}/pyproject.toml",
        "/gradio_api/file={corpus}/../manifest.json",
        "/gradio_api/file={corpus}/" + R1_SOURCE,
    ],
)
def test_no_file_is_served_by_path(server: dict[str, object], corpus_copy: Path, path: str) -> None:
    url = str(server["url"]).rstrip("/") + path.format(
        repo=Path(__file__).parents[1], corpus=corpus_copy
    )
    try:
        with urllib.request.urlopen(url, timeout=10) as res:
            body = res.read().decode("utf-8", "replace")
            status = res.status
    except urllib.error.HTTPError as exc:
        status, body = exc.code, ""
    assert status >= 400 or (
        "root:" not in body and "[project]" not in body and "DeepSeek" not in body
    )
    assert status >= 400, (status, body[:200])


def test_startup_time_is_reported(server: dict[str, object]) -> None:
    assert float(str(server["ready_s"])) > 0  # a figure is reported; speed is the benchmark's
