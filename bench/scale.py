"""Scale benchmark: ingest rate, cold and warm ask, peak memory at 1k, 10k and 100k chunks.

    python bench/scale.py                         # 1k and 10k chunks, embedded Chroma
    python bench/scale.py --chunks 1000 10000 100000 --server

For each size it generates a corpus of Markdown reports (deterministic: a vocabulary drawn from
the eval corpora, sentences of 8-20 words, a heading every few paragraphs, about 20 chunks per
file), then, each in a fresh process as a user would run them:

- ``assistant ingest``: wall time, chunks per second, peak RSS of the ingest process;
- a cold ``assistant ask`` (a new process: imports, opening the index, one answer), median of 3;
- warm asks in one process holding an ``Assistant``: p50 and p95 over 30 questions, peak RSS.

With ``--server`` the same runs again against a ``chroma run`` server on 127.0.0.1
(``ASSISTANT_CHROMA_URL``). It prints one Markdown row per size and store. It measures; it
asserts nothing.

``--hash-vectors`` measures the query path only, at sizes whose real ingest would take hours on
a laptop (about 12 chunks/s with their sentence vectors on 2 cores): the index is written by the
real ingest code, but chunks, sentences and words get deterministic pseudo-random unit vectors
instead of the model's (the ingest columns then measure everything but the model: reading,
chunking, the store, BM25 and the snapshot; the model adds a fixed ~650 MB and its embedding
time, measured at the smaller sizes); questions are
still embedded by the real ONNX model, and the answers mean nothing. Opening, BM25, Chroma's
nearest-neighbour search and the answerer's work are the same as with real vectors.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHUNKS_PER_FILE = 20
WORDS_PER_CHUNK = 55  # prose that packs into about one 128-wordpiece chunk per paragraph

WARM = r"""
import json, resource, sys, time
from assistant import offline
offline.apply()
from assistant import Assistant
index, corpus, questions = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
bot = Assistant(index_dir=index, corpus_dir=corpus)
bot.ask(questions[0])
times = []
for q in questions:
    t = time.perf_counter()
    bot.ask(q)
    times.append((time.perf_counter() - t) * 1000)
times.sort()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"p50": times[len(times) // 2], "p95": times[int(len(times) * 0.95)], "rss": rss}))
"""


HASHED_INGEST = r"""
import atexit, hashlib, resource, sys
atexit.register(lambda: sys.stderr.write(
    "PEAK_RSS_KB=%d\n" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
import numpy as np
from assistant import offline
offline.apply()
from assistant import Assistant
from assistant.embedding import Embedder

class Hashed(Embedder):
    dim = 384
    def embed_batch(self, texts):
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
        return out

class Bench(Assistant):
    def _ingest_embedder(self):
        return Hashed()

# the real ONNX query encoder is exported (in a process of its own) at the end of the ingest
Bench(index_dir=sys.argv[1], corpus_dir=sys.argv[2]).ingest()
"""


def vocabulary() -> list[str]:
    words: set[str] = set()
    for path in sorted((ROOT / "evals").glob("*/corpus/*")):
        if path.suffix in (".txt", ".md"):
            words.update(re.findall(r"[a-z]{3,12}", path.read_text(encoding="utf-8").lower()))
    return sorted(words)


def generate(folder: Path, chunks: int, seed: int = 7) -> list[str]:
    """Write the corpus; return questions built from its sentences."""
    rng = random.Random(seed)
    vocab = vocabulary()
    folder.mkdir(parents=True)
    questions: list[str] = []
    for f in range((chunks + CHUNKS_PER_FILE - 1) // CHUNKS_PER_FILE):
        lines = [f"# Report {f}: {' '.join(rng.choices(vocab, k=3)).title()}", ""]
        for c in range(CHUNKS_PER_FILE):
            if c % 5 == 0:
                lines += [f"## Section {c // 5 + 1}: {' '.join(rng.choices(vocab, k=2))}", ""]
            words = 0
            sentences = []
            while words < WORDS_PER_CHUNK:
                n = rng.randint(8, 20)
                s = " ".join(rng.choices(vocab, k=n))
                if rng.random() < 0.2:
                    s += f" in {rng.randint(1990, 2030)}"
                sentences.append(s[0].upper() + s[1:] + ".")
                words += n
            lines += [" ".join(sentences), ""]
            if len(questions) < 30 and rng.random() < 0.05:
                words_q = sentences[0].rstrip(".").split()[:6]
                questions.append(f"What happened to {' '.join(words_q[1:])}?")
        (folder / f"report-{f:05d}.md").write_text("\n".join(lines), encoding="utf-8")
    while len(questions) < 30:
        questions.append(f"When was the {' '.join(rng.choices(vocab, k=3))} released?")
    return questions


# runs ``python -m assistant ...`` and reports the process's own peak RSS on exit
PEAK = (
    "import atexit, resource, runpy, sys\n"
    "atexit.register(lambda: sys.stderr.write("
    "'PEAK_RSS_KB=%d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
    "sys.argv = ['assistant', *sys.argv[1:]]\n"
    "runpy.run_module('assistant', run_name='__main__')\n"
)


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, the process's peak RSS in MB (0 if unknown), and its stdout."""
    t = time.perf_counter()
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=6 * 3600)
    wall = time.perf_counter() - t
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:6])} failed: {res.stderr[-2000:]}")
    peak = re.findall(r"PEAK_RSS_KB=(\d+)", res.stderr)
    return wall, int(peak[-1]) / 1024 if peak else 0.0, res.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure(
    work: Path, chunks: int, env: dict[str, str], label: str, hashed: bool = False
) -> dict[str, object]:
    corpus, index = work / "corpus", work / f"index-{label}"
    questions = json.loads((work / "questions.json").read_text())
    py = [sys.executable, "-c", PEAK, "--index", str(index)]
    if hashed:
        wall, rss, _out = run([sys.executable, "-c", HASHED_INGEST, str(index), str(corpus)], env)
    else:
        wall, rss, _out = run([*py, "ingest", str(corpus)], env)
    status = json.loads(run([*py, "status", "--json"], env)[2])
    n = int(status.get("chunks", chunks))
    cold = statistics.median(run([*py, "ask", questions[i]], env)[0] for i in range(3))
    warm = json.loads(
        run([sys.executable, "-c", WARM, str(index), str(corpus), json.dumps(questions)], env)[2]
        .strip()
        .splitlines()[-1]
    )
    return {
        "store": label,
        "chunks": n,
        "ingest_s": wall,
        "chunks_per_s": n / wall,
        "ingest_rss_mb": rss,
        "cold_ask_s": cold,
        "warm_p50_ms": warm["p50"],
        "warm_p95_ms": warm["p95"],
        "ask_rss_mb": warm["rss"],
    }


