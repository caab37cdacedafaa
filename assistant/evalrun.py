"""The eval runner: every case through one warm Assistant; JSON result, Markdown report, chart.

A run writes ``run-<UTC time>.json`` into the output folder, compares it with the newest earlier
run there (every case whose outcome flipped is listed), rewrites ``report.md`` and draws
``history.png`` (totals over all runs in the folder). A run *fails* when a total misses its
threshold or a case *regresses*: a gating evaluator that passed in the previous run fails now.
It does not define the evaluators (:mod:`assistant.evaluators`) or the set format
(:mod:`assistant.evalset`).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .engine import Assistant
from .errors import CitationError
from .evalset import EVALUATORS, EvalSet
from .evaluators import evaluate, reciprocal_rank


@dataclass
class CaseResult:
    id: str
    question: str
    tags: list[str]
    unanswerable: bool
    outcomes: dict[str, bool | None]
    reciprocal_rank: float | None
    latency_ms: float
    abstained: bool
    answer: str
    citations: list[dict[str, Any]]
    verification: dict[str, int] | None = None  # generated answers: sentences kept/dropped/repaired


@dataclass
class Total:
    passed: int
    applicable: int
    threshold: float | None

    @property
    def rate(self) -> float | None:
        return self.passed / self.applicable if self.applicable else None

    @property
    def ok(self) -> bool:
        return self.threshold is None or self.rate is None or self.rate >= self.threshold


@dataclass
class Flip:
    case: str
    evaluator: str
    before: bool | None
    after: bool | None
    regression: bool


@dataclass
class RunResult:
    started: str
    set_path: str
    corpus: str
    name: str
    split: str
    commit: str
    answerer: str
    cases: list[CaseResult]
    totals: dict[str, Total]
    mrr: float
    latency_p50_ms: float
    latency_p95_ms: float
    seconds: float
    previous: str | None = None
    flips: list[Flip] = field(default_factory=list)

    @property
    def missed(self) -> list[str]:
        return [name for name, t in self.totals.items() if not t.ok]

    @property
    def regressions(self) -> list[Flip]:
        return [f for f in self.flips if f.regression]

    @property
    def passed(self) -> bool:
        return not self.missed and not self.regressions

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["totals"] = {
            k: {**asdict(t), "rate": t.rate, "ok": t.ok} for k, t in self.totals.items()
        }
        data["passed"] = self.passed
        return data


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def run(evalset: EvalSet, assistant: Assistant) -> RunResult:
    """Every case through ``assistant`` (already configured for the set's corpus)."""
    t0 = time.perf_counter()
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    assistant.ingest()  # incremental: a no-op when the index is current
    texts = assistant.texts()
    k = evalset.config.k
    results = []
    for case in evalset.cases:
        t = time.perf_counter()
        try:
            answer = assistant.ask(case.question)
        except CitationError as exc:  # counted as quotes_round_trip = False, not a crash
            answer = exc.answer
        latency = (time.perf_counter() - t) * 1000
        passages = assistant.retrieve(case.question, k)
        results.append(
            CaseResult(
                id=case.id,
                question=case.question,
                tags=list(case.tags),
                unanswerable=case.unanswerable,
                outcomes=evaluate(case, answer, passages, texts, k),
                reciprocal_rank=reciprocal_rank(case, passages),
                latency_ms=round(latency, 2),
                abstained=answer.abstained,
                answer=answer.text,
                citations=[
                    {"n": c.n, "source": c.source, "start": c.start, "end": c.end}
                    for c in answer.citations
                ],
                verification=answer.verification,
            )
        )
    totals = {}
    for name in EVALUATORS:
        applicable = [r.outcomes[name] for r in results if r.outcomes[name] is not None]
        totals[name] = Total(
            sum(1 for v in applicable if v), len(applicable), evalset.config.thresholds.get(name)
        )
    rrs = [r.reciprocal_rank for r in results if r.reciprocal_rank is not None]
    lat = [r.latency_ms for r in results]
    return RunResult(
        started=started,
        set_path=str(evalset.path),
        corpus=str(evalset.corpus),
        name=evalset.name,
        split=evalset.split,
        commit=_commit(),
        answerer=assistant.answerer.name,
        cases=results,
        totals=totals,
        mrr=round(statistics.fmean(rrs), 4) if rrs else 0.0,
        latency_p50_ms=_pct(lat, 0.5),
        latency_p95_ms=_pct(lat, 0.95),
        seconds=round(time.perf_counter() - t0, 2),
    )


def compare(previous: dict[str, Any], current: RunResult, gating: tuple[str, ...]) -> list[Flip]:
    """Every (case, evaluator) whose outcome changed since ``previous`` (a loaded JSON result)."""
    before = {c["id"]: c["outcomes"] for c in previous.get("cases", [])}
    flips = []
    for case in current.cases:
        old = before.get(case.id)
        if old is None:
            continue  # a new case cannot flip
        for name, now in case.outcomes.items():
            was = old.get(name)
            if was != now:
                flips.append(
                    Flip(
                        case.id,
                        name,
                        was,
                        now,
                        regression=name in gating and was is True and now is False,
                    )
                )
    return flips


def _runs(out_dir: Path) -> list[Path]:
    return sorted(out_dir.glob("run-*.json"))


def write(result: RunResult, out_dir: Path, gating: tuple[str, ...]) -> dict[str, Path]:
    """Compare with the newest earlier run, then write the JSON, the report and the chart."""
    out_dir.mkdir(parents=True, exist_ok=True)
    earlier = _runs(out_dir)
    if earlier:
        result.previous = earlier[-1].name
        result.flips = compare(json.loads(earlier[-1].read_text(encoding="utf-8")), result, gating)
    stamp = result.started.replace(":", "").replace("-", "")
    path = out_dir / f"run-{stamp}.json"
    n = 1
    while path.exists():
        n += 1
        path = out_dir / f"run-{stamp}-{n}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result.to_json(), indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    chart = out_dir / "history.png"
    draw_history([json.loads(p.read_text(encoding="utf-8")) for p in _runs(out_dir)], chart)
    report = out_dir / "report.md"
    report.write_text(render_markdown(result, chart.name), encoding="utf-8")
    return {"json": path, "report": report, "chart": chart}


def verification_totals(result: RunResult) -> dict[str, int] | None:
    """Sentences kept, dropped and repaired over all generated answers (None if extractive)."""
    runs = [c.verification for c in result.cases if c.verification is not None]
    if not runs:
        return None
    return {k: sum(v.get(k, 0) for v in runs) for k in ("kept", "dropped", "repaired")}


def _verification_line(result: RunResult) -> list[str]:
    v = verification_totals(result)
    if v is None:
        return []
    return [
        f"- generated sentences: {v['kept']} kept, {v['dropped']} dropped as unsupported, "
        f"{v['repaired']} re-attached to the passage that supports them"
    ]


def _fmt_rate(t: Total) -> str:
    return "n/a" if t.rate is None else f"{t.rate:.1%}"


def _mark(v: bool | None) -> str:
    return {True: "✔", False: "✘", None: "·"}[v]


def render_markdown(result: RunResult, chart: str = "history.png") -> str:
    lines = [
        f"# Grounding eval: {'PASSED' if result.passed else 'FAILED'}",
        "",
        f"- run: {result.started} · commit `{result.commit}` · answerer `{result.answerer}`",
        f"- set: `{result.set_path}` ({result.name}/{result.split}) · corpus: `{result.corpus}` · "
        f"{len(result.cases)} cases",
        f"- time: {result.seconds:.1f} s in all; ask latency p50 {result.latency_p50_ms:.1f} ms, "
        f"p95 {result.latency_p95_ms:.1f} ms; retrieval MRR {result.mrr:.3f}",
        f"- compared with: {result.previous or 'no earlier run in this folder'}",
        *_verification_line(result),
        "",
        "## Totals",
        "",
        "| evaluator | passed | applicable | rate | threshold | status |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, t in result.totals.items():
        thr = "-" if t.threshold is None else f"{t.threshold:.0%}"
        lines.append(
            f"| {name} | {t.passed} | {t.applicable} | {_fmt_rate(t)} | {thr} | "
            f"{'ok' if t.ok else '**missed**'} |"
        )
    lines += ["", f"![totals over runs]({chart})", "", "## Changes since the previous run", ""]
    if not result.previous:
        lines.append("No earlier run to compare with.")
    elif not result.flips:
        lines.append("No case changed.")
    else:
        lines += ["| case | evaluator | before | after | |", "| --- | --- | --- | --- | --- |"]
        for f in result.flips:
            lines.append(
                f"| {f.case} | {f.evaluator} | {_mark(f.before)} | {_mark(f.after)} | "
                f"{'**regression**' if f.regression else ''} |"
            )
    short = {
        "answer_correct": "correct",
        "abstained_when_unanswerable": "abstained",
        "quotes_round_trip": "verbatim",
        "cites_support": "cites",
        "recall_at_k": "recall",
    }
    lines += [
        "",
        "## Cases",
        "",
        "| case | " + " | ".join(short.values()) + " | ms | answer |",
        "| --- | " + " | ".join("---" for _ in short) + " | ---: | --- |",
    ]
    for c in result.cases:
        answer = c.answer.replace("|", "\\|").replace("\n", " ")
        answer = answer if len(answer) <= 140 else answer[:137] + "..."
        marks = " | ".join(_mark(c.outcomes.get(k)) for k in short)
        lines.append(f"| {c.id} | {marks} | {c.latency_ms:.1f} | {answer} |")
    lines.append("")
    return "\n".join(lines)


def draw_history(runs: list[dict[str, Any]], path: Path) -> None:
    """A small PNG of each evaluator's rate over the runs in the folder."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2), dpi=100)
    xs = list(range(1, len(runs) + 1))
    for name in (
        "answer_correct",
        "abstained_when_unanswerable",
        "quotes_round_trip",
        "cites_support",
        "recall_at_k",
    ):
        ys = [(r["totals"].get(name) or {}).get("rate") for r in runs]
        ax.plot(xs, [y if y is not None else float("nan") for y in ys], marker="o", label=name)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("run")
    ax.set_ylabel("rate")
    ax.set_xticks(xs)
    ax.set_title("Grounding eval totals over runs")
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def wrong_answers(result: RunResult) -> int:
    """Answerable cases answered (not abstained) but wrongly."""
    return sum(
        1
        for c in result.cases
        if not c.unanswerable and not c.abstained and not c.outcomes.get("answer_correct")
    )


def one_line(result: RunResult) -> str:
    t = result.totals
    ok, un, rt = t["answer_correct"], t["abstained_when_unanswerable"], t["quotes_round_trip"]
    return (
        f"correct {ok.passed}/{ok.applicable}, abstained {un.passed}/{un.applicable}, "
        f"wrong {wrong_answers(result)}, verbatim {rt.passed}/{rt.applicable}, "
        f"MRR {result.mrr:.3f}, {'passed' if result.passed else 'FAILED'}"
    )


def summary_table(results: list[RunResult]) -> str:
    """One Markdown row per corpus and split: the figures the targets are stated in."""

    def pct(t: Total) -> str:
        return "n/a" if t.rate is None else f"{t.passed}/{t.applicable} ({t.rate:.0%})"

    lines = [
        "| corpus | split | answerable correct | unanswerable abstained | wrong | verbatim "
        "| recall@k | MRR | p50 ms | status |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        t = r.totals
        answerable = t["answer_correct"].applicable
        wrong = wrong_answers(r)
        lines.append(
            f"| {r.name} | {r.split} | {pct(t['answer_correct'])} | "
            f"{pct(t['abstained_when_unanswerable'])} | {wrong} "
            f"({wrong / answerable if answerable else 0:.0%}) | {pct(t['quotes_round_trip'])} | "
            f"{pct(t['recall_at_k'])} | {r.mrr:.3f} | {r.latency_p50_ms:.0f} | "
            f"{'passed' if r.passed else 'FAILED'} |"
        )
    return "\n".join(lines)
