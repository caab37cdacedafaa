"""The extractive answerer: quotes whole sentences of the passages, chosen by the evidence scorer.

Every candidate (a unit or two adjacent units, see :mod:`.features`) is scored; when the best
reaches the fitted threshold it is quoted verbatim and marked ``[1]``, else the answer is an
abstention. Another document's candidate that scores nearly as well (``SECOND_QUOTE_RATIO``) is
quoted too, so that agreeing or disagreeing sources are both shown. An answer stays within
``MAX_WORDS`` words: a longer sentence is quoted from the clause that answers (cut at ``;``, ``:``
or ``,``, never inside a word). It does not paraphrase or generate text. Given a :class:`.judge.Judge`,
the ranker's best few candidates are re-ranked and gated by an LLM's verdicts instead.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .. import terms
from ..answer import Answer, Citation
from ..retrieval import Passage
from .base import AnswerContext, Answerer, abstain
from .features import Candidate, candidates, features, is_heading, units_of
from .judge import Judge
from .question import Question
from .scorer import EvidenceScorer

MAX_WORDS = 60
MAX_QUOTES = 3
SECOND_QUOTE_RATIO = 0.85
_MARK = re.compile(r"(?:#{1,6}|\*+|[-+•])[ \t]+")  # a Markdown/outline heading or a bullet
_CLAUSE = re.compile(r"(?<=[;:,])\s+|\s+(?=[-–—]\s)")


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    score: float  # the ranker's
    p: float  # the gate's probability that it should be quoted, as if it were the best


@dataclass(frozen=True)
class Quote:
    source: str
    start: int
    end: int
    text: str
    p: float
    headings: tuple[str, ...] = ()


def quote_of(c: Candidate, p: float) -> Quote:
    """The candidate as one verbatim span (adjacent units), or its last unit (heading pairs:
    see :func:`quotes_of`), without a leading heading or bullet mark ("## ", "** ", "- ")."""
    first, last = (c.units[0] if c.adjacent else c.units[-1]), c.units[-1]
    psg = first.passage
    text = psg.text[first.start - psg.start : last.end - psg.start]
    mark = _MARK.match(text)
    cut = mark.end() if mark and mark.end() < len(text) else 0
    return Quote(c.source, first.start + cut, last.end, text[cut:], p, psg.headings)


def quotes_of(c: Candidate, p: float) -> list[Quote]:
    """The candidate's verbatim spans: one, or the heading and the unit under it."""
    if c.adjacent:
        return [quote_of(c, p)]
    return [quote_of(Candidate((u,)), p) for u in c.units]


_LAST_WORD = re.compile(r"([^\W\d_]+)\s*$")


def _open_end(text: str) -> bool:
    """Ends with a colon, or with a function word ("is", "with", "the"): not a whole thought."""
    if text.rstrip().endswith(":"):
        return True
    last = _LAST_WORD.search(text)
    return last is not None and last.group(1).lower() in terms.STOPWORDS


def continued(c: Candidate, limit: int = MAX_WORDS) -> Candidate:
    """``c`` with the unit after it when its last unit introduces what follows and does not end
    ("Currently, you should set it to the debhelper v10 as follows:", "The macro to accomplish
    this is" before a code block): a quote is a whole thought. Within ``limit`` words (else
    without ``c``'s first unit); a heading is not an introduction."""
    last = c.units[-1]
    if not c.adjacent or not _open_end(last.text) or is_heading(c.passage, last):
        return c
    units = units_of(c.passage)
    at = next((i for i, u in enumerate(units) if u.start == last.start), None)
    if at is None or at + 1 >= len(units):
        return c
    for longer in (Candidate((*c.units, units[at + 1])), Candidate((last, units[at + 1]))):
        if longer.words <= limit:
            return longer
    return c


def trim(quote: Quote, q: Question, limit: int = MAX_WORDS) -> Quote:
    """The clause window of a long quote that best covers the question, within ``limit`` words."""
    if len(quote.text.split()) <= limit:
        return quote
    cuts = [0] + [m.end() for m in _CLAUSE.finditer(quote.text)] + [len(quote.text)]
    pieces = [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]
    want = set(q.content)
    best: tuple[float, int, int] | None = None
    for i in range(len(pieces)):
        for j in range(i, len(pieces)):
            s, e = pieces[i][0], pieces[j][1]
            text = quote.text[s:e]
            if len(text.split()) > limit:
                break
            have = set(terms.stems(text))
            # the asked-for kind of answer (a date, a number) weighs more than any term
            score = len(want & have) + (len(want) + 1.0 if q.expects and q.type_spans(text) else 0)
            score += 0.001 * len(text)  # prefer the longer window on a tie
            if best is None or score > best[0]:
                best = (score, s, e)
    if best is None:  # one clause longer than the limit: its first ``limit`` words
        words = list(re.finditer(r"\S+", quote.text))
        best = (0.0, 0, words[limit - 1].end())
    _, s, e = best
    text = quote.text[s:e].rstrip(",;: ")
    s += len(text) - len(text.lstrip())
    text = text.strip()
    return Quote(
        quote.source, quote.start + s, quote.start + s + len(text), text, quote.p, quote.headings
    )