def _n(x: object, digits: int) -> str:
    v = float(x)  # type: ignore[arg-type]
    return "-" if v != v else f"{v:.{digits}f}"


def reference_seconds() -> float:
    """Seconds this interpreter takes for 3 million additions in a Python loop, best of 3: the
    machine's speed at the time, to compare runs taken at different times (shared or throttled
    cores can be several times slower for a while)."""
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        x = 0
        for i in range(3_000_000):
            x += i
        best = min(best, time.perf_counter() - t)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--chunks", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--server", action="store_true", help="also against a `chroma run` server")
    ap.add_argument("--keep", type=Path, help="generate and keep the work folders here")
    ap.add_argument(
        "--hash-vectors",
        action="store_true",
        help="query path only: pseudo-random vectors at ingest (see above)",
    )
    args = ap.parse_args()
    base = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    base["PYTHONPATH"] = str(ROOT)
    rows = []
    print(f"reference: 3M Python additions took {reference_seconds():.3f} s before the runs")
    print(
        "| store | chunks | ingest s | chunks/s | ingest peak RSS MB | cold ask s | "
        "warm p50 ms | warm p95 ms | ask peak RSS MB |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |", flush=True)
    for chunks in args.chunks:
        work = (args.keep or Path(tempfile.mkdtemp(prefix="scale-"))) / f"c{chunks}"
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        questions = generate(work / "corpus", chunks)
        (work / "questions.json").write_text(json.dumps(questions))
        stores: list[tuple[str, dict[str, str]]] = [("embedded", dict(base))]
        server = None
        if args.server:
            port = free_port()
            server = subprocess.Popen(
                [str(Path(sys.executable).with_name("chroma")), "run", "--path",
                 str(work / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            deadline = time.time() + 60
            while time.time() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.5)
            stores.append(("server", {**base, "ASSISTANT_CHROMA_URL": f"http://127.0.0.1:{port}"}))
        try:
            for label, env in stores:
                r = measure(work, chunks, env, label, args.hash_vectors)
                rows.append(r)
                print(
                    f"| {r['store']} | {r['chunks']:,} | {_n(r['ingest_s'], 0)} | "
                    f"{_n(r['chunks_per_s'], 0)} | {_n(r['ingest_rss_mb'], 0)} | {r['cold_ask_s']:.2f} | "
                    f"{r['warm_p50_ms']:.1f} | {r['warm_p95_ms']:.1f} | {r['ask_rss_mb']:.0f} |",
                    flush=True,
                )
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
            if args.keep is None:
                shutil.rmtree(work, ignore_errors=True)
    print(f"reference: 3M Python additions took {reference_seconds():.3f} s after the runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
