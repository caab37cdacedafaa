"""Terms: the one tokenizer shared by BM25, the answerer's coverage checks and abstention.

Lower-cased words and numbers, possessives and thousands separators folded ("DeepSeek’s" ->
"deepseek", "50,000" -> "50000"), English stop words removed, Snowball-stemmed (PyStemmer).
A :class:`Vocabulary` holds document frequencies over chunks, for idf weights. It knows nothing
about embeddings; it does not handle languages other than English.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over  same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom whose why will with would you your yours yourself
    yourselves s t don according said says say tell told know give gave many much""".split()
)
# Question scaffolding: never a content term of the question ("What did X say about Y?").
QUESTION_WORDS = frozenset(
    """what when where which who whom whose why how many much did does do was were is are has have
    had name named list describe explain mention mentioned article articles text corpus document
    documents report reported reports per kind sort type exactly""".split()
)

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W_]+")
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")

_stemmer = Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(word))


@dataclass(frozen=True)
class Token:
    surface: str  # as written, possessive removed
    stem: str
    start: int  # offset in the tokenized string

    @property
    def is_number(self) -> bool:
        return self.surface[0].isdigit()

    @property
    def is_named(self) -> bool:
        """Capitalised, an acronym, or alphanumeric ("Nvidia", "UN", "R1", "H100")."""
        s = self.surface
        return s[0].isupper() or any(c.isdigit() for c in s)


def surfaces(text: str) -> list[str]:
    """The words and numbers of ``text`` as written (possessives and thousands separators
    folded), stop words included: what :func:`tokens` looks at, without offsets or stems."""
    return _TOKEN.findall(_THOUSANDS.sub("", _POSSESSIVE.sub("  ", text)))


def tokens(text: str) -> list[Token]:
    text = _THOUSANDS.sub("", _POSSESSIVE.sub("  ", text))
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group()
        low = word.lower()
        if low in STOPWORDS:
            continue
        out.append(Token(word, stem(low), m.start()))
    return out


def stems(text: str) -> list[str]:
    return [t.stem for t in tokens(text)]


class Vocabulary:
    """Document frequencies of stems over a set of passages; idf for weighting query terms."""

    def __init__(self, docs: Iterable[Iterable[str]]):
        self.df: Counter[str] = Counter()
        self.n = 0
        for d in docs:
            self.add(d)

    def add(self, doc: Iterable[str]) -> None:
        """Count one more passage."""
        self.n += 1
        self.df.update(set(doc))

    def idf(self, term: str) -> float:
        """Smoothed idf; a term that never occurs gets the highest weight."""
        return math.log((self.n + 1) / (self.df.get(term, 0) + 0.5))

    def __contains__(self, term: object) -> bool:
        return term in self.df


_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:of\s+)?[A-Z][a-z]+){1,4}\b")


def acronyms(text: str) -> frozenset[str]:
    """Acronyms of capitalised runs ("European Union" -> "eu", "General Data Protection
    Regulation" -> "gdpr"), so a question's "EU" finds a text that spells it out."""
    out = set()
    for m in _CAPITALISED_RUN.finditer(text):
        words = [w for w in m.group().split() if w != "of"]
        out.add("".join(w[0] for w in words).lower())
    return frozenset(out)