class ExtractiveAnswerer(Answerer):
    name = "extractive"

    def __init__(
        self,
        scorer: EvidenceScorer | None = None,
        max_words: int = MAX_WORDS,
        judge: Judge | None = None,
    ):
        self._scorer = scorer
        self.max_words = max_words
        self.judge = judge
        if judge is not None:
            self.name = "judged"

    @property
    def scorer(self) -> EvidenceScorer:
        """The given scorer, or the fitted one, loaded at first use (so that the fitting script
        can open an index while the fitted weights are being replaced)."""
        if self._scorer is None:
            self._scorer = EvidenceScorer()
        return self._scorer

    @property
    def threshold(self) -> float:
        """The gate's bar: the judge's when there is one, else the evidence scorer's."""
        return self.judge.params.threshold if self.judge else self.scorer.threshold

    def rank(
        self, question: str, passages: list[Passage], ctx: AnswerContext
    ) -> tuple[list[Scored], float]:
        """Every candidate with its probability of answering, best first, and the gate's
        probability that the best one should be quoted."""
        cands = candidates(passages)
        if not cands:
            return [], 0.0
        _q, x = features(question, cands, ctx)
        scores = self.scorer.scores(x)
        probs = self.scorer.probabilities(x)
        out = [
            Scored(c, float(sc), float(p)) for c, sc, p in zip(cands, scores, probs, strict=True)
        ]
        out.sort(key=lambda s: (-s.score, s.candidate.passage.rank, s.candidate.units[0].start))
        if self.judge is not None:
            out = self._judged(question, out, ctx)
        return out, out[0].p

    def _judged(self, question: str, ranked: list[Scored], ctx: AnswerContext) -> list[Scored]:
        """The ranker's ``top_k`` candidates, re-ranked and gated by the judge's verdicts (see
        :mod:`.judge`); the others are not quoted."""
        assert self.judge is not None
        jw = self.judge.params
        out = []
        for s in ranked[: jw.top_k]:
            v = self.judge.verdict(question, s.candidate, ctx)
            p = 1.0 / (1.0 + math.exp(-(jw.gate_scale * v + jw.gate_bias)))
            out.append(Scored(s.candidate, s.score + jw.rank_weight * v, p))
        out.sort(key=lambda s: -s.score)  # stable: ties keep the ranker's order
        return out

    def answers(self, question: str, quotes: list[Quote], ctx: AnswerContext) -> bool:
        """Whether these spans, as passages, hold an answer that passes the gate."""
        spans = [
            Passage(x.source, x.start, x.end, x.text, 1.0, i, None, None)
            for i, x in enumerate(quotes, start=1)
        ]
        ranked, gate = self.rank(question, spans, ctx)
        return bool(ranked) and gate >= self.threshold

    def answer(self, question: str, passages: list[Passage], ctx: AnswerContext) -> Answer:
        ranked, gate = self.rank(question, passages, ctx)
        if not ranked or gate < self.threshold:
            return abstain()
        q = Question.parse(question)
        best = ranked[0]
        cand = continued(best.candidate, self.max_words)
        chosen = [trim(x, q, self.max_words) for x in quotes_of(cand, best.p)]
        words = sum(len(x.text.split()) for x in chosen)
        for s in ranked[1:]:
            if len(chosen) >= MAX_QUOTES or s.p < max(self.threshold, SECOND_QUOTE_RATIO * best.p):
                break
            if s.candidate.source in {c.source for c in chosen} or len(s.candidate.units) > 1:
                continue
            extra = quote_of(s.candidate, s.p)
            if words + len(extra.text.split()) > self.max_words:
                continue
            chosen.append(extra)
            words += len(extra.text.split())
        return render(chosen, ctx)


def render(quotes: list[Quote], ctx: AnswerContext) -> Answer:
    citations, parts = [], []
    for n, x in enumerate(quotes, start=1):
        title = ctx.titles.get(x.source, x.source)
        citations.append(
            Citation(
                n, x.source, title, x.start, x.end, x.text, round(x.p, 4), " › ".join(x.headings)
            )
        )
        parts.append(f"{' '.join(x.text.split())} [{n}]")
    return Answer(text=" ".join(parts), abstained=False, citations=citations)
