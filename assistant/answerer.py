"""Answerers: turn retrieved passages into an :class:`~assistant.answer.Answer`.

:class:`Answerer` is the interface (one method); :class:`ExtractiveAnswerer` is the default and
needs no LLM. It quotes whole sentences of the passages verbatim, each marked ``[n]``, and abstains
when the evidence does not cover the question. Abstention rules, in order:

1. every *key term* of the question (a name, an acronym, a number, a model id such as "R1") must
   occur in the quoted sentences;
2. a question that asks for a date ("when", "what year"), a number ("how many", "how much") or a
   person ("who") must get a quote that contains one;
3. the quotes must cover at least ``MIN_COVERAGE`` of the question's content terms, weighted by
   idf over the corpus (a term the corpus never uses weighs the most) and doubled for terms that
   are not key terms, with stems and a small table of common paraphrases ("released" ~ "launch")
   counting as a match; key terms may be covered by the rest of the same article; and at most
   one content term in four may be missing.

It does not paraphrase or generate text; an LLM answerer plugs in behind the same interface.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from . import terms
from .answer import NOT_IN_CORPUS, Answer, Citation
from .retrieval import Passage
from .sentences import split_spans

MIN_COVERAGE = 0.55
MAX_SENTENCES = 3
SECOND_QUOTE_RATIO = 0.85  # a further quote must score this close to the best one

# Paraphrase groups: question wording that the articles express with another word.
_SYNONYM_GROUPS = [
    "release launch debut unveil introduce",
    "found establish start create",
    "lose loss lost shed wipe drop fall plunge",
    "cost price cheap expensive spend",
    "ban prohibit block",
    "company firm startup lab",
    "country nation",
    "valuation value worth",
    "sign signatory endorse",
    "refuse decline reject",
    "summit conference",
    "chip semiconductor gpu",
    "user download",
    "government state",
    "ceo chief executive",
    "own ownership stake",
    "train build develop",
    "say state claim note argue remark warn",
    "percent percentage",
    "cheaper cheap less",
    "researcher scientist",
]
_CANON: dict[str, str] = {}
for _group in _SYNONYM_GROUPS:
    _words = _group.split()
    for _w in _words:
        _CANON.setdefault(terms.stem(_w), terms.stem(_words[0]))


def canon(stem: str) -> str:
    return _CANON.get(stem, stem)


_MONTH = (
    r"(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?"
    r"|oct(ober)?|nov(ember)?|dec(ember)?)"
)
_DATE = re.compile(rf"\b({_MONTH}\b\.?(\s+\d{{1,2}})?|(19|20)\d\d\b|\d{{1,2}}\s+{_MONTH}\b)", re.I)
_NUMBER = re.compile(
    r"\d|\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundred|thousand|million|billion|trillion|dozen|half|double|twice)\b",
    re.I,
)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[\s-][A-Z][a-z]+)+\b|\b[A-Z][a-z]+[A-Z]\w*\b|\b[A-Z]{2,}\b")

_EXPECTS = [
    (
        "date",
        re.compile(
            r"^\s*(when|in what year|in which year|what year|which year|what date|"
            r"on what date|what month|which month|what day)\b",
            re.I,
        ),
    ),
    (
        "number",
        re.compile(
            r"\b(how (many|much|old|long|big|large)|what (percentage|percent|share|"
            r"proportion|fraction|amount|number|valuation|price|sum))\b",
            re.I,
        ),
    ),
    ("name", re.compile(r"^\s*(who|whom|whose)\b|\bwho (is|was|are|were)\b", re.I)),
]


# "Which countries ...", "what share of ...": a lower-case noun that names the kind of answer. It is
# not required in the quote (the answer *is* one). After "how many" the noun is what is counted,
# so it stays required.
_HEAD_NOUN = re.compile(r"^\s*(?:which|what)\s+([a-z]+)\b(?!\s+(?:is|was|are|were|did|does|do)\b)")


@dataclass(frozen=True)
class Question:
    text: str
    content: tuple[str, ...]  # canonical stems of content terms
    keys: tuple[str, ...]  # canonical stems that must appear in the evidence
    key_words: tuple[str, ...]  # the same, as written (for names the answer must not echo)
    expects: str | None
    soft: tuple[
        str, ...
    ] = ()  # the head noun of "which countries", "what share": the answer's type

    @classmethod
    def parse(cls, text: str) -> Question:
        toks = [t for t in terms.tokens(text) if t.surface.lower() not in terms.QUESTION_WORDS]
        first_alpha = next((i for i, c in enumerate(text) if c.isalpha()), 0)
        keys, words = [], []
        for t in toks:
            s = t.surface
            named = (
                any(c.isdigit() for c in s)
                or (len(s) > 1 and s.isupper())
                or any(c.isupper() for c in s[1:])
                or (s[0].isupper() and t.start > first_alpha)
            )
            if named:
                keys.append(canon(t.stem))
                words.append(s)
        expects = next((kind for kind, rx in _EXPECTS if rx.search(text)), None)
        head = _HEAD_NOUN.search(text)
        soft = (canon(terms.stem(head.group(1).lower())),) if head else ()
        content = tuple(t for t in dict.fromkeys(canon(t.stem) for t in toks) if t not in soft)
        return cls(text, content, tuple(dict.fromkeys(keys)), tuple(words), expects, soft)


@dataclass(frozen=True)
class Sentence:
    source: str
    start: int
    end: int
    text: str
    passage_rank: int
    stems: frozenset[str]


@dataclass(frozen=True)
class AnswerContext:
    titles: dict[str, str]
    vocabulary: terms.Vocabulary
    document_stems: dict[str, frozenset[str]]  # canonical stems of each document's article text


class Answerer(ABC):
    """Implement :meth:`answer`; everything else about a question is the engine's job."""

    name: str = "answerer"

    @abstractmethod
    def answer(self, question: str, passages: list[Passage], ctx: AnswerContext) -> Answer:
        """An answer to ``question`` that quotes only ``passages``, or an abstention."""


