"""The command line: ``assistant ingest|ask|status`` (also ``python -m assistant``).

Translates the error vocabulary into one-line messages and exit status 2; progress and warnings go
to stderr, answers to stdout. Heavy modules are imported inside the commands, so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import offline
from .errors import AssistantError

offline.apply()  # the entry point: before any third-party import (they happen in the commands)

if TYPE_CHECKING:
    from .engine import Assistant


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _assistant(args: argparse.Namespace) -> Assistant:
    from .engine import Assistant

    a = Assistant(index_dir=args.index, corpus_dir=getattr(args, "corpus", None), progress=_say)
    args.assistant = a  # for the Ctrl+C message
    return a


def _bar(desc: str, total: int | None, unit: str) -> Any:
    """A tqdm progress bar on stderr (files/s, chunks/s); silent when stderr is not a terminal."""
    from tqdm import tqdm

    return tqdm(
        desc=desc, total=total, unit=unit, file=sys.stderr, disable=None, dynamic_ncols=True
    )


def cmd_ingest(args: argparse.Namespace) -> int:
    a = _assistant(args)
    stats = a.ingest(args.path, rebuild=args.rebuild, meter=_bar)
    if stats.skipped:
        _say(f"skipped {len(stats.skipped)} file(s) that are not indexed:")
    for s in stats.skipped:
        _say(f"warning: skipped {s.source}: {s.reason}")
    for k in stats.kept:
        note = " (web page: navigation and other page chrome removed)" if k.web_capture else ""
        line = f"{k.source}: {k.share:.0%} of its text indexed{note}"
        if k.warn:
            _say(
                f"warning: {line}; check that nothing you need was dropped "
                "(`assistant ask` can only quote indexed text)"
            )
        else:
            print(line)
    formats = ", ".join(f"{n} {fmt}" for fmt, n in stats.formats.items())
    print(f"indexed by format: {formats}")
    print(
        f"{stats.documents} documents ({len(stats.new)} new, {len(stats.changed)} changed, "
        f"{len(stats.removed)} removed, {stats.unchanged} unchanged"
        + (f", {len(stats.completed)} completed after an interruption" if stats.completed else "")
        + "); "
        f"{stats.chunks_added} chunks added, {stats.chunks_removed} removed, "
        f"{stats.chunks_total} in the index; {stats.embedded} embedded in {stats.seconds:.2f} s"
        + (" (rebuilt)" if stats.rebuilt else "")
        + (f"; {len(stats.skipped)} skipped" if stats.skipped else "")
    )
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    a = _assistant(args)
    question = " ".join(args.question)
    answer = a.ask(question)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(answer.text)
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            where = f"{c.title} › {c.heading}" if c.heading else c.title
            page = f" p. {c.page}" if c.page is not None else ""
            print(f"  [{c.n}] {c.source}{page} [{c.start}:{c.end}]  {where}")
            print(f"      “{' '.join(c.quote.split())}”")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    a = _assistant(args)
    st = a.status()
    if args.json:
        print(json.dumps(st, indent=2))
    else:
        built = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(st["built_at"])))
        print(f"{st['documents']} documents, {st['chunks']} chunks, built {built}")
        formats = ", ".join(f"{n} {fmt}" for fmt, n in st["formats"].items())
        print(f"  formats: {formats}")
        for key in ("corpus_dir", "store", "embed_model", "chunk_tokens", "answerer"):
            print(f"  {key}: {st[key]}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from . import evalrun, evalset
    from .engine import Assistant
    from .errors import UserError

    paths = args.set or evalset.discover(Path("evals"))
    if not paths:
        raise UserError("no eval sets found under evals/; pass --set PATH")
    sets = [evalset.load(p) for p in paths]
    sets = [s for s in sets if args.split == "all" or s.split == args.split]
    for es in sets:
        problems = evalset.check_against_corpus(es)
        if problems:
            raise UserError(f"{es.path} does not match its corpus:\n  " + "\n  ".join(problems))
    if args.check:
        for es in sets:
            answerable = sum(1 for c in es.cases if not c.unanswerable)
            print(
                f"{es.path}: {len(es.cases)} cases ({answerable} answerable, "
                f"{len(es.cases) - answerable} unanswerable) are valid for {es.corpus}"
            )
        return 0
    results = []
    opened: dict[Path, Assistant] = {}
    for es in sets:
        if es.corpus not in opened:  # one index per corpus, shared by its dev and test sets
            index = (args.index or Path("index")) / "evals" / (es.name or es.corpus.name)
            opened[es.corpus] = Assistant(index_dir=index, corpus_dir=es.corpus, progress=_say)
        result = evalrun.run(es, opened[es.corpus])
        out = evalrun.write(result, args.out / f"{es.name}-{es.split}", es.config.gating)
        results.append(result)
        _say(f"{es.label}: {evalrun.one_line(result)}  report: {out['report']}")
    print(evalrun.summary_table(results))
    for r in results:
        for f in r.flips:
            print(
                f"changed: {r.name}/{r.split} {f.case} {f.evaluator} {f.before} -> {f.after}"
                + ("  REGRESSION" if f.regression else "")
            )
    failed = [r for r in results if not r.passed]
    if failed:
        _say(
            "eval FAILED: "
            + "; ".join(
                f"{r.name}/{r.split}: "
                + ", ".join(
                    [f"{m} below threshold" for m in r.missed]
                    + [f"{f.case} regressed on {f.evaluator}" for f in r.regressions]
                )
                for r in failed
            )
        )
        return 1
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    import threading

    from .engine import Assistant

    t0 = time.perf_counter()
    a = Assistant(index_dir=args.index, corpus_dir=args.corpus, progress=_say)
    failure: list[AssistantError] = []

    def open_index() -> None:  # builds the index first if there is none
        try:
            a.status()
        except AssistantError as exc:
            failure.append(exc)

    opener = threading.Thread(target=open_index, daemon=True)
    opener.start()  # opens the index while gradio imports
    from . import ui

    opener.join()
    if failure:
        _say(f"warning: {failure[0]} (the page shows this until it is fixed)")
    host = args.host or a.config.ui_host
    port = args.port or a.config.ui_port
    if host not in ("127.0.0.1", "localhost", "::1") and not args.share:
        _say(f"warning: listening on {host}: other machines on the network can reach this page")
    app, url = ui.launch(a, host, port, args.share, a.config.feedback_file)
    print(
        f"Running on {url}  (ready in {time.perf_counter() - t0:.1f} s; Ctrl+C to stop)", flush=True
    )
    if args.share and getattr(app, "share_url", None):
        print(f"Public share link: {app.share_url}", flush=True)
    try:
        app.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="assistant", description="Grounded, offline Q&A over a corpus."
    )
    p.add_argument(
        "--index",
        type=Path,
        default=None,
        help="index folder (default: ASSISTANT_INDEX_DIR or ./index)",
    )
    sub = p.add_subparsers(dest="command", required=True)
    ing = sub.add_parser(
        "ingest",
        help="index a folder of documents: PDF, HTML, DOCX, reStructuredText, Markdown, text "
        "(incremental; every file not indexed is listed with the reason)",
    )
    ing.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=None,
        help="corpus folder (default: the indexed one, else ./corpus)",
    )
    ing.add_argument("--rebuild", action="store_true", help="re-embed everything")
    ing.set_defaults(func=cmd_ingest)
    ask = sub.add_parser("ask", help="ask a question; the answer quotes the corpus")
    ask.add_argument("question", nargs="+")
    ask.add_argument("--json", action="store_true", help="print the Answer as JSON")
    ask.add_argument("--corpus", type=Path, default=None, help="corpus folder")
    ask.set_defaults(func=cmd_ask)
    st = sub.add_parser("status", help="what is indexed and which models are used")
    st.add_argument("--json", action="store_true")
    st.add_argument("--corpus", type=Path, default=None, help="corpus folder")
    st.set_defaults(func=cmd_status)
    ch = sub.add_parser("chat", help="start the chat UI on 127.0.0.1 (Gradio)")
    ch.add_argument("--host", default=None, help="interface to listen on (default 127.0.0.1)")
    ch.add_argument("--port", type=int, default=None, help="port (default 7860)")
    ch.add_argument("--share", action="store_true", help="also open a public Gradio share link")
    ch.add_argument("--corpus", type=Path, default=None, help="corpus folder")
    ch.set_defaults(func=cmd_chat)
    ev = sub.add_parser(
        "eval", help="run the grounding eval sets (dev and test, per corpus) and write reports"
    )
    ev.add_argument(
        "--set",
        type=Path,
        action="append",
        default=None,
        help="an eval set (YAML); repeat for several (default: every evals/*/{dev,test}.yaml)",
    )
    ev.add_argument(
        "--split", choices=["dev", "test", "all"], default="all", help="which splits to run"
    )
    ev.add_argument("--out", type=Path, default=Path("evals/runs"), help="folder for results")
    ev.add_argument("--check", action="store_true", help="only validate the set against its corpus")
    ev.set_defaults(func=cmd_eval)
    return p


def entry() -> None:
    """The ``assistant`` command (and ``python -m assistant``): :func:`main`, then the exit.

    When ``ask`` or ``status`` wrote nothing (an ``ask`` with no index yet builds one first),
    the process ends as soon as its output is flushed (``os._exit``): the interpreter's teardown
    would only free what they loaded, mostly Chroma's vector index, which takes 0.3-0.5 s at 150k
    chunks. Every other command exits normally."""
    args = parser().parse_args()
    code = main(args=args)
    a = getattr(args, "assistant", None)
    if args.func in (cmd_ask, cmd_status) and not (a is not None and a.wrote):
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
    sys.exit(code)


def main(argv: Sequence[str] | None = None, args: argparse.Namespace | None = None) -> int:
    """Run one command (``argv``, else ``sys.argv``; or ``args`` already parsed); returns the
    exit status."""
    if args is None:
        args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        return int(args.func(args))
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"interrupted; {_after_interrupt(args)}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # stdout closed early (`assistant status | head -1`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _after_interrupt(args: argparse.Namespace) -> str:
    """What an interrupted command left behind, truthfully (see assistant.ingest)."""
    a = getattr(args, "assistant", None)
    if a is None or not a.writing:
        return "nothing was written"
    if getattr(args, "rebuild", False):
        return (
            "the index is as it was before the rebuild (a rebuild switches over only when it is "
            "done); run `assistant ingest --rebuild` again to resume it"
        )
    return "the index keeps every document completed so far; run `assistant ingest` to finish"


if __name__ == "__main__":
    entry()
