"""Crash safety and faults, for real.

A real ``assistant ingest`` process is killed with SIGKILL at chosen points: in a first build
while chunking, between a group's sentence vectors and its chunks, and inside a document that
spans several store batches (the groups before it complete); in a rebuild before it is done,
when it is done but not serving, and when it serves but the old generation is not dropped; in
an update between a document's new and old chunks, after its old ones went but before its mark,
and between a removal's mark and its chunks. Then ``status`` and ``ask`` must refuse (or, after a
rebuild, serve the old index), the next ``ingest`` must finish the job, and the result must equal
a clean build chunk for chunk (ids, spans, sentence vectors, completion marks, vectors) with no
orphan left. The kill points come from ``ASSISTANT_TEST_KILL_AT`` (:mod:`assistant.crashpoints`),
so each run dies at the same place. Small store batches (``ASSISTANT_STORE_BATCH=8``) give a
40-file corpus many batches.

The faults: a second ingest while one runs (the lock names it, then takes it over once it is
killed), a damaged ``chroma.sqlite3``, a read-only index folder (as root, by dropping the
capabilities that let root write anywhere), ``--index`` at a file, undecodable questions: each
is one line on stderr, never a traceback.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant import Assistant, IndexDamagedError, IndexStaleError, UserError, crashpoints
from assistant import cli as cli_mod
from assistant.lock import LOCK_FILE, ingest_lock

from .conftest import REPO
from .test_ingest import A, B, C, write

Make = Callable[..., Assistant]
BATCH = 8
FILES = 40
BIG = "doc020.txt"  # spans several store batches
QUESTION = "When did the old bridge open?"

NOUNS = (
    "bridge harbour library museum river tower market station garden school bakery ferry "
    "lighthouse castle theatre clinic factory canal mill chapel"
).split()
VERBS = "opened closed expanded moved reopened flooded burned doubled welcomed hosted".split()
ADJ = "old new northern southern busy quiet famous small large historic".split()


def make_corpus(folder: Path, n: int = FILES) -> Path:
    """``n`` small reports (one or two paragraphs) and one long one, the same every time."""
    r = random.Random(7)

    def sentence() -> str:
        return (
            f"The {r.choice(ADJ)} {r.choice(NOUNS)} {r.choice(VERBS)} in {r.randint(1800, 2024)} "
            f"after {r.randint(2, 40)} years of work near the {r.choice(ADJ)} {r.choice(NOUNS)}."
        )

    folder.mkdir(parents=True)
    for i in range(n):
        paras = 24 if f"doc{i:03d}.txt" == BIG else r.randint(1, 2)
        body = "\n\n".join(
            " ".join(sentence() for _ in range(r.randint(2, 4))) for _ in range(paras)
        )
        (folder / f"doc{i:03d}.txt").write_text(f"Report {i}\n\n{body}\n", encoding="utf-8")
    return folder


def edit(corpus: Path, folder: Path) -> Path:
    """A copy of ``corpus`` with the long report edited, one report removed and one added."""
    shutil.copytree(corpus, folder)
    big = folder / BIG
    big.write_text(big.read_text(encoding="utf-8") + "\nA late note was added.\n", "utf-8")
    (folder / "doc005.txt").unlink()
    (folder / "doc100.txt").write_text("Report 100\n\nThe old mill reopened in 1999.\n", "utf-8")
    return folder


def run(
    *args: str | bytes,
    index: Path,
    cwd: Path,
    kill_at: str | None = None,
    env: dict[str, str] | None = None,
    prefix: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    full_env["ASSISTANT_STORE_BATCH"] = str(BATCH)
    if kill_at:
        full_env["ASSISTANT_TEST_KILL_AT"] = kill_at
    full_env.update(env or {})
    return subprocess.run(
        [*prefix, sys.executable, "-m", "assistant", "--index", str(index), *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=600,
    )


def killed(index: Path, cwd: Path, point: str, *args: str) -> subprocess.CompletedProcess[str]:
    res = run("ingest", *args, index=index, cwd=cwd, kill_at=point)
    assert res.returncode == -signal.SIGKILL, f"not killed at {point}: {res.stdout}{res.stderr}"
    return res


def dump(index: Path) -> dict[str, Any]:
    res = subprocess.run(
        [sys.executable, "-m", "tests.indexdump", str(index)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    return dict(json.loads(res.stdout))


def one_line_error(res: subprocess.CompletedProcess[str], *needles: str) -> str:
    """The command failed with exactly one ``error: ...`` line on stderr, and no traceback."""
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout, res.stderr
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def by_source(d: dict[str, Any]) -> dict[str, list[list[Any]]]:
    out: dict[str, list[list[Any]]] = {}
    for rec in d["records"]:
        out.setdefault(rec[1], []).append(rec)
    return out


def check_consistent(d: dict[str, Any], *builds: dict[str, Any]) -> None:
    """What any state after a kill must hold: no chunk twice (the same span of the same file
    content), and every document marked complete is exactly its chunks in one of ``builds``
    (clean builds of the corpus before and after an update)."""
    ids = [r[0] for r in d["records"]]
    spans = [(r[1], r[5], r[3], r[4]) for r in d["records"]]
    assert len(ids) == len(set(ids)) and len(spans) == len(set(spans))
    got = by_source(d)
    for source in d["marks"]:
        if source not in d["incomplete"]:
            assert any(got.get(source) == by_source(b).get(source) for b in builds), source


def assert_same(got: dict[str, Any], want: dict[str, Any]) -> None:
    """The recovered index equals the clean build chunk for chunk: 0 lost, 0 duplicated."""
    got_ids = [r[0] for r in got["records"]]
    want_ids = {r[0] for r in want["records"]}
    lost = sorted(want_ids - set(got_ids))
    extra = sorted(set(got_ids) - want_ids)
    duplicated = len(got_ids) - len(set(got_ids))
    assert (len(lost), len(extra), duplicated) == (0, 0, 0), (lost[:5], extra[:5])
    assert got["records"] == want["records"]  # same ids, spans, headings, sentence spans, order
    assert got["marks"] == want["marks"]
    assert got["unit_ids"] == want["unit_ids"]
    assert (got["incomplete"], got["orphan_units"], got["complete"]) == ({}, [], True)
    base = "corpus" if got["generation"] == 0 else f"corpus__g{got['generation']}"
    assert set(got["collections"]) - {"corpus__live"} == {base, f"{base}__docs"}
    for kind in ("vectors", "unit_vectors"):
        assert got[kind].keys() == want[kind].keys()
        a = np.array([got[kind][i] for i in sorted(got[kind])], dtype=np.float32)
        b = np.array([want[kind][i] for i in sorted(want[kind])], dtype=np.float32)
        cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
        assert cos.min() > 0.9999, kind


def mid_document_kill(clean: dict[str, Any]) -> str:
    """The ``chunks`` kill point that falls inside :data:`BIG` (after its first batch): the
    documents are written in groups of whole documents of about BATCH chunks, in file order."""
    sizes = [(s, len(recs)) for s, recs in sorted(by_source(clean).items())]
    batches = 0
    group = 0
    for source, n in sizes:
        if group and group + n > BATCH:
            batches += math.ceil(group / BATCH)
            group = 0
        if source == BIG:
            assert n > BATCH
            return f"chunks:{batches + 1}"
        group += n
    raise AssertionError(BIG)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reliability")


@pytest.fixture(scope="module")
def corpus(work: Path) -> Path:
    return make_corpus(work / "corpus")


@pytest.fixture(scope="module")
def clean(work: Path, corpus: Path) -> tuple[Path, dict[str, Any]]:
    """A clean build of the corpus, by the CLI, and its dump."""
    index = work / "clean"
    res = run("ingest", str(corpus), index=index, cwd=work)
    assert res.returncode == 0, res.stderr
    return index, dump(index)


@pytest.fixture(scope="module")
def edited(work: Path, corpus: Path) -> tuple[Path, dict[str, Any]]:
    """The edited corpus and a clean build of it."""
    folder = edit(corpus, work / "edited")
    index = work / "clean-edited"
    res = run("ingest", str(folder), index=index, cwd=work)
    assert res.returncode == 0, res.stderr
    return folder, dump(index)


def refused(index: Path, cwd: Path, *needles: str) -> None:
    """``status`` and ``ask`` refuse the unfinished index, in one line."""
    one_line_error(run("status", index=index, cwd=cwd), *needles)
    one_line_error(run("ask", QUESTION, index=index, cwd=cwd), *needles)


# -- kills during a first build -------------------------------------------------------------
FIRST_BUILD = [
    "chunk:30",  # while chunking: nothing written but the record of what is being built
    "units:3",  # sentence vectors written, their chunks not
    "mid-document",  # inside the long report: some of its chunk batches written, not all
]


@pytest.mark.slow  # real processes: a killed ingest, then status, ask and the finishing ingest
@pytest.mark.parametrize("point", FIRST_BUILD)
def test_a_killed_first_build_is_refused_then_finished_chunk_for_chunk(
    work: Path, corpus: Path, clean: tuple[Path, dict[str, Any]], point: str
) -> None:
    want = clean[1]
    kill_at = mid_document_kill(want) if point == "mid-document" else point
    index = work / f"first-{point}"
    killed(index, work, kill_at, str(corpus))
    after_kill = dump(index)
    check_consistent(after_kill, want)
    assert not after_kill["complete"]
    if point == "mid-document":  # the case: a document with some of its chunks
        stored = len(by_source(after_kill)[BIG])
        assert 0 < stored < len(by_source(want)[BIG]) and BIG in after_kill["incomplete"]
    refused(index, work, "is incomplete: an ingest of", "was interrupted", "finish it")
    if point == "mid-document":  # refusing touched nothing
        untouched = dump(index)
        assert (untouched["records"], untouched["marks"], untouched["collections"]) == (
            after_kill["records"],
            after_kill["marks"],
            after_kill["collections"],
        )

    res = run("ingest", index=index, cwd=work)  # no folder: the one being built
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    if point == "mid-document":
        assert "1 completed after an interruption" in res.stdout
    assert_same(dump(index), want)
    if point == "mid-document":
        ask = run("ask", QUESTION, index=index, cwd=work)
        assert ask.returncode == 0 and "Sources:" in ask.stdout, ask.stderr
        again = run("ingest", index=index, cwd=work)
        unchanged = f"(0 new, 0 changed, 0 removed, {FILES} unchanged); 0 chunks added"
        assert unchanged in again.stdout


# -- kills during a rebuild -----------------------------------------------------------------
def serves(index: Path, cwd: Path, generation: int) -> dict[str, Any]:
    ask = run("ask", QUESTION, index=index, cwd=cwd)
    assert ask.returncode == 0 and "Sources:" in ask.stdout, ask.stderr
    d = dump(index)
    assert d["generation"] == generation and d["complete"]
    return d


@pytest.mark.slow  # real processes: five ingests, four of them killed
def test_a_killed_rebuild_leaves_the_old_index_serving_and_is_resumed_or_dropped(
    work: Path, clean: tuple[Path, dict[str, Any]]
) -> None:
    index = work / "rebuild"
    shutil.copytree(clean[0], index)
    want = clean[1]

    killed(index, work, "chunks:5", "--rebuild")  # part of the new generation written
    serves(index, work, 0)
    res = killed(index, work, "promote:1", "--rebuild")  # resumed, done, not yet serving
    assert "note: resuming the unfinished rebuild (generation 1)" in res.stderr
    assert "corpus__g1" in serves(index, work, 0)["collections"]
    res = killed(index, work, "switch:1", "--rebuild")  # serving, the old one not yet dropped
    assert "note: resuming the unfinished rebuild (generation 1)" in res.stderr
    assert "corpus" in serves(index, work, 1)["collections"]

    res = run("ingest", index=index, cwd=work)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert "note: dropped generation 0 of the index (the replaced index)" in res.stderr
    assert " 0 embedded in " in res.stdout
    assert_same(dump(index), want)

    killed(index, work, "chunks:2", "--rebuild")  # then a plain ingest drops the new one
    res = run("ingest", index=index, cwd=work)
    assert "note: dropped generation 2 of the index (an unfinished rebuild)" in res.stderr
    got = dump(index)
    assert got["generation"] == 1
    assert_same(got, want)


# -- kills during an update: an edited, a removed and a new document ------------------------
@pytest.mark.slow  # real processes: four ingests, three of them killed
def test_a_killed_update_is_refused_then_finished_chunk_for_chunk(
    work: Path,
    clean: tuple[Path, dict[str, Any]],
    edited: tuple[Path, dict[str, Any]],
) -> None:
    folder, want = edited
    index = work / "update"
    shutil.copytree(clean[0], index)

    # The edited report: part of its new chunks written, all of its old ones still there.
    killed(index, work, "chunks:2", str(folder))
    state = dump(index)
    check_consistent(state, want, clean[1])
    assert len({r[5] for r in by_source(state)[BIG]}) == 2 and BIG in state["incomplete"]
    refused(index, work, "is incomplete: an ingest of", "finish it")

    # Finishing it, killed again: its new chunks all written and its old ones deleted, no mark.
    killed(index, work, "stale:1")
    state = dump(index)
    check_consistent(state, want, clean[1])
    assert by_source(state)[BIG] == by_source(want)[BIG] and BIG in state["incomplete"]
    refused(index, work, "is incomplete", "finish it")

    # And again: the removed report's mark deleted, not yet its chunks.
    killed(index, work, "unmark:1")
    state = dump(index)
    check_consistent(state, want, clean[1])
    assert "doc005.txt" in state["incomplete"] and "doc005.txt" not in state["marks"]
    refused(index, work, "is incomplete", "finish it")

    res = run("ingest", index=index, cwd=work)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert f"(0 new, 0 changed, 1 removed, {FILES} unchanged)" in res.stdout
    assert_same(dump(index), want)


# -- the lock -------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_second_ingest_is_refused_by_name_then_takes_over_a_killed_ones_lock(
    work: Path, corpus: Path, clean: tuple[Path, dict[str, Any]]
) -> None:
    index = work / "locked"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_STORE_BATCH=str(BATCH), ASSISTANT_TEST_KILL_AT="chunk:1:STOP")
    first = subprocess.Popen(
        [sys.executable, "-m", "assistant", "--index", str(index), "ingest", str(corpus)],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _, status = os.waitpid(first.pid, os.WUNTRACED)  # it stops itself holding the lock
        assert os.WIFSTOPPED(status)
        second = run("ingest", str(corpus), index=index, cwd=work)
        line = one_line_error(
            second, "another ingest is writing to the index", f"pid {first.pid} on "
        )
        assert f"--index {index} ingest {corpus}`, since " in line and "wait for it" in line
        one_line_error(
            run("status", index=index, cwd=work), "is being written by an ingest", str(first.pid)
        )
    finally:
        first.kill()  # SIGKILL: the lock file stays, the kernel releases the lock
        first.wait()
    assert json.loads((index / LOCK_FILE).read_text())["pid"] == first.pid
    res = run("ingest", index=index, cwd=work)
    assert res.returncode == 0, res.stderr
    assert f"note: took over the lock of an ingest that did not finish (pid {first.pid}" in (
        res.stderr
    )
    assert not (index / LOCK_FILE).exists()
    assert_same(dump(index), clean[1])


# -- faults ---------------------------------------------------------------------------------
def corrupt(sqlite: Path, how: str) -> None:
    if how == "header":
        with sqlite.open("r+b") as f:
            f.write(b"this is not a database at all!!")
    else:  # pages in the middle overwritten
        with sqlite.open("r+b") as f:
            f.seek(4096 * 3)
            f.write(b"\xff" * 8192)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["header", "pages"])
def test_a_damaged_store_is_one_line_and_rebuild_recovers(
    work: Path, corpus: Path, clean: tuple[Path, dict[str, Any]], how: str
) -> None:
    index = work / f"damaged-{how}"
    shutil.copytree(clean[0], index)
    corrupt(index / "chroma" / "chroma.sqlite3", how)
    needles = ("chroma.sqlite3 is damaged or unreadable", "run `assistant ingest --rebuild`")
    one_line_error(run("status", index=index, cwd=work), *needles)
    one_line_error(run("ask", QUESTION, index=index, cwd=work), *needles)
    one_line_error(run("ingest", index=index, cwd=work), *needles)
    if how == "pages":
        return  # the same recovery as below
    one_line_error(
        run("ingest", "--rebuild", index=index, cwd=work),
        "cannot say which folder it indexed",
        "assistant ingest --rebuild FOLDER",
    )
    res = run("ingest", "--rebuild", str(corpus), index=index, cwd=work)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert "note: moved the damaged store to " in res.stderr
    assert [p.name.split("-")[0] for p in index.glob("chroma.corrupt-*")] == ["chroma.corrupt"]
    assert_same(dump(index), clean[1])


def _no_write_prefix() -> tuple[str, ...]:
    """A command prefix under which the index folder's permissions bind (root ignores them)."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be made")
    return (setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner")


@pytest.mark.slow
def test_a_read_only_index_answers_and_ingest_says_it_cannot_write(
    work: Path, clean: tuple[Path, dict[str, Any]]
) -> None:
    index = work / "read-only"
    shutil.copytree(clean[0], index)
    prefix = _no_write_prefix()
    for p in [index, *index.rglob("*")]:
        p.chmod(p.stat().st_mode & ~0o222)
    try:
        probe = subprocess.run([*prefix, "touch", str(index / "probe")], capture_output=True)
        assert probe.returncode != 0, "the folder is not read-only for the test"
        ask = run("ask", QUESTION, index=index, cwd=work, prefix=prefix)
        assert ask.returncode == 0 and "Sources:" in ask.stdout, ask.stderr
        assert "Traceback" not in ask.stderr
        status = run("status", index=index, cwd=work, prefix=prefix)
        assert status.returncode == 0 and f"{FILES} documents, " in status.stdout, status.stderr
        one_line_error(
            run("ingest", index=index, cwd=work, prefix=prefix),
            f"the index folder {index} is read-only",
            "make it writable, or pass --index a writable folder",
        )
    finally:
        for p in [index, *index.rglob("*")]:
            p.chmod(p.stat().st_mode | 0o200)
    assert not list(index.glob("chroma.corrupt-*")) and not (index / LOCK_FILE).exists()


@pytest.mark.slow  # three short processes
def test_cli_faults_are_one_line(work: Path) -> None:
    a_file = work / "not-a-folder"
    a_file.write_text("x")
    for args in (("status",), ("ask", QUESTION), ("ingest", str(work))):
        one_line_error(run(*args, index=a_file, cwd=work), "is a file, not a folder")
    one_line_error(
        run("ask", b"caf\xe9 \xff bridge?", index=work / "none", cwd=work),
        "the question is not valid text",
    )


# -- in-process: the same rules, fast ----------------------------------------------------------
def test_questions_that_are_not_text_are_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = Assistant(index_dir=tmp_path)
    for q, at in (("\ud800 bridge?", 1), ("caf\udce9?", 4)):
        with pytest.raises(UserError, match=f"not valid text: character {at} is an undecodable"):
            a.check_question(q)
    assert cli_mod.main(["--index", str(tmp_path), "ask", "caf\udce9 \udcff?"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the question is not valid text") and err.count("\n") == 1


def test_an_index_folder_that_is_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "index"
    a_file.write_text("x")
    with pytest.raises(UserError, match="is a file, not a folder"):
        Assistant(index_dir=a_file, corpus_dir=tmp_path).status()
    assert cli_mod.main(["--index", str(a_file), "ingest", str(tmp_path)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_a_bad_kill_point_is_a_user_error() -> None:
    for spec in ("nowhere:1", "chunks", "chunks:x", "chunks:1:TERM"):
        with pytest.raises(UserError, match="ASSISTANT_TEST_KILL_AT"):
            crashpoints.checkpoint(spec)
    crashpoints.checkpoint(None)("chunks")  # a no-op


def test_the_lock_names_its_holder_and_a_dead_holder_is_taken_over(
    tmp_path: Path, make_assistant: Make
) -> None:
    corpus = write(tmp_path / "c", {"a.txt": A})
    a = make_assistant(corpus)
    index = a.config.index_dir
    with ingest_lock(index, lambda _m: None), pytest.raises(UserError) as held:
        a.ingest()
    assert f"another ingest is writing to the index in {index} (pid {os.getpid()} on " in str(
        held.value
    )
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    record = {"pid": dead.pid, "host": "elsewhere", "command": "assistant ingest x", "since": 0}
    (index / LOCK_FILE).write_text(json.dumps(record))
    notes: list[str] = []
    b = Assistant(config=a.config, progress=notes.append)
    assert b.ingest().new == ["a.txt"]
    assert any(
        n.startswith(f"note: took over the lock of an ingest that did not finish (pid {dead.pid}")
        for n in notes
    )
    assert not (index / LOCK_FILE).exists()


@pytest.mark.slow  # three ingests, one of them re-embedding a two-chunk document
def test_a_document_without_its_mark_is_completed_and_refused_until_then(
    tmp_path: Path, make_assistant: Make
) -> None:
    long = "\n\n".join([A, B, C] * 4)  # two chunks
    corpus = write(tmp_path / "c", {"a.txt": A, "b.txt": long, "c.txt": C})
    a = make_assistant(corpus)
    a.ingest()
    records = a.store.records()
    b_ids = [r.id for r in records if r.source == "b.txt"]
    assert len(b_ids) == 2
    a.snapshots.begin()  # what an ingest does before its first write
    a.store.unmark(["b.txt"])  # as if killed after its chunks, before its mark
    with pytest.raises(IndexStaleError, match=r"incomplete \(2 document\(s\) complete; 1 .*b\.txt"):
        Assistant(config=a.config).ask("How many books does the city library hold?")
    assert a.store.records() == records  # refused, not repaired or rebuilt
    done = a.ingest()
    assert (done.completed, done.embedded, done.unchanged) == (["b.txt"], 0, 2)

    a.store.unmark(["b.txt"])
    a.store.delete(b_ids[1:])  # as if killed inside it: one of its two chunks written
    redone = a.ingest()
    assert (redone.completed, redone.embedded, redone.chunks_total) == (["b.txt"], 2, 4)
    assert a.store.records() == records
    assert not a.store.audit(a.store.records()).incomplete


@pytest.mark.slow  # an index built, taken apart as an older version left it, ingested again
def test_status_never_builds_over_an_unfinished_or_older_index(
    tmp_path: Path, make_assistant: Make
) -> None:
    corpus = write(tmp_path / "c", {"a.txt": A, "b.txt": B})
    a = make_assistant(corpus)
    a.ingest()
    info = a.store.info()
    assert info is not None
    a.snapshots.begin()  # what an ingest does before its first write
    a.store.set_info(replace(info, complete=False))  # an ingest that never finished
    with pytest.raises(IndexStaleError, match=rf"an ingest of {corpus} was interrupted"):
        Assistant(config=a.config).status()
    a.store.set_info(info)
    a.store._client.delete_collection(f"{a.store.name}__docs")  # as an older version left it
    shutil.rmtree(a.snapshots.folder)  # which saved no snapshot either
    a.store._cols.clear()
    with pytest.raises(IndexStaleError, match="built by an older version"):
        Assistant(config=a.config).status()
    checked = a.ingest()  # marks what is complete, embeds nothing
    assert (sorted(checked.completed), checked.embedded) == (["a.txt", "b.txt"], 0)
    assert Assistant(config=a.config).status()["documents"] == 2


@pytest.mark.slow  # a second generation of the index built by a rebuild
def test_a_rebuild_serves_the_old_generation_until_it_is_done(
    tmp_path: Path, make_assistant: Make
) -> None:
    corpus = write(tmp_path / "c", {"a.txt": A})
    a = make_assistant(corpus)
    a.ingest()
    before = a.store.records()
    stats = a.ingest(rebuild=True)
    assert stats.rebuilt and a.store.generation == 1
    name = a.store.name
    assert a.store.collections() == sorted([f"{name}__g1", f"{name}__g1__docs", f"{name}__live"])
    assert a.store.records() == before
    assert "1932" in Assistant(config=a.config).ask("When did the harbour bridge open?").text


@pytest.mark.slow  # a second index in a folder of its own, built by a rebuild
def test_a_damaged_store_is_reported_and_rebuild_moves_it_aside(
    tmp_path: Path, make_assistant: Make
) -> None:
    corpus = write(tmp_path / "c", {"a.txt": A})
    shared = make_assistant(corpus)
    shared.ingest()  # exports the query encoder into the session index, once per session
    index = tmp_path / "index"
    shutil.copytree(  # a hard link: the file is only read
        shared.config.index_dir / "onnx", index / "onnx", copy_function=os.link
    )
    (index / "chroma").mkdir(parents=True)
    (index / "chroma" / "chroma.sqlite3").write_bytes(b"this is not a database at all!!" * 200)
    a = Assistant(corpus_dir=corpus, index_dir=index)
    with pytest.raises(IndexDamagedError, match=r"chroma\.sqlite3 is damaged .*--rebuild"):
        a.status()
    with pytest.raises(IndexDamagedError):
        a.ingest()
    stats = a.ingest(rebuild=True)
    assert stats.chunks_total == 1
    assert len(list(index.glob("chroma.corrupt-*"))) == 1
    assert "1932" in a.ask("When did the harbour bridge open?").text


def test_lock_file_is_released_after_each_write(tmp_path: Path, make_assistant: Make) -> None:
    corpus = write(tmp_path / "c", {"a.txt": A, "b.txt": B})
    a = make_assistant(corpus)
    a.ingest()
    a.remove("b.txt", delete_file=False)
    assert not (a.config.index_dir / LOCK_FILE).exists()
    assert [d.source for d in a.documents()] == ["a.txt"]
