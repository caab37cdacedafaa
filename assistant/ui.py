"""The Gradio chat UI: answers with clickable [n] citations and a sources panel; a Documents tab.

Each answer's ``[n]`` markers link to the citation in the sources panel, where the quote is
highlighted inside its surrounding text at its exact offsets (and, for a PDF, its page, with the
context kept to that page). Abstentions are styled apart and say that the corpus does not cover
the question. Thumbs up/down append a JSON line to the feedback file. The Documents tab
(:mod:`assistant.ui_documents`) adds, lists and removes documents. The page shows only text of
indexed corpus files (from :meth:`Assistant.texts`), never a path the browser names, and always
as text: every message is HTML that this module builds with document text escaped, and the chat
renders no Markdown or LaTeX, so a quote holding ``![x](http://host/t.png)`` or ``<a href=...>``
shows those characters and fetches or links nothing. Nothing is fetched from the internet (local
fonts, analytics off, no share link unless asked for); uploads are guarded by
:mod:`assistant.ui_guard`. It does not answer questions itself (see :mod:`assistant.engine`).
"""

from __future__ import annotations

import html
import json
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from . import ui_documents, ui_guard, uploads
from .answer import Answer, Citation
from .engine import Assistant
from .errors import AssistantError

CONTEXT_CHARS = 280  # text shown on each side of a quote in the sources panel

CSS = """
#sources .citation { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 8px 10px; margin-bottom: 8px; }
#sources .citation.active, #sources .citation:target { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent-soft); }
#sources .meta { font-size: 0.85em; color: var(--body-text-color-subdued); margin-bottom: 4px; }
#sources .context { white-space: pre-wrap; line-height: 1.45; }
#sources mark { background: #fde68a; color: #111; padding: 0 1px; }
.abstained { font-style: italic; color: var(--body-text-color-subdued); border-left: 3px solid #9ca3af;
  padding-left: 8px; }
.error { color: #b91c1c; }
#chat .message-content { white-space: pre-wrap; }
a.cite { text-decoration: none; font-weight: 600; cursor: pointer; }
a.cite .page, #sources .page { font-weight: 600; color: var(--color-accent); }
#doc-message .doc-line { padding: 2px 0; }
#doc-message .ok::before { content: "✓ "; color: #15803d; }
#doc-message .no::before, #doc-message .error::before { content: "✗ "; color: #b91c1c; }
#doc-message .doc-progress progress { width: 40%; vertical-align: middle; }
"""

PageOf = Callable[[str, int], int | None]  # (source, offset) -> 1-based page, or None

# [n] links: select the citation in the sources panel and scroll to it.
JS = """
() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a.cite');
    if (!link) return;
    event.preventDefault();
    const target = document.getElementById((link.getAttribute('href') || '').slice(1));
    if (!target) return;
    document.querySelectorAll('#sources .citation.active').forEach(e => e.classList.remove('active'));
    target.classList.add('active');
    target.scrollIntoView({block: 'center'});
  }, true);
}
"""


@dataclass
class Turn:
    """One question and its answer; every question gets one, so turns line up with the chat
    (turn i is chat messages 2i and 2i+1). ``answer`` is None when the question failed."""

    question: str
    answer: Answer | None


def _link_markers(text: str, turn: int, pages: dict[int, int] | None = None) -> str:
    """Escape the answer and turn each [n] into a link to citation n of this turn, with the
    page for a citation of a PDF ("[1, p. 2]")."""
    pages = pages or {}

    def link(m: re.Match[str]) -> str:
        n = int(m.group(1))
        page = f', <span class="page">p. {pages[n]}</span>' if n in pages else ""
        return f'<a class="cite" href="#src-{turn}-{n}">[{n}{page}]</a>'

    return re.sub(r"\[(\d+)\]", link, html.escape(text, quote=False))


def _pages(answer: Answer) -> dict[int, int]:
    return {c.n: c.page for c in answer.citations if c.page is not None}


def render_answer(answer: Answer, turn: int) -> str:
    if answer.abstained:
        return f'<div class="abstained">Not in the corpus. {html.escape(answer.text)}</div>'
    return _link_markers(answer.text, turn, _pages(answer))


def _context(c: Citation, size: int, page_of: PageOf | None) -> tuple[int, int]:
    """The span of text shown around a quote: ``CONTEXT_CHARS`` each side, kept to the quote's
    pages when the document has pages (page_of is monotonic, so a binary search finds the
    edges)."""
    lo, hi = max(0, c.start - CONTEXT_CHARS), min(size, c.end + CONTEXT_CHARS)
    if c.page is None or page_of is None:
        return lo, hi
    first, last = c.page, page_of(c.source, max(c.start, c.end - 1)) or c.page
    a, b = lo, c.start  # the first offset on page ``first``
    while a < b:
        m = (a + b) // 2
        a, b = (m + 1, b) if (page_of(c.source, m) or first) < first else (a, m)
    lo = a
    a, b = c.end, hi  # the first offset after page ``last``
    while a < b:
        m = (a + b) // 2
        a, b = (m + 1, b) if (page_of(c.source, m) or last) <= last else (a, m)
    return lo, a


