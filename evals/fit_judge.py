"""Fit the judge (assistant/answering/judge.py) on the dev splits; write assistant/answering/fitted_judge.py.

    python evals/fit_judge.py --gguf models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
    python evals/fit_judge.py --gguf ... --dry-run   # fit and print only

Reads only ``evals/*/dev.yaml`` (never a test split). For every dev question it takes the
evidence scorer's ``--top-k`` best candidates (the answerer's own ranking) and asks the model, in
this process, the judge's yes/no question about each; the verdicts are cached in ``--cache`` (a
JSON file), so a refit does not ask again. A candidate is right when it contains an accepted
answer and comes from a supporting document (never, for an unanswerable question).

For each re-ranking weight in ``RANK_WEIGHTS`` it fits the gate (a logistic regression on the
chosen candidate's verdict) and sweeps the threshold on four corpora, then measures the fifth:
the weight with the best mean left-out utility, ``(correct + abstained - wrong) / questions``, is
kept (a user's folder is a corpus the judge was never fitted on). The gate and threshold are
then fitted on every dev split with that weight. About 7 s per question on 2 cores with
Qwen2.5-Coder-1.5B (five verdicts), 50 min for the five dev splits.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "evals"))

from assistant import offline  # noqa: E402

offline.apply()  # an entry point: before any third-party import
from fit_evidence import cells, choose, roc_auc, sweep, write_weights  # noqa: E402

from assistant.answering.extractive import ExtractiveAnswerer  # noqa: E402
from assistant.answering.judge import JudgeWeights, messages, where  # noqa: E402
from assistant.answering.scorer import fit_logistic  # noqa: E402
from assistant.engine import Assistant  # noqa: E402
from assistant.evalset import discover, load  # noqa: E402
from assistant.llm import ChatClient, LocalServer  # noqa: E402

RANK_WEIGHTS = (0.0, 0.5, 1.0, 2.0)
Row = dict[str, Any]  # one dev question: corpus, case, ranker scores s, verdicts v, labels y


def collect(index_root: Path, client: ChatClient, top_k: int, cache_path: Path) -> list[Row]:
    cache: dict[str, float] = (
        json.loads(cache_path.read_text(encoding="utf-8")) if cache_path.is_file() else {}
    )
    plain = ExtractiveAnswerer()
    rows = []
    for path in discover(ROOT / "evals"):
        es = load(path)
        if es.split != "dev":
            continue
        a = Assistant(index_dir=index_root / es.name, corpus_dir=es.corpus)
        a.ingest()
        ctx = a.answer_context()
        for n, case in enumerate(es.cases):
            ranked, _gate = plain.rank(case.question, a.retrieve(case.question), ctx)
            s, v, y = [], [], []
            for sc in ranked[:top_k]:
                c = sc.candidate
                key = json.dumps([case.question, c.text, where(c, ctx)])
                if key not in cache:
                    cache[key] = client.yes_no(messages(case.question, c.text, where(c, ctx)))
                s.append(sc.score)
                v.append(cache[key])
                y.append(
                    0.0
                    if case.unanswerable
                    else float(c.source in case.support and case.accepts(c.text))
                )
            if s:
                rows.append({"corpus": es.name, "case": case, "s": s, "v": v, "y": y})
            if n % 20 == 19:
                cache_path.write_text(json.dumps(cache), encoding="utf-8")
        cache_path.write_text(json.dumps(cache), encoding="utf-8")
        print(f"{es.label}: {len(es.cases)} questions", file=sys.stderr)
    return rows


def pick(rows: list[Row], rank_weight: float) -> np.ndarray:
    """Per question, the verdict of the re-ranked best candidate; marks ``top_right``."""
    out = []
    for r in rows:
        i = int(np.argmax(np.array(r["s"]) + rank_weight * np.array(r["v"])))
        r["top_right"] = bool(r["y"][i])
        out.append([r["v"][i]])
    return np.array(out)


def fit(rows: list[Row], rank_weight: float) -> tuple[float, float, float]:
    """Gate scale, bias and threshold on ``rows`` for one re-ranking weight."""
    x = pick(rows, rank_weight)
    g, b = fit_logistic(x, np.array([float(r["top_right"]) for r in rows]), l2=1.0)
    tau = choose(rows, 1 / (1 + np.exp(-(x @ g + b))))[0]
    return float(g[0]), b, tau


def leave_one_out(rows: list[Row], rank_weight: float) -> float:
    """Mean utility on each dev corpus at the threshold fitted on the others (and, printed, the
    best any threshold would give there)."""
    utilities, bests = [], []
    for held in sorted({r["corpus"] for r in rows}):
        train = [r for r in rows if r["corpus"] != held]
        test = [r for r in rows if r["corpus"] == held]
        g, b, tau = fit(train, rank_weight)
        x = pick(test, rank_weight)
        p = 1 / (1 + np.exp(-(x[:, 0] * g + b)))
        at = next(t for t in sweep(test, p) if abs(t[0] - tau) < 1e-9)
        auc = roc_auc(p, np.array([float(r["top_right"]) for r in test]))
        top1 = sum(r["top_right"] for r in test if not r["case"].unanswerable)
        best = max(t[1] for t in sweep(test, p))
        utilities.append(at[1])
        bests.append(best)
        print(
            f"  weight {rank_weight:g}, leave {held} out: top-1 {top1}, gate AUC {auc:.3f}, "
            f"utility {at[1]:.3f} at {tau:.2f} ({cells(at[2])}), best {best:.3f}"
        )
    mean = float(np.mean(utilities))
    print(
        f"weight {rank_weight:g}: mean left-out utility {mean:.3f}, with each corpus's best "
        f"threshold {np.mean(bests):.3f}"
    )
    return mean


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--gguf", type=Path, required=True, help="the chat model, a GGUF file")
    ap.add_argument("--index", type=Path, default=ROOT / "index" / "evals")
    ap.add_argument("--top-k", type=int, default=5)
    ap.add_argument("--cache", type=Path, default=ROOT / "evals" / "runs" / "judge-verdicts.json")
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()
    server = LocalServer(args.gguf, n_ctx=2048)
    client = ChatClient(server.base_url, server.alias, None, 300.0)
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    rows = collect(args.index, client, args.top_k, args.cache)
    weight = max(RANK_WEIGHTS, key=lambda w: (round(leave_one_out(rows, w), 6), -w))
    g, b, tau = fit(rows, weight)
    x = pick(rows, weight)
    at = next(t for t in sweep(rows, 1 / (1 + np.exp(-(x[:, 0] * g + b)))) if t[0] == tau)
    print(f"chosen: weight {weight:g}, gate scale {g:.3f}, bias {b:.3f}, threshold {tau:.2f}")
    print(f"dev, fitted on all: {cells(at[2])}")
    corpora = ", ".join(sorted({r["corpus"] for r in rows}))
    weights = JudgeWeights(
        top_k=args.top_k,
        rank_weight=weight,
        gate_scale=round(g, 4),
        gate_bias=round(b, 4),
        threshold=round(tau, 2),
        model=args.gguf.name,
        fitted_on=(
            f"dev splits of {corpora}: {len(rows)} questions; re-ranking weight by "
            "leave-one-corpus-out utility, logistic gate on the verdict (L2 1.0), threshold by "
            "sweep (per question: correct + abstained - wrong)"
        ),
    )
    if not args.dry_run:
        write_weights("fitted_judge.py", "judge", "judge", "FITTED_JUDGE", weights)
    del server
    return 0


if __name__ == "__main__":
    sys.exit(main())
