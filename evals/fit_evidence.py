"""Fit the evidence scorer on the dev splits and write assistant/answering/fitted.py.

    python evals/fit_evidence.py            # fit, print the sweep, write the weights
    python evals/fit_evidence.py --dry-run  # fit and print only

Reads only ``evals/*/dev.yaml`` (never a test split). For every dev question it retrieves the
passages the answerer would see, builds every candidate quote's features, and labels a candidate
1 when it contains an accepted answer and comes from a supporting document (0 for every candidate
of an unanswerable question). A logistic regression is fitted on those rows; the abstention
threshold is then swept on the same dev questions, maximising, averaged over corpora, the utility
per question: ``(correct + abstained unanswerable - WRONG_COST x wrong) / questions``.

Why that utility: the dev splits mix answerable and unanswerable questions about as users do
(two to one), and a wrong answer costs as much as a right one gains. An objective that averages
the correct share and the abstained share instead is met as well by abstaining on every
question (1.0) as by the fitted gate (1.02-1.06 leaving one corpus out), because reworded
answerable questions and near-miss unanswerable ones score alike (the gate's ROC AUC between
them is 0.67): it made the answerer abstain on nearly everything that was not worded like its
text.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import offline  # noqa: E402

offline.apply()  # an entry point: before any third-party import
from assistant.answering.features import NAMES, candidates, features  # noqa: E402
from assistant.answering.scorer import (  # noqa: E402
    EvidenceWeights,
    fit_logistic,
    fit_softmax_ranker,
)
from assistant.engine import Assistant  # noqa: E402
from assistant.evalset import discover, load  # noqa: E402
from assistant.terms import QUESTION_WORDS  # noqa: E402

WRONG_COST = 1.0
Row = dict[str, Any]  # one dev question: corpus, case, features x, labels y, claim features
PerCorpus = dict[
    str, dict[str, int]
]  # per corpus: answerable, correct, wrong, unanswerable, abstained


def as_claim(question: str, answer: str) -> str:
    """A declarative stand-in for a generated sentence: the question's words without its
    question words, then the answer ("When was R1 released?" -> "R1 released January 20")."""
    kept = [w for w in question.rstrip("?").split() if w.lower() not in QUESTION_WORDS]
    return " ".join([*kept, answer]) + "."


def collect(index_root: Path, make: Callable[[Path, Path], Assistant] | None = None) -> list[Row]:
    """Feature rows of every dev question (``make(index_dir, corpus)`` opens an Assistant)."""
    make = make or (lambda index, corpus: Assistant(index_dir=index, corpus_dir=corpus))
    rows = []
    for path in discover(ROOT / "evals"):
        es = load(path)
        if es.split != "dev":
            continue
        a = make(index_root / es.name, es.corpus)
        a.ingest()
        ctx = a.answer_context()
        for case in es.cases:
            passages = a.retrieve(case.question)
            cands = candidates(passages)
            _q, x = features(case.question, cands, ctx)
            y = np.array(
                [
                    0.0
                    if case.unanswerable
                    else float(c.source in case.support and case.accepts(c.text))
                    for c in cands
                ]
            )
            claim = None
            if not case.unanswerable and y.any() and case.answers:
                # A dev "claim": the question with its answer, as a generated sentence might
                # put it; it should be supported by a span holding the answer, not by others.
                _c, claim = features(as_claim(case.question, case.answers[0]), cands, ctx)
            rows.append({"corpus": es.name, "case": case, "x": x, "y": y, "claim": claim})
        print(f"{es.label}: {len(es.cases)} questions", file=sys.stderr)
    return rows


def fit(rows: list[Row], l2: float) -> tuple[np.ndarray, np.ndarray, float]:
    """The ranker (softmax over each question's candidates) and the gate (logistic on the best
    candidate's score, over every question)."""
    w = fit_softmax_ranker([(r["x"], r["y"]) for r in rows if not r["case"].unanswerable])
    gx, gy = gate_rows(rows, w)
    g, gb = fit_logistic(gx, gy, l2=l2)
    return w, g, gb


def gate_rows(rows: list[Row], w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per question: the best score, and whether the best candidate holds the answer."""
    gx, gy = [], []
    for r in rows:
        s = r["x"] @ w
        i = int(np.argmax(s))
        gx.append([s[i]])
        gy.append(float(r["y"][i]))
        r["top_right"] = bool(r["y"][i])
    return np.array(gx), np.array(gy)


def gate_probs(rows: list[Row], w: np.ndarray, g: np.ndarray, gb: float) -> np.ndarray:
    gx, _ = gate_rows(rows, w)
    p: np.ndarray = 1 / (1 + np.exp(-(gx @ g + gb)))
    return p


def choose(rows: list[Row], probs: np.ndarray) -> tuple[float, float, PerCorpus]:
    results = sweep(rows, probs)
    return max(results, key=lambda t: (round(t[1], 6), -abs(t[0] - 0.5)))


def sweep(rows: list[Row], gate_p: np.ndarray) -> list[tuple[float, float, PerCorpus]]:
    out = []
    usable = rows
    for tau in np.round(np.arange(0.05, 0.96, 0.01), 2):
        per: PerCorpus = {}
        for r, p in zip(usable, gate_p, strict=True):
            c = per.setdefault(
                r["corpus"], {"ans": 0, "correct": 0, "wrong": 0, "un": 0, "abst": 0}
            )
            if r["case"].unanswerable:
                c["un"] += 1
                c["abst"] += p < tau
            else:
                c["ans"] += 1
                if p >= tau:
                    c["correct" if r["top_right"] else "wrong"] += 1
        objective = np.mean(
            [
                (c["correct"] + c["abst"] - WRONG_COST * c["wrong"]) / (c["ans"] + c["un"])
                for c in per.values()
            ]
        )
        out.append((float(tau), float(objective), per))
    return out


def fit_support(rows: list[Row], w: np.ndarray, scale: float, bias: float) -> float:
    """The support bar for generated sentences: on each dev claim, the best span that holds the
    answer should pass and the best one that does not should fail; the bar with the highest
    balanced accuracy wins."""
    good, bad = [], []
    for r in rows:
        if r["claim"] is None:
            continue
        p = 1 / (1 + np.exp(-(scale * (r["claim"] @ w) + bias)))
        good.append(p[r["y"] > 0].max())
        if (r["y"] == 0).any():
            bad.append(p[r["y"] == 0].max())
    g, b = np.array(good), np.array(bad)
    bars = np.round(np.arange(0.05, 0.96, 0.01), 2)
    acc = [((g >= t).mean() + (b < t).mean()) / 2 for t in bars]
    i = int(np.argmax(acc))
    print(
        f"support bar {bars[i]:.2f}: {(g >= bars[i]).mean():.0%} of {len(g)} supported claims "
        f"pass, {(b < bars[i]).mean():.0%} of {len(b)} unsupporting spans fail"
    )
    return float(bars[i])


def fit_weights(rows: list[Row], l2: float = 1.0, verbose: bool = False) -> EvidenceWeights:
    """Ranker, gate, threshold and support bar from dev rows, as one frozen object."""
    w, g, gb = fit(rows, l2)
    results = sweep(rows, gate_probs(rows, w, g, gb))
    tau, _objective, _per = choose(rows, gate_probs(rows, w, g, gb))
    if verbose:
        print(f"{len(rows)} dev questions, {sum(len(r['y']) for r in rows)} candidates")
        for name, v in zip(NAMES, w, strict=True):
            print(f"  {name:<8} {v:+.3f}")
        print(f"gate: scale {g[0]:+.3f}, bias {gb:+.3f}")
        for t, obj, per in results[::5]:
            print(f"tau {t:.2f} objective {obj:.3f}  {cells(per)}")
        print(f"chosen threshold {tau:.2f}")
    support = fit_support(rows, w, g[0], gb)
    corpora = ", ".join(sorted({r["corpus"] for r in rows}))
    return EvidenceWeights(
        features=tuple(NAMES),
        weights=tuple(round(float(v), 4) for v in w),
        gate_scale=round(float(g[0]), 4),
        gate_bias=round(gb, 4),
        threshold=round(tau, 2),
        support_threshold=round(support, 2),
        fitted_on=(
            f"dev splits of {corpora}: {len(rows)} questions, "
            f"{sum(len(r['y']) for r in rows)} candidates; softmax ranker, logistic gate "
            f"(L2 {l2}); threshold by sweep (per question: correct + abstained - "
            f"{WRONG_COST:g} x wrong)"
        ),
    )


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """The probability that a random positive scores above a random negative (ties count half);
    0.5 when either class is empty."""
    pos, neg = scores[labels > 0], scores[labels <= 0]
    if not len(pos) or not len(neg):
        return 0.5
    above = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(above / (len(pos) * len(neg)))


def leave_one_out(rows: list[Row], l2: float) -> list[dict[str, float]]:
    """How well the method carries to a corpus it never saw: fit on the other dev corpora,
    measure on the one left out. Per corpus: the ranker's top-1 (answerable questions whose best
    candidate holds the answer), the gate's ROC AUC (that best candidate holds the answer vs. not,
    unanswerable questions included), the utility at the threshold chosen on the other corpora,
    and the best utility any threshold would give there. The gap between the last two is the
    gate's calibration moving between corpora, which no ranking feature can remove."""
    out = []
    for held in sorted({r["corpus"] for r in rows}):
        train = [r for r in rows if r["corpus"] != held]
        test = [r for r in rows if r["corpus"] == held]
        w, g, gb = fit(train, l2)
        tau = choose(train, gate_probs(train, w, g, gb))[0]
        p = gate_probs(test, w, g, gb)
        results = sweep(test, p)
        at = next(r for r in results if abs(r[0] - tau) < 1e-9)
        best = max(results, key=lambda r: r[1])
        top1 = sum(r["top_right"] for r in test if not r["case"].unanswerable)
        answerable = sum(not r["case"].unanswerable for r in test)
        auc = roc_auc(p, np.array([float(r["top_right"]) for r in test]))
        out.append(
            {"top1": top1, "auc": auc, "utility": at[1], "best": best[1], "best_tau": best[0]}
        )
        print(
            f"leave {held} out: top-1 {top1}/{answerable}, gate AUC {auc:.3f}, utility "
            f"{at[1]:.3f} at threshold {tau:.2f} ({cells(at[2])}), best {best[1]:.3f} at "
            f"{best[0]:.2f}"
        )
    print(
        f"left out, mean: utility {np.mean([o['utility'] for o in out]):.3f}, with each "
        f"corpus's best threshold {np.mean([o['best'] for o in out]):.3f}"
    )
    return out