def render_sources(
    turns: list[Turn],
    selected: int | None,
    texts: dict[str, str],
    page_of: PageOf | None = None,
) -> str:
    """The sources panel for one turn: each citation's document, page and quote in context."""
    if not turns:
        return '<div class="empty">Sources of the selected answer appear here.</div>'
    index = len(turns) - 1 if selected is None else selected
    turn = turns[index]
    head = (
        f'<p class="for" data-turn="{index}"><b>Sources for:</b> {html.escape(turn.question)}</p>'
    )
    if turn.answer is None:
        return head + "<p>No sources: this question could not be answered.</p>"
    if turn.answer.abstained:
        return head + "<p>No sources: the corpus does not cover this question.</p>"
    blocks = [head]
    for c in turn.answer.citations:
        text = texts.get(c.source)
        if text is None or text[c.start : c.end] != c.quote:
            continue  # never show anything that is not the indexed file's own text
        lo, hi = _context(c, len(text), page_of)
        before = ("…" if lo else "") + text[lo : c.start]
        after = text[c.end : hi] + ("…" if hi < len(text) else "")
        page = f' · <span class="page">p. {c.page}</span>' if c.page is not None else ""
        blocks.append(
            f'<div class="citation" id="src-{index}-{c.n}" data-start="{c.start}" '
            f'data-end="{c.end}" data-page="{c.page or ""}"><div class="meta">[{c.n}] '
            f"<b>{html.escape(c.title)}</b>"
            + (f" › {html.escape(c.heading)}" if c.heading else "")
            + f" · {html.escape(c.source)}{page} · characters {c.start}–{c.end}</div>"
            f'<div class="context">{html.escape(before)}<mark>{html.escape(c.quote)}</mark>'
            f"{html.escape(after)}</div></div>"
        )
    return "\n".join(blocks)


def render_status(assistant: Assistant) -> str:
    """The status line, as escaped HTML (an error may name corpus files)."""
    try:
        st = assistant.status()
    except AssistantError as exc:
        return f"<b>Index unavailable:</b> {html.escape(str(exc))}"
    built = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(st["built_at"])))

    def code(key: str) -> str:
        return f"<code>{html.escape(str(st[key]))}</code>"

    return (
        f"<b>{st['documents']}</b> documents · <b>{st['chunks']}</b> chunks · index built {built}"
        f"<br>answerer: {code('answerer')} · embeddings: {code('embed_model_name')} "
        f"(ONNX for queries) · store: {code('store')}"
    )


def unexpected(exc: Exception) -> str:
    """A one-line message for a failure that is not the user's to fix; the trace goes to the
    server's stderr, never to the page."""
    traceback.print_exception(exc, file=sys.stderr)
    return f"the question could not be answered ({type(exc).__name__}); the server log has details"


