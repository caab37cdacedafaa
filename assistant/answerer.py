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
from collections.abc import Iterator
from dataclasses import dataclass

from . import terms
from .answer import NOT_IN_CORPUS, Answer, Citation
from .retrieval import Passage
from .sentences import split_spans

MIN_COVERAGE = 0.5
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
    "call describe label term dub frame nickname",
    "top first lead",
    "steep sharp big large huge massive",
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
_PERSON = re.compile(r"\b[A-Z][a-z]+(?:[\s-](?:[A-Z][a-z]+|[A-Z]{2,}))+\b")
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
    ("owner", re.compile(r"^\s*whose\b", re.I)),
    ("name", re.compile(r"^\s*(who|whom)\b|\bwho (is|was|are|were)\b", re.I)),
]


# "Which countries ...", "what share of ...": a lower-case noun that names the kind of answer. It is
# not required in the quote (the answer *is* one). After "how many" the noun is what is counted,
# so it stays required.
_HEAD_NOUN = re.compile(
    r"^\s*(?i:(?:on|in|at|for|from|to|by|of)\s+)?(?i:which|what)\s+"
    r"((?:[a-z][a-z-]*\s+){0,2}[a-z][a-z-]*)"
    r"(?=\s+(?:of\b|(?i:is|was|are|were|did|does|do|has|have|had|can|could|will|would)\b))"
)