def abstain(question: str) -> Answer:
    del question  # the same signature as an answer; an abstention quotes nothing
    return Answer(text=NOT_IN_CORPUS, abstained=True, citations=[])


class ExtractiveAnswerer(Answerer):
    name = "extractive"

    def __init__(self, min_coverage: float = MIN_COVERAGE, max_sentences: int = MAX_SENTENCES):
        self.min_coverage = min_coverage
        self.max_sentences = max_sentences

    # -- evidence tests ----------------------------------------------------------------------
    @staticmethod
    def type_spans(expects: str | None, text: str, q: Question) -> list[tuple[int, int]]:
        """Where ``text`` holds what the question asks for (a date, a number, a name)."""
        if expects == "date":
            return [m.span() for m in _DATE.finditer(text)]
        if expects == "number":
            return [m.span() for m in _NUMBER.finditer(text)]
        if expects == "name":
            qwords = {w.lower() for w in q.key_words}
            return [
                m.span()
                for m in _NAME.finditer(text)
                if not set(m.group().lower().split()) <= qwords
            ]
        return []

    @classmethod
    def has_type(cls, expects: str | None, text: str, q: Question) -> bool:
        return expects is None or bool(cls.type_spans(expects, text, q))

    @classmethod
    def proximity(cls, q: Question, text: str) -> float:
        """1.0 when the asked-for value sits next to the question's terms, falling to 0 by 200 chars."""
        found = cls.type_spans(q.expects, text, q)
        if not found:
            return 0.0
        wanted = set(q.keys) or set(q.content)
        anchors = [t.start for t in terms.tokens(text) if canon(t.stem) in wanted]
        if not anchors:
            return 0.0
        gap = min(abs(a - s) if a < s else max(0, a - e) for s, e in found for a in anchors)
        return max(0.0, 1.0 - gap / 200)

    def coverage(self, q: Question, stems: frozenset[str], vocab: terms.Vocabulary) -> float:
        if not q.content:
            return 0.0
        # Key terms name the topic; the other terms (the predicate: "own", "released") pick the fact.
        weight = {t: vocab.idf(t) * (1.0 if t in q.keys else 2.0) for t in q.content}
        total = sum(weight.values())
        got = sum(vocab.idf(t) for t in q.content if t in stems)
        return got / total if total else 0.0

    def _sentences(self, passages: list[Passage]) -> list[Sentence]:
        out = []
        for p in passages:
            for s, e in split_spans(p.text):
                text = p.text[s:e]
                stems = frozenset(canon(t) for t in terms.stems(text))
                out.append(Sentence(p.source, p.start + s, p.start + e, text, p.rank, stems))
        return out

    def _windows(self, sents: list[Sentence]) -> list[_Window]:
        """Each sentence alone, and with the sentence before it in the same passage."""
        out = []
        for i, s in enumerate(sents):
            out.append(_Window((s,)))
            prev = sents[i - 1] if i else None
            if prev is not None and prev.passage_rank == s.passage_rank and prev.end <= s.start:
                out.append(_Window((prev, s)))
        return out

    # -- answering ---------------------------------------------------------------------------
    def answer(self, question: str, passages: list[Passage], ctx: AnswerContext) -> Answer:
        q = Question.parse(question)
        if not q.content or not passages:
            return abstain(question)
        vocab = ctx.vocabulary
        # Key terms name the topic; the other terms (the predicate: "own", "released") pick the fact.
        weight = {t: vocab.idf(t) * (1.0 if t in q.keys else 2.0) for t in q.content}
        total = sum(weight.values())

        def judge(w: _Window) -> _Judged:
            own = w.stems
            context = ctx.document_stems.get(w.sentences[0].source, frozenset())
            # Key terms (names, numbers) may be established by the article around the quote;
            # every other content term must be in the quote itself.
            covered = [t for t in q.content if t in own or (t in q.keys and t in context)]
            cov = sum(weight[t] for t in covered) / total
            cov_own = sum(weight[t] for t in q.content if t in own) / total
            prox = self.proximity(q, w.text) if q.expects else 0.0
            score = 0.5 * cov + 0.5 * cov_own + 0.3 * prox + 0.1 / w.sentences[-1].passage_rank
            score -= 0.05 * (len(w.sentences) - 1)
            ok = (
                all(k in own or k in context for k in q.keys)
                and (not q.keys or any(k in own for k in q.keys))
                and len(q.content) - len(covered) <= len(q.content) // 4
                and cov >= self.min_coverage
                and self.has_type(q.expects, w.text, q)
            )
            return _Judged(w, score, ok)

        judged = sorted(
            (judge(w) for w in self._windows(self._sentences(passages))),
            key=lambda j: (
                -j.score,
                j.window.sentences[-1].passage_rank,
                j.window.sentences[0].start,
            ),
        )
        best = judged[0]
        if not best.ok:
            return abstain(question)
        chosen = list(best.window.sentences)
        # Corroborating (or disagreeing) quotes from other documents, nearly as good.
        for j in judged[1:]:
            if len(chosen) >= self.max_sentences or j.score < SECOND_QUOTE_RATIO * best.score:
                break
            if not j.ok or len(j.window.sentences) > 1:
                continue
            s = j.window.sentences[0]
            if s.source in {c.source for c in chosen}:
                continue
            if q.expects and self.proximity(q, s.text) < 0.5:
                continue
            chosen.append(s)

        citations, parts = [], []
        for n, s in enumerate(chosen, start=1):
            title = ctx.titles.get(s.source, s.source)
            citations.append(
                Citation(n, s.source, title, s.start, s.end, s.text, round(best.score, 4))
            )
            parts.append(f"{' '.join(s.text.split())} [{n}]")
        return Answer(text=" ".join(parts), abstained=False, citations=citations)


@dataclass(frozen=True)
class _Window:
    sentences: tuple[Sentence, ...]

    @property
    def stems(self) -> frozenset[str]:
        return frozenset().union(*(s.stems for s in self.sentences))

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


@dataclass(frozen=True)
class _Judged:
    window: _Window
    score: float
    ok: bool