class FeedbackLog:
    """Appends one JSON line per rating; safe across the server's worker threads."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def append(self, turn: Turn, liked: bool) -> None:
        assert turn.answer is not None  # only answered turns can be rated
        record = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "rating": "up" if liked else "down",
            "question": turn.question,
            "answer": turn.answer.text,
            "abstained": turn.answer.abstained,
            "citations": [
                {"n": c.n, "source": c.source, "start": c.start, "end": c.end, "quote": c.quote}
                for c in turn.answer.citations
            ],
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)


def build(assistant: Assistant, feedback: FeedbackLog) -> gr.Blocks:
    def page_of(source: str, offset: int) -> int | None:
        try:
            return assistant.page_of(source, offset)
        except AssistantError:
            return None

    def respond(
        question: str, history: list[dict[str, Any]], turns: list[Turn]
    ) -> Iterator[tuple[Any, ...]]:
        history = list(history or [])
        turns = list(turns or [])
        texts = _texts(assistant)
        # As typed, with any lone surrogate written out ("\\udcff"): the page can show that.
        asked = (question or "").strip().encode("utf-8", "backslashreplace").decode("utf-8")
        shown = html.escape(asked)
        history.append({"role": "user", "content": shown})
        history.append(
            {"role": "assistant", "content": '<div class="pending">Searching the corpus…</div>'}
        )
        yield history, turns, gr.update(), ""
        answer: Answer | None = None
        index = len(turns)
        failure = ""
        try:
            # A generative answerer yields verified text as it grows; then the final Answer.
            for item in assistant.ask_stream(question):
                if isinstance(item, Answer):
                    answer = item
                else:
                    history[-1] = {"role": "assistant", "content": html.escape(item) + " …"}
                    yield history, turns, gr.update(), ""
        except AssistantError as exc:
            failure = str(exc)
        except Exception as exc:  # shown as one line; the server keeps running
            failure = unexpected(exc)
        if failure:
            gr.Warning(html.escape(failure))  # Gradio renders a warning's HTML
            history[-1] = {
                "role": "assistant",
                "content": f'<div class="error">{html.escape(failure)}</div>',
            }
            turns.append(Turn(asked, None))
            yield history, turns, gr.update(), ""
            return
        assert answer is not None  # ask_stream always ends with the Answer
        turns.append(Turn(asked, answer))
        if not answer.abstained:
            # Show the answer quote by quote before the finished answer and its sources.
            parts = re.findall(r".*?\[\d+\]", answer.text) or [answer.text]
            for k in range(1, len(parts)):
                text = " ".join(p.strip() for p in parts[:k])
                history[-1] = {
                    "role": "assistant",
                    "content": _link_markers(text, index, _pages(answer)),
                }
                yield history, turns, gr.update(), ""
        history[-1] = {"role": "assistant", "content": render_answer(answer, index)}
        yield history, turns, render_sources(turns, index, texts, page_of), ""

    def select(turns: list[Turn], evt: gr.SelectData) -> str:
        index = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        return render_sources(
            turns, min(int(index) // 2, len(turns) - 1), _texts(assistant), page_of
        )

    def like(turns: list[Turn], evt: gr.LikeData) -> None:
        index = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        turn_index = int(index) // 2
        if 0 <= turn_index < len(turns) and turns[turn_index].answer is not None:
            feedback.append(turns[turn_index], bool(evt.liked))

    def ask_api(question: str) -> dict[str, Any]:
        """The Answer as JSON, as ``assistant ask --json`` prints it."""
        try:
            return assistant.ask(question).to_dict()
        except AssistantError as exc:
            raise gr.Error(str(exc)) from None
        except Exception as exc:  # never the bare {"error": null} of an unexpected exception
            raise gr.Error(unexpected(exc)) from None

    with gr.Blocks(
        title="Grounded assistant",
        analytics_enabled=False,
        delete_cache=(3600, 3600),  # Gradio's temporary files (uploads are deleted when added)
    ) as app:
        turns = gr.State([])
        gr.Markdown(
            "## Grounded assistant\nEvery answer quotes the corpus; click **[n]** to see the source."
        )
        with gr.Tabs():
            with gr.Tab("Chat", id="chat-tab"), gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(  # messages are our HTML, document text escaped in it
                        elem_id="chat",
                        height=460,
                        render_markdown=False,
                        latex_delimiters=[],
                        sanitize_html=True,
                        allow_tags=False,
                        feedback_options=("Like", "Dislike"),
                        label="Answers",
                    )
                    with gr.Row():
                        box = gr.Textbox(
                            elem_id="question",
                            placeholder="Ask about the corpus…",
                            show_label=False,
                            scale=5,
                            max_lines=4,
                        )
                        send = gr.Button("Ask", elem_id="ask", variant="primary", scale=1)
                with gr.Column(scale=2):
                    sources = gr.HTML(render_sources([], None, {}), elem_id="sources")
                    status = gr.HTML(elem_id="status")
            with gr.Tab("Documents", id="documents-tab"):
                ui_documents.build_tab(app, assistant, status, lambda: render_status(assistant))
        for trigger in (send.click, box.submit):
            trigger(
                respond, [box, chat, turns], [chat, turns, sources, box], api_visibility="private"
            )
        chat.select(select, [turns], [sources], api_visibility="private")
        chat.like(like, [turns], None, api_visibility="private")
        app.load(lambda: render_status(assistant), None, [status], api_visibility="private")
        gr.api(ask_api, api_name="ask")  # type: ignore[attr-defined]
    return app  # type: ignore[no-any-return]


def _texts(assistant: Assistant) -> dict[str, str]:
    try:
        return assistant.texts()
    except AssistantError:
        return {}


def launch(
    assistant: Assistant, host: str, port: int, share: bool, feedback_file: Path
) -> tuple[Any, str]:
    """Start the server without blocking; returns (app, local URL). Gradio's uploads go to a
    folder of this server's own, removed when the process exits (:mod:`assistant.ui_guard`)."""
    upload_dir = ui_guard.private_upload_folder(gr.utils.get_upload_folder())
    guard = Middleware(ui_guard.Guard, allowed=uploads.allowed(), upload_dir=str(upload_dir))
    app = build(assistant, FeedbackLog(feedback_file))
    _, url, _ = app.launch(
        server_name=host,
        server_port=port,
        share=share,
        prevent_thread_lock=True,
        quiet=True,
        show_error=False,
        css=CSS,
        js=JS,
        footer_links=["api"],
        ssr_mode=False,
        max_file_size=f"{assistant.config.max_file_mb}mb",
        enable_monitoring=False,
        pwa=False,
        mcp_server=False,
        app_kwargs={"middleware": [guard]},
    )
    return app, url
