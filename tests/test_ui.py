"""The chat UI, started as a user starts it (`assistant chat`), driven in headless Chromium and
called with gradio_client; it shows only corpus text and fetches nothing from the internet."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant

from . import docgen
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


@contextlib.contextmanager
def chat_server(
    index: Path, corpus: Path, cwd: Path, log_dir: Path, env: dict[str, str] | None = None
) -> Iterator[dict[str, object]]:
    """`assistant chat` in a subprocess, as a user starts it, with only loopback traffic allowed;
    yields its URL, reported start-up time and feedback file."""
    feedback = log_dir / "feedback.jsonl"
    net_log = log_dir / "network.log"
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    full_env.update(env or {})
    full_env["ASSISTANT_FEEDBACK_FILE"] = str(feedback)
    full_env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    guarded = (
        "import sys, tests.netguard as g; g.install(sys.argv[1], loopback=True); "
        "from assistant.cli import main; sys.exit(main(sys.argv[2:]))"
    )
    proc = subprocess.Popen(
        [
            *(sys.executable, "-c", guarded, str(net_log)),
            *("--index", str(index), "chat", "--port", str(port), "--corpus", str(corpus)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=full_env,
        cwd=cwd,
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
    try:
        yield {"url": m.group(1), "ready_s": float(m.group(2)), "feedback": feedback}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert not net_log.exists(), "the chat server tried the network: " + net_log.read_text()


@pytest.fixture(scope="module")
def server(
    assistant: Assistant,
    session_dir: Path,
    corpus_copy: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, object]]:
    del assistant  # its index is the one the server opens
    logs = tmp_path_factory.mktemp("ui")
    with chat_server(session_dir / "index", corpus_copy, session_dir, logs) as started:
        yield started


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
    from gradio_client import Client  # type: ignore[import-untyped]

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


# -- the Documents page -------------------------------------------------------------------------

HOSTILE_TITLE = 'City <b>works</b> report <img src=x onerror="window.__xss=1">'
SEED = {
    "ferries.txt": "Ferry timetable\n\nThe first ferry leaves at six in the morning. "
    "The last ferry leaves at midnight.\n",
    "cafe.md": "# Harbour cafe\n\nThe harbour cafe sells its crème brûlée for five euros. "
    "It opens at eight every morning.\n",
}


@pytest.fixture(scope="module")
def docs_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, object]]:
    """A chat server over a small corpus of its own, in an index of its own (uploads and
    removals change both, so no other test shares them)."""
    home = tmp_path_factory.mktemp("docs-ui")
    corpus = home / "corpus"
    corpus.mkdir()
    for name, text in SEED.items():
        (corpus / name).write_text(text, encoding="utf-8")
    with chat_server(home / "index", corpus, home, home) as started:
        yield {**started, "corpus": corpus, "home": home}


def _open_documents(page: Any, url: str, documents: int) -> None:
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.locator("#status")).to_contain_text(f"{documents} documents", timeout=30_000)
    page.get_by_role("tab", name="Documents").click()
    page.locator("#documents").wait_for(timeout=10_000)


def _upload(page: Any, paths: list[Path]) -> list[str]:
    """Drop ``paths`` on the upload area; Gradio's temporary paths of the uploaded files."""
    with page.expect_response(lambda r: r.request.method == "POST" and "/upload?" in r.url) as res:
        page.locator("#doc-upload input[type=file]").set_input_files([str(p) for p in paths])
    temp_paths = [str(p) for p in res.value.json()]
    page.wait_for_timeout(300)
    return temp_paths


def _ask(page: Any, question: str, turn: int) -> None:
    """Ask on the Chat tab and wait for the sources of this page's ``turn``-th answer (0-based)."""
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Chat").click()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    expect(page.locator(f"#sources .for[data-turn='{turn}']")).to_contain_text(
        f"Sources for: {question}", timeout=30_000
    )


