"""The eval-set format: YAML cases with accepted answers and supporting documents, validated.

A set is data (see evals/README.md): each answerable case names accepted answers (normalised
text, or regular expressions) and the documents that support them; an unanswerable case says
``unanswerable: true``. :func:`load` checks the schema and reports every problem at once;
:func:`check_against_corpus` checks that each accepted answer really occurs in the text of a
named supporting document, as its reader gives it. It does not run the assistant (see
:mod:`assistant.evalrun`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import readers
from .errors import UserError

EVALUATORS = (
    "answer_correct",
    "answered",
    "abstained_when_unanswerable",
    "quotes_round_trip",
    "cites_support",
    "cites_all_support",
    "recall_at_k",
)
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_CASE_KEYS = {
    "id",
    "question",
    "answers",
    "patterns",
    "support",
    "unanswerable",
    "cite_all_support",
    "tags",
}


_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_MONTH = {m[:3]: m for m in _MONTHS} | {m: m for m in _MONTHS} | {"sept": "september"}
_MONTH_RE = "|".join(sorted(_MONTH, key=len, reverse=True))
_YEAR = r"(?:,? (\d{4})\b)?"
_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH_RE})\.? (\d{{1,2}})(?:st|nd|rd|th)?\b{_YEAR}")
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)? ({_MONTH_RE})\b\.?{_YEAR}")


def normalize(text: str) -> str:
    """Case, quotes, dashes and spacing folded, so "Shot across America’s bow" matches; a date
    written "November 3, 2008", "Nov. 3rd 2008" or "3 November, 2008" becomes "3 november 2008"
    (and "November 3" or "3rd November" becomes "3 november")."""
    text = unicodedata.normalize("NFKC", text).lower()
    for a, b in (("’", "'"), ("‘", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-")):
        text = text.replace(a, b)
    text = " ".join(text.split())
    text = _MONTH_DAY_YEAR.sub(lambda m: _date(m[2], m[1], m[3]), text)
    return _DAY_MONTH_YEAR.sub(lambda m: _date(m[1], m[2], m[3]), text)


def _date(day: str, month: str, year: str | None) -> str:
    return f"{day} {_MONTH[month]}" + (f" {year}" if year else "")


def contains_words(text: str, part: str) -> bool:
    """Whether ``part`` occurs in ``text`` not inside a longer word: where ``part`` begins (or
    ends) with a letter or digit, the character before (after) it is not one."""
    if not part:
        return False
    start = 0
    while (i := text.find(part, start)) >= 0:
        before = text[i - 1] if i > 0 else " "
        after = text[i + len(part)] if i + len(part) < len(text) else " "
        if not (part[0].isalnum() and before.isalnum()) and not (
            part[-1].isalnum() and after.isalnum()
        ):
            return True
        start = i + 1
    return False


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    answers: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    support: tuple[str, ...] = ()
    unanswerable: bool = False
    cite_all_support: bool = False
    tags: tuple[str, ...] = ()

    def accepts(self, text: str) -> bool:
        """True when ``text`` contains an accepted answer, as whole words ("two" is not found
        in "network", "84%" is found in "about 84% of")."""
        norm = normalize(text)
        return any(contains_words(norm, normalize(a)) for a in self.answers) or any(
            re.search(p, text, re.IGNORECASE) for p in self.patterns
        )


@dataclass(frozen=True)
class EvalConfig:
    k: int = 8
    thresholds: dict[str, float] = field(default_factory=dict)
    gating: tuple[str, ...] = ()


SPLITS = ("dev", "test")


@dataclass(frozen=True)
class EvalSet:
    path: Path
    corpus: Path
    config: EvalConfig
    cases: list[Case]
    name: str = ""  # the corpus's name ("seed", "licenses"); several sets share one corpus
    split: str = "dev"  # "dev": tune on it; "test": held out, measures only

    @property
    def label(self) -> str:
        return f"{self.name or self.corpus.name}/{self.split}"


def discover(root: Path) -> list[Path]:
    """Every ``<corpus>/dev.yaml`` and ``<corpus>/test.yaml`` under ``root``, sorted."""
    return sorted(p for split in SPLITS for p in root.glob(f"*/{split}.yaml"))


def _parse_config(raw: Any, problems: list[str]) -> EvalConfig:
    if raw is None:
        return EvalConfig()
    if not isinstance(raw, dict):
        problems.append("config: must be a mapping")
        return EvalConfig()
    k = raw.get("k", 8)
    if not isinstance(k, int) or not 1 <= k <= 50:
        problems.append(f"config.k: {k!r} must be an integer from 1 to 50")
        k = 8
    thresholds: dict[str, float] = {}
    for name, value in (raw.get("thresholds") or {}).items():
        if name not in EVALUATORS:
            problems.append(
                f"config.thresholds.{name}: unknown evaluator; use one of {', '.join(EVALUATORS)}"
            )
        elif not isinstance(value, int | float) or not 0 <= value <= 1:
            problems.append(f"config.thresholds.{name}: {value!r} must be a share between 0 and 1")
        else:
            thresholds[name] = float(value)
    gating = raw.get("gating") or []
    for name in gating:
        if name not in EVALUATORS:
            problems.append(f"config.gating: unknown evaluator {name!r}")
    return EvalConfig(
        k=k, thresholds=thresholds, gating=tuple(g for g in gating if g in EVALUATORS)
    )


def _str_list(case: dict[str, Any], key: str, where: str, problems: list[str]) -> tuple[str, ...]:
    value = case.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}.{key}: must be a list of non-empty strings")
        return ()
    return tuple(value)


def _parse_case(raw: Any, i: int, problems: list[str]) -> Case | None:
    where = f"cases[{i}]"
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping with id and question")
        return None
    cid = raw.get("id")
    if isinstance(cid, str):
        where = f"case {cid!r}"
    unknown = set(raw) - _CASE_KEYS
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    if not isinstance(cid, str) or not _ID.match(cid):
        problems.append(f"{where}.id: {cid!r} must be a slug (a-z, 0-9, '-')")
    question = raw.get("question")
    if not isinstance(question, str) or not question.strip():
        problems.append(f"{where}.question: must be a non-empty string")
    unanswerable = raw.get("unanswerable", False)
    answers = _str_list(raw, "answers", where, problems)
    patterns = _str_list(raw, "patterns", where, problems)
    support = _str_list(raw, "support", where, problems)
    for p in patterns:
        try:
            re.compile(p)
        except re.error as exc:
            problems.append(f"{where}.patterns: {p!r} is not a valid regular expression ({exc})")
    if unanswerable is True:
        if answers or patterns or support:
            problems.append(f"{where}: an unanswerable case has no answers, patterns or support")
    elif unanswerable is False:
        if not answers and not patterns:
            problems.append(
                f"{where}: give accepted answers or patterns, or set unanswerable: true"
            )
        if not support:
            problems.append(f"{where}.support: name the document(s) that support the answer")
    else:
        problems.append(f"{where}.unanswerable: must be true or false")
    if not isinstance(cid, str) or not isinstance(question, str):
        return None
    return Case(
        id=cid,
        question=question.strip(),
        answers=answers,
        patterns=patterns,
        support=support,
        unanswerable=unanswerable is True,
        cite_all_support=bool(raw.get("cite_all_support", False)),
        tags=_str_list(raw, "tags", where, problems),
    )


def load(path: Path) -> EvalSet:
    """Parse and schema-check a set; a UserError lists every problem found."""
    import yaml

    if not path.is_file():
        raise UserError(
            f"eval set {path} not found; pass --set PATH (the seed sets are evals/seed/dev.yaml "
            "and evals/seed/test.yaml)"
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UserError(f"{path} is not valid YAML: {exc}") from None
    problems: list[str] = []
    if not isinstance(raw, dict) or not isinstance(raw.get("cases"), list):
        raise UserError(f"{path}: expected a mapping with a 'cases' list (see evals/README.md)")
    if raw.get("version", 1) != 1:
        problems.append(f"version: {raw.get('version')!r} is not supported (use 1)")
    config = _parse_config(raw.get("config"), problems)
    default = re.sub(r"[^a-z0-9-]+", "-", path.parent.name.lower()).strip("-")[:64] or "set"
    name = raw.get("name", default)
    if not isinstance(name, str) or not _ID.match(name):
        problems.append(f"name: {name!r} must be a slug naming the corpus (a-z, 0-9, '-')")
        name = ""
    split = raw.get("split", "dev")
    if split not in SPLITS:
        problems.append(f"split: {split!r} must be dev or test")
        split = "dev"
    unknown = set(raw) - {"version", "name", "split", "corpus", "config", "cases"}
    if unknown:
        problems.append(f"unknown top-level key(s) {', '.join(sorted(unknown))}")
    cases = [c for i, r in enumerate(raw["cases"]) if (c := _parse_case(r, i, problems))]
    seen: set[str] = set()
    for c in cases:
        if c.id in seen:
            problems.append(f"case {c.id!r}: duplicate id")
        seen.add(c.id)
    if not cases:
        problems.append("cases: the set has no cases")
    corpus = (path.parent / str(raw.get("corpus", "../corpus"))).resolve()
    if problems:
        raise UserError(f"{path} has {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    return EvalSet(path=path, corpus=corpus, config=config, cases=cases, name=name, split=split)


def _document_text(corpus: Path, source: str) -> tuple[str | None, str | None]:
    """The text of a corpus file as its reader gives it (what the index holds: a PDF's or a web
    page's visible text, not its bytes), or None and why not."""
    path = corpus / source
    if not path.is_file():
        return None, f"is not in {corpus}"
    try:
        return readers.read_file(path).text, None
    except readers.Unreadable as exc:
        return None, f"cannot be read ({exc.reason})"


def check_against_corpus(evalset: EvalSet) -> list[str]:
    """Problems where a supporting document is missing or unreadable, or does not contain an
    accepted answer in the text its reader gives."""
    problems = []
    cache: dict[str, tuple[str | None, str | None]] = {}
    for case in evalset.cases:
        texts = []
        for source in case.support:
            if source not in cache:
                cache[source] = _document_text(evalset.corpus, source)
            text, why = cache[source]
            if text is None:
                problems.append(f"case {case.id!r}: support {source!r} {why}")
            else:
                texts.append(text)
        for answer in case.answers:
            if texts and not any(contains_words(normalize(t), normalize(answer)) for t in texts):
                problems.append(
                    f"case {case.id!r}: answer {answer!r} occurs in no supporting document"
                )
        for pattern in case.patterns:
            if texts and not any(re.search(pattern, t, re.IGNORECASE) for t in texts):
                problems.append(
                    f"case {case.id!r}: pattern {pattern!r} matches no supporting document"
                )
    return problems
