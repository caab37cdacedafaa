"""The chat UI's Documents page: add files to the corpus, list what is indexed, remove a document.

Files dropped on the page (several at once) are saved into the corpus folder by the upload policy
(:mod:`assistant.uploads`: allowed types, size limit, cleaned names, no overwrite unless the user
ticks "Replace"), Gradio's temporary copy is deleted, and the folder is indexed incrementally with
its progress streamed to the page. The table lists the indexed documents
(:meth:`Assistant.documents`). Removing one takes its chunks out of the index; its file is
deleted from the corpus folder only when the user ticks the box that says so. Every change is
made through the engine's public methods, which drop its opened state, so the next question sees
it without a restart. Everything shown is text (escaped HTML, plain table cells); no document is
served or rendered as markup. Which uploads the server takes at all (same origin, size, type) is
:mod:`assistant.ui_guard`'s. It does not build the chat (see :mod:`assistant.ui`).
"""

from __future__ import annotations

import contextlib
import html
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from . import corpus as corpus_mod
from . import uploads
from .engine import Assistant, DocumentInfo
from .errors import AssistantError, UserError
from .ingest import IngestStats

COLUMNS = ["Title", "File", "Format", "Pages", "Chunks", "Text kept", "Indexed"]
DASH = "–"


def table_rows(docs: list[DocumentInfo]) -> list[list[str]]:
    def when(t: float | None) -> str:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else DASH

    return [
        [
            d.title,
            d.source,
            d.format,
            str(d.pages) if d.pages is not None else DASH,
            str(d.chunks),
            f"{d.kept_share:.0%}" if d.kept_share is not None else DASH,
            when(d.indexed_at),
        ]
        for d in docs
    ]


def message(lines: list[tuple[str, str]]) -> str:
    """Escaped HTML lines, each with a kind: "ok", "no", "info" or "error"."""
    return "".join(
        f'<div class="doc-line {kind}">{html.escape(text, quote=False)}</div>'
        for kind, text in lines
    )


def progress_html(step: str, done: int, total: int) -> str:
    bar = f'<progress value="{done}" max="{max(total, 1)}"></progress> ' if total else ""
    count = f" {done}/{total}" if total else f" {done}" if done else ""
    return f'<div class="doc-progress">{bar}{html.escape(step + count)}</div>'


class _Meter:
    """An ingest :data:`~assistant.ingest.Meter` that records each step (a bar, or a saving
    step) with its latest count, for the page to poll: ingest runs in a worker thread and the
    page's generator reads :attr:`steps`. Every step is kept, so one that starts and ends
    between two polls is still shown."""

    def __init__(self) -> None:
        self.steps: list[list[Any]] = []  # [description, done, total]; only ever appended to

    def report(self, step: str, done: int, total: int) -> None:
        if self.steps and self.steps[-1][0] == step:
            self.steps[-1][1:] = [done, total]
        else:
            self.steps.append([step, done, total])

    def __call__(self, desc: str, total: int | None, unit: str) -> _Meter.Bar:
        return _Meter.Bar(self, f"Indexing: {desc} ({unit}s)", total or 0)  # None: not known

    class Bar:
        def __init__(self, meter: _Meter, desc: str, total: int):
            self.step: list[Any] = [desc, 0, total]
            meter.steps.append(self.step)

        def update(self, n: int = 1) -> None:
            self.step[1] += n

        def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
            pass

        def close(self) -> None:
            pass


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _discard_upload(path: str) -> None:
    """Delete Gradio's temporary copy of an upload (only inside its upload folder), so the
    file is never served back from there."""
    upload_dir = Path(gr.utils.get_upload_folder()).resolve()
    p = Path(path).resolve()
    if not p.is_relative_to(upload_dir) or p == upload_dir:
        return
    with contextlib.suppress(OSError):
        p.unlink()
    if p.parent != upload_dir:
        with contextlib.suppress(OSError):
            p.parent.rmdir()  # Gradio's per-upload folder, when now empty


