"""Question analysis: the content terms of a question, the names it gives, what kind of answer it
asks for, and where a text holds that kind of answer.

Content terms are :mod:`assistant.terms` stems without question scaffolding ("what", "did").
A *name* is a capitalised word after the first, an acronym, or a token with a digit ("R1",
"2.39"); adjacent ones form one name ("Liang Wenfeng"). The expected answer type comes from the
question form: "when"/"what year" asks for a date, "how many"/"how much" for a number, "which
version" for a version, "who", "what is the name of" or "name the ..." for a name (a run of
capitalised words, an acronym or a camel-case word such as "HarmonyOS"). No synonym lists: meaning is left to
the embedding model (:mod:`.features`). It does not score anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import terms

_MONTH = (
    r"(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?"
    r"|oct(ober)?|nov(ember)?|dec(ember)?)"
)
_DATE = re.compile(
    rf"\b({_MONTH}\b\.?(\s+\d{{1,2}})?|(19|20)\d\d\b|\d{{1,2}}\s+{_MONTH}\b|\d{{4}}-\d\d-\d\d)",
    re.I,
)
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|sixty|ninety|hundred|thousand|million|billion|trillion|dozen|half|double|twice)\b",
    re.I,
)
_VERSION = re.compile(r"\b\d+(?:\.\d+)+[a-z]?\b|\bv\d+\b|\bversion\s+\d+", re.I)
_PERSON = re.compile(
    r"\b[A-Z][a-z]+(?:[\s-](?:[A-Z][a-z]+|[A-Z]{2,}|[A-Z]\.))+|\b[A-Z]{2,}\b"
    r"|\b[A-Z][a-z]+[A-Z]\w*"  # a camel-case name: "HarmonyOS", "OpenAI"
)

_EXPECTS = [
    (
        "date",
        re.compile(
            r"^\s*(when|since when|until when|by when)\b|\b(what|which)(?:'s| is| was| are)?"
            r"(?: the)?(?: \w+){0,2} (year|date|month|day)\b|\bhow long ago\b",
            re.I,
        ),
    ),
    (
        "version",
        re.compile(r"\b(what|which)(?: \S+){0,2} (version|release)\b", re.I),
    ),
    (
        "number",
        re.compile(
            r"\bhow (many|much|old|long|big|large|often|far)\b|\bwhat (percentage|percent|share|"
            r"proportion|fraction|amount|number|valuation|price|sum|age|size|limit|period)\b",
            re.I,
        ),
    ),
    (
        "name",
        re.compile(
            r"^\s*(who|whom|whose)\b|\bwho (is|was|are|were|has|had)\b"
            r"|\b(what|which)(?:'s| is| was| are| were)? the names?\b|^\s*name\b|\bcalled\?",
            re.I,
        ),
    ),
]


@dataclass(frozen=True)
class Question:
    text: str
    content: tuple[str, ...]  # stems of the content terms, in order, without repeats
    names: tuple[tuple[str, ...], ...]  # stems of each name the question gives
    name_words: frozenset[str]  # the same names as written, lower-cased
    expects: str | None  # "date", "version", "number", "name" or None

    @classmethod
    def parse(cls, text: str) -> Question:
        toks = [t for t in terms.tokens(text) if t.surface.lower() not in terms.QUESTION_WORDS]
        first_alpha = next((i for i, c in enumerate(text) if c.isalpha()), 0)
        names: list[list[str]] = []
        words: set[str] = set()
        last_end = -10
        for t in toks:
            s = t.surface
            named = (
                any(c.isdigit() for c in s)
                or (len(s) > 1 and s.isupper())
                or any(c.isupper() for c in s[1:])
                or (s[0].isupper() and t.start > first_alpha)
            )
            if not named:
                continue
            words.add(s.lower())
            gap = text[last_end : t.start] if last_end >= 0 else "x"
            if names and not gap.strip(" -"):
                names[-1].append(t.stem)  # "Liang Wenfeng", "Apache License": one name
            else:
                names.append([t.stem])
            last_end = t.start + len(s)
        expects = next((kind for kind, rx in _EXPECTS if rx.search(text)), None)
        content = tuple(dict.fromkeys(t.stem for t in toks))
        return cls(text, content, tuple(tuple(n) for n in names), frozenset(words), expects)

    def type_spans(self, text: str) -> list[tuple[int, int]]:
        """Where ``text`` holds the kind of answer asked for (not a name the question gave)."""
        if self.expects == "date":
            return [m.span() for m in _DATE.finditer(text)]
        if self.expects == "number":
            return [m.span() for m in _NUMBER.finditer(text)]
        if self.expects == "version":
            return [m.span() for m in _VERSION.finditer(text)]
        if self.expects == "name":
            return [
                m.span()
                for m in _PERSON.finditer(text)
                if not set(m.group().lower().replace("-", " ").split()) <= self.name_words
            ]
        return []