def test_documents_page_upload_pdf_then_cite_its_page(
    docs_server: dict[str, object], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, corpus = str(docs_server["url"]), Path(str(docs_server["corpus"]))
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(docgen.pdf(docgen.PDF_PAGES, title=HOSTILE_TITLE))
    exe = tmp_path / "setup.exe"
    exe.write_bytes(b"MZ\x90\x00 not a document")
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("request", lambda r: requests.append(r.url))
        _open_documents(page, url, len(SEED))
        expect(page.locator("#documents")).to_contain_text("ferries.txt")
        expect(page.locator("#documents")).to_contain_text("cafe.md")

        # Two files at once: the .exe is refused by the upload area (only the readers' types are
        # taken; the server refuses others too), the PDF is uploaded, saved and indexed.
        temp_paths = _upload(page, [pdf, exe])
        assert [Path(t).name for t in temp_paths] == ["report.pdf"]
        expect(page.get_by_text("Invalid file type: setup.exe. Only .docx")).to_be_visible()
        page.evaluate(  # remember whether indexing progress was ever on the page
            """() => { window.__sawProgress = false;
              new MutationObserver(() => { if (document.querySelector('#doc-message progress'))
                window.__sawProgress = true; }).observe(document.body,
                {childList: true, subtree: true}); }"""
        )
        page.locator("#doc-add").click()
        message = page.locator("#doc-message")
        expect(message).to_contain_text("Indexed report.pdf (pdf, 3 pages", timeout=60_000)
        expect(message).to_contain_text(f"{len(SEED) + 1} documents")
        assert page.evaluate("window.__sawProgress") is True
        table = page.locator("#documents")
        expect(table).to_contain_text("report.pdf")
        expect(table).to_contain_text(HOSTILE_TITLE)  # shown as text, never as markup
        assert page.evaluate("window.__xss") is None
        assert table.locator("img, b").count() == 0
        row = table.get_by_role("row").filter(has_text="report.pdf").first.inner_text()
        assert re.search(r"\bpdf\b.*\b3\b", row, re.S), row
        assert sorted(os.listdir(corpus)) == ["cafe.md", "ferries.txt", "report.pdf"]
        assert (corpus / "report.pdf").read_bytes() == pdf.read_bytes()
        for temp in temp_paths:  # Gradio's copies are gone: nothing uploaded is served back
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(url.rstrip("/") + "/gradio_api/file=" + temp, timeout=10)
            assert err.value.code == 403

        # The same name again: refused, the file in the folder is left as it was.
        again = tmp_path / "again" / "report.pdf"
        again.parent.mkdir()
        again.write_bytes(docgen.pdf(["Another report."]))
        _upload(page, [again])
        page.locator("#doc-add").click()
        expect(message).to_contain_text(
            "Not added: report.pdf is already in the corpus folder", timeout=30_000
        )
        assert (corpus / "report.pdf").read_bytes() == pdf.read_bytes()

        # The next question sees the upload: cited with its page, the quote highlighted.
        _ask(page, "When did the harbour bridge open?", 0)
        expect(page.locator("#status")).to_contain_text(f"{len(SEED) + 1} documents")
        cite = page.locator("#chat a.cite").first
        expect(cite).to_have_text("[1, p. 2]")
        page.wait_for_timeout(300)
        cite.click()
        active = page.locator("#sources .citation.active")
        active.wait_for(timeout=5_000)
        expect(active.locator(".meta .page")).to_have_text("p. 2")
        assert active.get_attribute("data-page") == "2"
        assert "report.pdf" in active.locator(".meta").inner_text()
        assert HOSTILE_TITLE in active.locator(".meta").inner_text()
        mark = active.locator("mark")
        assert mark.is_visible() and mark.inner_text() == docgen.PDF_ANSWER
        context = active.locator(".context").inner_text()
        assert "northern shore of the harbour" in context  # page 2 around the quote...
        assert "reading room" not in context and "museum" not in context  # ...and no other page
        assert page.evaluate("window.__xss") is None
        browser.close()
    assert [u for u in requests if not u.startswith(url.rstrip("/"))] == []


def test_documents_page_remove_keeps_the_file_unless_ticked(
    docs_server: dict[str, object], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, corpus = str(docs_server["url"]), Path(str(docs_server["corpus"]))
    notes = tmp_path / "lighthouse notes.txt"
    notes.write_text("The lighthouse was painted red in 1999.\n", encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _open_documents(page, url, len(os.listdir(corpus)))
        _upload(page, [notes])
        page.locator("#doc-add").click()
        message = page.locator("#doc-message")
        expect(message).to_contain_text("Indexed lighthouse notes.txt", timeout=60_000)
        _ask(page, "How much does the crème brûlée cost?", 0)
        assert "cafe.md" in page.locator("#sources").inner_text()

        # Remove cafe.md, picked in the table, with the box left unticked: the file stays.
        page.get_by_role("tab", name="Documents").click()
        page.locator("#documents").get_by_text("cafe.md", exact=True).click()
        expect(page.locator("#doc-choice input")).to_have_value(re.compile("cafe.md"))
        page.locator("#doc-remove").click()
        expect(message).to_contain_text("Removed cafe.md from the index", timeout=30_000)
        expect(message).to_contain_text("Its file stays in the corpus folder")
        expect(page.locator("#documents")).not_to_contain_text("cafe.md")
        assert (corpus / "cafe.md").is_file()
        _ask(page, "How much does the crème brûlée cost?", 1)
        assert "cafe.md" not in page.locator("#sources").inner_text()

        # Remove the notes, picked in the menu, with the box ticked: the file goes too.
        page.get_by_role("tab", name="Documents").click()
        page.locator("#doc-choice input").click()
        page.get_by_role("option", name=re.compile("lighthouse notes.txt")).click()
        page.locator("#doc-delete-file input[type=checkbox]").check()
        page.locator("#doc-remove").click()
        expect(message).to_contain_text(
            "Removed lighthouse notes.txt from the index", timeout=30_000
        )
        expect(message).to_contain_text("deleted its file from the corpus folder")
        expect(page.locator("#doc-delete-file input[type=checkbox]")).not_to_be_checked()
        assert not (corpus / "lighthouse notes.txt").exists()
        _ask(page, "When was the lighthouse painted red?", 2)
        assert "lighthouse notes.txt" not in page.locator("#sources").inner_text()
        assert "Traceback" not in page.content()
        browser.close()


# -- document text is shown as text; uploads are same-origin, limited and cleaned up ------------

REMOTE = "203.0.113.5"  # TEST-NET-3: documentation addresses, never routed
PLANTED = (
    "The lighthouse keeper's cat is called Biscuit ![x](http://203.0.113.5/t.png) "
    '![y](//203.0.113.5/p.png) <img src="http://203.0.113.5/u.png"> and naps by the lamp, see '
    '[click](http://203.0.113.5/) or <a href="http://203.0.113.5/a">here</a>.'
)
PLANTED_TITLE = (
    "Notes ![t](http://203.0.113.5/title.png) [home](http://203.0.113.5/title) "
    '<img src="http://203.0.113.5/v.png">'
)
CAT_QUESTION = "What is the lighthouse keeper's cat called?"
# Elements with the remote address in an attribute that loads or links something.
REMOTE_ATTRIBUTES = """() => [...document.querySelectorAll('*')].filter(e => [...e.attributes]
    .some(a => ['src', 'href', 'srcset', 'poster', 'data', 'action', 'formaction', 'background',
                'style', 'xlink:href'].includes(a.name) && a.value.includes('203.0.113.5')))
    .map(e => e.outerHTML)"""


def _markup_corpus(corpus: Path) -> None:
    corpus.mkdir()
    (corpus / "tracker.txt").write_text(
        f"Harbour notes\n\n{PLANTED}\n\nThe harbour master rings the bell at noon.\n",
        encoding="utf-8",
    )
    (corpus / "ferries.txt").write_text(SEED["ferries.txt"], encoding="utf-8")
    manifest = {"documents": {"tracker.txt": {"title": PLANTED_TITLE}}}
    (corpus / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture(scope="module")
def markup_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """A chat server whose corpus holds Markdown and HTML that would fetch and link to a remote
    host if rendered; uploads limited to 1 MB, Gradio's temporary folder under the test's."""
    home = tmp_path_factory.mktemp("markup-ui")
    _markup_corpus(home / "corpus")
    temp = home / "gradio-temp"
    env = {"ASSISTANT_MAX_FILE_MB": "1", "GRADIO_TEMP_DIR": str(temp)}
    with chat_server(home / "index", home / "corpus", home, home, env) as started:
        yield {**started, "temp": temp}


def _post_upload(url: str, name: str, data: bytes, origin: str | None = None) -> Any:
    import httpx

    headers = {"Origin": origin} if origin is not None else {}
    return httpx.post(
        url.rstrip("/") + "/gradio_api/upload",
        files={"files": (name, data)},
        headers=headers,
        timeout=30,
    )


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_document_markup_is_shown_as_text(markup_server: dict[str, object]) -> None:
    from playwright.sync_api import expect, sync_playwright

    url = str(markup_server["url"])
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("request", lambda r: requests.append(r.url))
        page.goto(url)
        expect(page.locator("#status")).to_contain_text("2 documents", timeout=30_000)
        _ask(page, CAT_QUESTION, 0)
        chat = page.locator("#chat")
        expect(chat.locator("a.cite")).to_have_count(1)
        shown = chat.inner_text()
        for literal in (
            "![x](http://203.0.113.5/t.png)",
            "![y](//203.0.113.5/p.png)",
            '<img src="http://203.0.113.5/u.png">',
            "[click](http://203.0.113.5/)",
            '<a href="http://203.0.113.5/a">here</a>',
        ):
            assert literal in shown, (literal, shown)
        assert chat.locator("a:not(.cite)").count() == 0  # only our own [n] links
        assert chat.locator("img").count() == 0
        sources = page.locator("#sources")
        assert sources.locator("mark").inner_text() == PLANTED
        assert PLANTED_TITLE in sources.locator(".meta").inner_text()
        assert sources.locator("a, img").count() == 0
        chat.locator("a.cite").click()  # our own link still selects the citation
        page.locator("#sources .citation.active").wait_for(timeout=5_000)

        # A question holding a lone surrogate (as a page's script can send): a readable message.
        page.locator("#question textarea").evaluate(
            """(e) => { e.value = 'When does the first ferry leave?\\udcff';
                e.dispatchEvent(new Event('input', {bubbles: true})); }"""
        )
        page.locator("#ask").click()
        expect(chat.locator(".error")).to_contain_text(
            "the question is not valid text", timeout=20_000
        )
        expect(chat).to_contain_text("When does the first ferry leave?\\udcff")

        page.get_by_role("tab", name="Documents").click()
        table = page.locator("#documents")
        expect(table).to_contain_text(PLANTED_TITLE)
        assert table.locator("a, img").count() == 0
        page.wait_for_timeout(500)  # time for any image fetch to start
        assert page.evaluate(REMOTE_ATTRIBUTES) == []
        assert "Traceback" not in page.content()
        browser.close()
    assert [u for u in requests if not u.startswith(url.rstrip("/"))] == []


def test_upload_from_another_origin_is_refused(markup_server: dict[str, object]) -> None:
    url, temp = str(markup_server["url"]), Path(str(markup_server["temp"]))
    before = _files(temp)
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    for origin in (f"http://{REMOTE}", "null", f"http://127.0.0.1:{port + 1}", "https://127.0.0.1"):
        res = _post_upload(url, "notes.txt", b"Planted from elsewhere.\n", origin)
        assert res.status_code == 403, (origin, res.status_code, res.text)
    assert _files(temp) == before  # nothing was written
    for own in (url.rstrip("/"), None):  # the page itself, and clients that send no Origin
        res = _post_upload(url, "notes.txt", b"The bell rings at noon.\n", own)
        assert res.status_code == 200, (own, res.text)
        (path,) = res.json()
        assert Path(path).is_file() and Path(path).resolve().is_relative_to(temp.resolve())


def test_oversize_or_unreadable_type_upload_is_refused(markup_server: dict[str, object]) -> None:
    url, temp = str(markup_server["url"]), Path(str(markup_server["temp"]))
    before = _files(temp)
    res = _post_upload(url, "big.txt", b"a" * (2**20 + 1))  # the limit is 1 MB here
    assert res.status_code == 413, res.text
    res = _post_upload(url, "setup.exe", b"MZ\x90\x00 not a document")
    assert res.status_code == 415 and ".exe" in res.text, res.text
    assert _files(temp) == before


def _call_ask(url: str, question: str) -> str:
    """The event stream of one ``/ask`` call over Gradio's HTTP API, the question sent as JSON
    with ``\\u`` escapes (gradio_client cannot send a lone surrogate: it encodes as UTF-8)."""
    import httpx

    base = url.rstrip("/") + "/gradio_api/call/ask"
    body = json.dumps({"data": [question]})  # ensure_ascii: "\\udcff" stays an escape
    res = httpx.post(base, content=body, headers={"Content-Type": "application/json"}, timeout=30)
    res.raise_for_status()
    with httpx.stream("GET", f"{base}/{res.json()['event_id']}", timeout=60) as events:
        return events.read().decode("utf-8")


def test_undecodable_question_gets_a_message(markup_server: dict[str, object]) -> None:
    from gradio_client import Client  # type: ignore[import-untyped]

    url = str(markup_server["url"])
    # "\udcff" is how Python carries the undecodable byte 0xff; "\ud800" is a lone surrogate.
    for question, position in (("When does the first ferry leave?\udcff", 33), ("\ud800 ferry", 1)):
        events = _call_ask(url, question)
        assert "event: error" in events, events
        assert f"the question is not valid text: character {position} " in events, events
    assert "event: complete" in _call_ask(url, "When does the first ferry leave?")
    client = Client(url, verbose=False)
    assert "ferry" in client.predict("When does the first ferry leave?", api_name="/ask")["text"]


def test_uploads_do_not_outlive_the_server(tmp_path: Path) -> None:
    corpus, temp = tmp_path / "corpus", tmp_path / "gradio-temp"
    corpus.mkdir()
    (corpus / "ferries.txt").write_text(SEED["ferries.txt"], encoding="utf-8")
    env = {"GRADIO_TEMP_DIR": str(temp)}
    with chat_server(tmp_path / "index", corpus, tmp_path, tmp_path, env) as started:
        res = _post_upload(str(started["url"]), "notes.txt", b"The bell rings at noon.\n")
        assert res.status_code == 200, res.text
        upload = Path(res.json()[0])
        assert upload.is_file()
        own = upload.relative_to(temp).parts[0]  # the server's own folder under GRADIO_TEMP_DIR
        assert own.startswith("assistant-chat-")
    # The server was stopped (SIGTERM): its folder is gone with every upload in it. (Gradio's
    # empty vibe_edit_history folder, made at import, may stay.)
    assert _files(temp) == []
    assert not (temp / own).exists()