class DocumentsPage:
    """The page's actions, each returning what the page shows next."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant

    def listing(self) -> tuple[Any, Any]:
        """The table and the remove menu's choices."""
        try:
            docs = self.assistant.documents()
        except AssistantError:
            docs = []
        choices = [(f"{d.title} — {d.source}", d.source) for d in docs]
        return (
            gr.update(value=table_rows(docs)),
            gr.update(choices=choices, value=None),
        )

    def save_all(
        self, paths: list[str], replace: bool, report: Callable[[str, int, int], None]
    ) -> tuple[list[uploads.Saved], list[tuple[str, str]]]:
        """Save each upload by the policy; (saved, [(name, reason refused)])."""
        saved: list[uploads.Saved] = []
        refused: list[tuple[str, str]] = []
        max_mb = self.assistant.config.max_file_mb
        root = corpus_mod.check_root(self.assistant.corpus_dir())
        for i, path in enumerate(paths):
            name = Path(path).name
            report(f"Saving {name}", i, len(paths))
            try:
                uploads.accept(name, os.path.getsize(path), max_mb)  # before reading it
                data = Path(path).read_bytes()
                saved.append(uploads.save(root, name, data, max_mb=max_mb, replace=replace))
            except UserError as exc:
                refused.append((name, str(exc)))
            except OSError as exc:
                refused.append((name, f"{name} could not be saved ({exc.strerror or exc})"))
            finally:
                _discard_upload(path)
        return saved, refused

    def add(self, files: list[str] | None, replace: bool) -> Iterator[tuple[Any, ...]]:
        """Save the uploads, then index the folder, in a worker thread whose progress is
        streamed; yields (message, table, menu, files)."""
        keep = gr.update()
        paths = [str(f) for f in files or []]
        if not paths:
            yield message([("info", "Choose or drop files first.")]), keep, keep, keep
            return
        meter = _Meter()
        meter.report("Saving the files", 0, len(paths))
        result: dict[str, Any] = {}

        def work() -> None:
            try:
                result["saved"], result["refused"] = self.save_all(paths, replace, meter.report)
            except UserError as exc:  # no corpus folder: nothing was saved
                result["error"] = str(exc)
                return
            if not result["saved"]:
                return
            try:
                result["stats"] = self.assistant.ingest(meter=meter)
            except AssistantError as exc:
                result["error"] = f"Saved, but not indexed: {exc}"
            except Exception as exc:  # shown as one line; the server keeps running
                result["error"] = f"Saved, but indexing failed ({type(exc).__name__}: {exc})"

        worker = threading.Thread(target=work, name="documents-add", daemon=True)
        worker.start()
        shown: list[tuple[Any, ...]] = []  # what was last shown of each step
        while True:
            running = worker.is_alive()
            for i, step in enumerate(list(meter.steps)):  # each step at least once, in order
                now = tuple(step)
                if i == len(shown):
                    shown.append(())
                if now != shown[i]:
                    shown[i] = now
                    yield progress_html(*now), keep, keep, None
            if not running:
                break
            worker.join(0.2)
        for p in paths:
            _discard_upload(p)  # already done for each saved or refused file; this is for errors
        lines = [("no", f"Not added: {reason}") for _name, reason in result.get("refused", [])]
        if "error" in result:
            lines.insert(0, ("error", result["error"]))
        elif "stats" in result:
            lines[:0] = self._added_lines(result["saved"], result["stats"])
        table, menu = self.listing()
        yield message(lines), table, menu, None

    def _added_lines(self, saved: list[uploads.Saved], stats: IngestStats) -> list[tuple[str, str]]:
        try:
            docs = {d.source: d for d in self.assistant.documents()}
        except AssistantError:
            docs = {}
        skipped = {s.source: s.reason for s in stats.skipped}
        lines: list[tuple[str, str]] = []
        for s in saved:
            d = docs.get(s.source)
            if d is None:
                reason = skipped.get(s.source, "it is not in the index")
                lines.append(("no", f"Saved {s.source}, but it was not indexed: {reason}"))
                continue
            pages = f", {_count(d.pages, 'page')}" if d.pages else ""
            verb = "Replaced and indexed" if s.replaced else "Indexed"
            lines.append(
                ("ok", f"{verb} {s.source} ({d.format}{pages}, {_count(d.chunks, 'chunk')})")
            )
        mine = {s.source for s in saved}
        others = [x for x in stats.new + stats.changed if x not in mine]
        if others:
            lines.append(
                ("info", "Also indexed from the corpus folder: " + ", ".join(sorted(others)))
            )
        lines.append(
            (
                "info",
                f"{_count(stats.documents, 'document')}, {_count(stats.chunks_total, 'chunk')} "
                "indexed.",
            )
        )
        return lines

    def remove(self, source: str | None, delete_file: bool) -> tuple[Any, ...]:
        """Take ``source`` out of the index (and its file out of the folder only if ticked);
        returns (message, table, menu, tick box)."""
        if not source:
            table, menu = self.listing()
            return message([("info", "Choose a document to remove.")]), table, menu, False
        try:
            n = self.assistant.remove(source, delete_file=bool(delete_file))
        except AssistantError as exc:
            table, menu = self.listing()
            return message([("error", str(exc))]), table, menu, False
        text = f"Removed {source} from the index ({_count(n, 'chunk')})"
        if delete_file:
            text += " and deleted its file from the corpus folder."
        else:
            text += (
                ". Its file stays in the corpus folder, so the next indexing adds it back; tick "
                "the box to delete the file too."
            )
        table, menu = self.listing()
        return message([("ok", text)]), table, menu, False