# Without an auxiliary ("Which countries refused ..."), only the word after "which".
_HEAD_WORD = re.compile(
    r"^\s*(?i:(?:on|in|at|for|from|to|by|of)\s+)?(?i:which|what)\s+([a-z][a-z-]*)\b"
)
# A sentence that leans on the one before for its subject ("He argued ...", "“DeepSeek R1 is ...").
_QUOTE_OPEN = re.compile(r"^\s*[\"“‘']")
_ATTRIBUTION = re.compile(
    r"\b(said|says|wrote|writes|told|added|noted|warned|argued|remarked|according to|"
    r"(?:comment|remark|statement|quote) was made by)\b",
    re.IGNORECASE,
)
_ANAPHOR = re.compile(
    r"^\W*(?:he|she|it|they|his|her|its|their|the (?:company|firm|startup|lab|country|"
    r"government|president|model|app))\b|^\s*[\"“‘']|^.{0,40}\b(?:this|these|those|such)\s+\w+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Question:
    text: str
    content: tuple[str, ...]  # canonical stems of content terms
    keys: tuple[str, ...]  # canonical stems that must appear in the evidence
    key_words: tuple[str, ...]  # the same, as written (for names the answer must not echo)
    expects: str | None
    # the head noun of "which countries", "what share": the kind of answer asked for
    soft: tuple[str, ...] = ()
    # key terms grouped as written together ("Sam Altman", "Liang Wenfeng")
    names: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def parse(cls, text: str) -> Question:
        toks = [t for t in terms.tokens(text) if t.surface.lower() not in terms.QUESTION_WORDS]
        first_alpha = next((i for i, c in enumerate(text) if c.isalpha()), 0)
        keys, words = [], []
        names: list[list[str]] = []
        last_end = -10
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
                gap = text[last_end : t.start] if last_end >= 0 else "x"
                if names and not gap.strip(" -"):
                    names[-1].append(canon(t.stem))  # "Sam Altman", "Liang Wenfeng": one name
                else:
                    names.append([canon(t.stem)])
                last_end = t.start + len(s)
        expects = next((kind for kind, rx in _EXPECTS if rx.search(text)), None)
        head = _HEAD_NOUN.search(text) or _HEAD_WORD.search(text)
        head_words = head.group(1).lower().split() if head else []
        if any(w in terms.STOPWORDS for w in head_words):  # "what is the capital of": no head noun
            head_words = []
        soft = tuple(canon(terms.stem(w)) for w in head_words)
        content = tuple(t for t in dict.fromkeys(canon(t.stem) for t in toks) if t not in soft)
        return cls(
            text,
            content,
            tuple(dict.fromkeys(keys)),
            tuple(words),
            expects,
            soft,
            tuple(tuple(n) for n in names),
        )


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

    def stream(
        self, question: str, passages: list[Passage], ctx: AnswerContext
    ) -> Iterator[str | Answer]:
        """Text as it is produced, then the final :class:`Answer`; by default only the Answer."""
        yield self.answer(question, passages, ctx)


def abstain() -> Answer:
    """The answer that says the corpus does not cover the question; it quotes nothing."""
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
        if expects in ("name", "owner"):
            # "who": a person or an organisation written out ("Liang Wenfeng", "Scale AI"), not
            # a product token such as "ChatGPT"; "whose": any name ("OpenAI’s GPT-4")
            qwords = {w.lower() for w in q.key_words}
            pattern = _PERSON if expects == "name" else _NAME
            return [
                m.span()
                for m in pattern.finditer(text)
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
        toks = terms.tokens(text)
        anchors = [t.start for t in toks if canon(t.stem) in q.keys] or [
            t.start for t in toks if canon(t.stem) in q.content
        ]
        if not anchors:
            return 0.0
        gap = min(abs(a - s) if a < s else max(0, a - e) for s, e in found for a in anchors)
        return max(0.0, 1.0 - gap / 200)

    def _sentences(self, passages: list[Passage]) -> list[Sentence]:
        out = []
        for p in passages:
            for s, e in split_spans(p.text):
                text = p.text[s:e]
                stems = frozenset(canon(t) for t in terms.stems(text)) | terms.acronyms(text)
                out.append(Sentence(p.source, p.start + s, p.start + e, text, p.rank, stems))
        return out

    def _windows(self, sents: list[Sentence], q: Question) -> list[_Window]:
        """Each sentence alone; with the sentence before when it refers back to it ("He
        argued ..."); and, for "who" questions, a quotation with the attribution that follows it
        ("... This comment was made by Christopher Manning")."""
        out = []
        for i, s in enumerate(sents):
            out.append(_Window((s,)))
            prev = sents[i - 1] if i else None
            if (
                prev is not None
                and prev.passage_rank == s.passage_rank
                and prev.end <= s.start
                and _ANAPHOR.match(s.text)
            ):
                out.append(_Window((prev, s)))
            if q.expects == "name" and _QUOTE_OPEN.match(s.text):
                for later in sents[i + 1 : i + 3]:
                    if later.passage_rank != s.passage_rank:
                        break
                    if _ATTRIBUTION.search(later.text) and _NAME.search(later.text):
                        out.append(_Window((s, later), main=0))
                        break
        return out

    # -- answering ---------------------------------------------------------------------------
    def judge(self, question: str, passages: list[Passage], ctx: AnswerContext) -> list[Judged]:
        """Every candidate window, best first, with the reasons it may or may not answer."""
        q = Question.parse(question)
        if not q.content or not passages:
            return []
        vocab = ctx.vocabulary
        # Key terms name the topic; the other terms (the predicate: "own", "released") pick the fact.
        # A key term weighs at least the question's mean idf: "DeepSeek" is in every chunk, yet a
        # quote that never names the subject must not count as covering it.
        mean_idf = sum(vocab.idf(t) for t in q.content) / len(q.content)
        weight = {
            t: max(vocab.idf(t), mean_idf) if t in q.keys else 2.0 * vocab.idf(t) for t in q.content
        }
        total = sum(weight.values())
        passage_stems = {
            p.rank: frozenset(canon(t) for t in terms.stems(p.text)) | terms.acronyms(p.text)
            for p in passages
        }
        out = []
        for w in self._windows(self._sentences(passages), q):
            own = w.stems
            main = w.core.stems  # the other sentence of a pair only names the subject or speaker
            passage = passage_stems[w.core.passage_rank]
            article = ctx.document_stems.get(w.sentences[0].source, frozenset())
            # Key terms may come from the subject sentence or the article around the quote; the
            # other content terms (the predicate) must be in the quoted sentence itself.
            covered = [
                t for t in q.content if t in main or (t in q.keys and (t in own or t in article))
            ]
            missing = tuple(t for t in q.content if t not in covered)
            cov = sum(weight[t] for t in covered) / total
            cov_own = sum(weight[t] for t in q.content if t in own) / total
            predicate = [t for t in q.content if t not in q.keys]
            pred_total = sum(weight[t] for t in predicate)
            pred_cov = (
                sum(weight[t] for t in predicate if t in main) / pred_total if pred_total else 0.0
            )
            prox = self.proximity(q, w.text) if q.expects else 0.0
            soft = sum(1 for t in q.soft if t in own) / len(q.soft) if q.soft else 0.0
            score = 0.5 * cov + 0.5 * cov_own + 0.3 * prox + 0.2 * soft
            score += 0.1 / w.core.passage_rank - 0.05 * (len(w.sentences) - 1)
            # A name the question gives must be quoted (in part: "Liang" for "Liang Wenfeng"),
            # stand whole in the same passage, or - when the quote covers most of what the
            # question asks about it - in the same article. A number or model id ("R1", "2024")
            # must be in the quote or its passage. Unless the quote covers the rest of the
            # question well, at least one key term must be quoted.
            names_ok = all(
                any(k in own for k in name)
                or all(k in passage for k in name)
                or (pred_cov >= 2 / 3 and all(k in article for k in name))
                for name in q.names
            )
            keys_ok = (
                names_ok
                and all(k in own or k in passage for k in q.keys if any(c.isdigit() for c in k))
                and (not q.keys or any(k in own for k in q.keys) or cov_own >= 0.6)
            )
            # The asked-for date or number must sit near the question's terms, not anywhere.
            typed = self.has_type(q.expects, w.text, q) and (
                q.expects not in ("date", "number") or prox >= 0.5
            )
            ok = (
                keys_ok
                and typed
                and sum(1 for t in predicate if t not in main) <= len(predicate) // 2
                and cov >= self.min_coverage
            )
            out.append(Judged(w, round(score, 4), ok, round(cov, 3), missing, keys_ok, typed))
        out.sort(key=lambda j: (-j.score, j.window.core.passage_rank, j.window.sentences[0].start))
        return out

    def answer(self, question: str, passages: list[Passage], ctx: AnswerContext) -> Answer:
        judged = self.judge(question, passages, ctx)
        best = next((j for j in judged if j.ok), None)
        if best is None:
            return abstain()
        q = Question.parse(question)
        chosen = list(best.window.sentences)
        # Corroborating (or disagreeing) quotes from other documents, nearly as good.
        for j in judged:
            if j is best:
                continue
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
    """Quoted sentences in document order; ``main`` is the one that must answer the question."""

    sentences: tuple[Sentence, ...]
    main: int = -1  # index into sentences; the others only name the subject or the speaker

    @property
    def core(self) -> Sentence:
        return self.sentences[self.main]

    @property
    def stems(self) -> frozenset[str]:
        return frozenset().union(*(s.stems for s in self.sentences))

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


@dataclass(frozen=True)
class Judged:
    """One candidate window and why it does or does not answer the question."""

    window: _Window
    score: float
    ok: bool
    coverage: float
    missing: tuple[str, ...]
    keys_ok: bool
    typed: bool