def cells(per: PerCorpus) -> str:
    return "  ".join(
        f"{k}: {c['correct']}/{c['ans']} ok {c['wrong']} wrong {c['abst']}/{c['un']} abst"
        for k, c in sorted(per.items())
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--index", type=Path, default=ROOT / "index" / "evals")
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--l2", type=float, default=1.0)
    args = ap.parse_args()
    rows = [r for r in collect(args.index) if len(r["x"])]
    weights = fit_weights(rows, args.l2, verbose=True)
    leave_one_out(rows, args.l2)
    if not args.dry_run:
        write_weights("fitted.py", "evidence", "scorer", "FITTED", weights)
    return 0


def write_weights(module: str, what: str, home: str, name: str, weights: object) -> None:
    """Write ``assistant/answering/<module>``: ``name = weights`` (its repr), the class imported
    from ``.<home>``, formatted by ruff."""
    script = Path(sys.argv[0]).name
    text = f'''"""Fitted {what} weights. Generated by evals/{script}; do not edit by hand."""

from .{home} import {type(weights).__name__}

{name} = {weights!r}
'''
    target = ROOT / "assistant" / "answering" / module
    target.write_text(text, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(target)], check=False)
    print(f"wrote {target}")


if __name__ == "__main__":
    sys.exit(main())