def build_tab(
    app: gr.Blocks, assistant: Assistant, status: gr.HTML, status_text: Callable[[], str]
) -> None:
    """The Documents tab's components and events, inside the current ``gr.Tab`` of ``app``;
    every change also refreshes the chat tab's ``status`` line."""
    page = DocumentsPage(assistant)
    kinds = ", ".join(uploads.allowed())
    limit = assistant.config.max_file_mb
    gr.Markdown(
        f"Add documents to the corpus folder and index them. Accepted: {kinds}; "
        f"at most {limit} MB each."
    )
    with gr.Row():
        with gr.Column(scale=3):
            files = gr.File(
                file_count="multiple",
                file_types=list(uploads.allowed()),  # the chooser's filter; the server checks too
                type="filepath",
                label="Drop files here, or click to choose",
                elem_id="doc-upload",
                height=150,
            )
        with gr.Column(scale=2):
            replace = gr.Checkbox(
                False, label="Replace files with the same name", elem_id="doc-replace"
            )
            add = gr.Button("Add and index", variant="primary", elem_id="doc-add")
    note = gr.HTML(elem_id="doc-message")
    table = gr.Dataframe(
        headers=COLUMNS,
        datatype="str",
        interactive=False,
        wrap=True,
        label="Indexed documents",
        elem_id="documents",
        max_height=420,
    )
    with gr.Row():
        chosen = gr.Dropdown(
            choices=[], label="Document", elem_id="doc-choice", scale=3, allow_custom_value=False
        )
        delete_file = gr.Checkbox(
            False, label="Also delete the file from the corpus folder", elem_id="doc-delete-file"
        )
        remove = gr.Button("Remove from index", variant="stop", elem_id="doc-remove", scale=1)

    def pick(evt: gr.SelectData) -> Any:
        row = evt.row_value or []
        return gr.update(value=row[1]) if len(row) > 1 else gr.update()

    add.click(
        page.add, [files, replace], [note, table, chosen, files], api_visibility="private"
    ).then(status_text, None, [status], api_visibility="private")
    remove.click(
        page.remove,
        [chosen, delete_file],
        [note, table, chosen, delete_file],
        api_visibility="private",
    ).then(status_text, None, [status], api_visibility="private")
    table.select(pick, None, [chosen], api_visibility="private")
    app.load(page.listing, None, [table, chosen], api_visibility="private")
