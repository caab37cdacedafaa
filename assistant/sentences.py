"""Sentence splitting with exact character spans.

A rule-based splitter (no model, no download, about 1 MB/s): a sentence ends at ``.``, ``!``,
``?`` or ``…`` (plus any closing quotes or brackets) followed by whitespace and a capital, digit,
quote or bracket - or by two spaces, which hard-wrapped text uses between sentences - unless the
word before the period is an abbreviation ("U.S.", "Dr.", "e.g.") or an initial ("H.", "G.F."), or
the sentence so far is only a list number ("1.", "2.1.", "a)"). A line break is
whitespace: a hard-wrapped sentence stays one sentence. A blank line always ends one. Callers
pass one structural block at a time (:mod:`assistant.structure`), so headings, list items and
table rows are never joined to the text around them. ``tests/test_sentences.py`` checks it
against pysbd, a maintained segmenter, on real documents. It does not handle languages without
spaces between sentences.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt vs etc e.g i.e cf al fig approx dept est inc ltd co corp jan
    feb mar apr jun jul aug sep sept oct nov dec gen gov sen rep pres u.s u.k u.n e.u d.c a.m
    p.m ph.d nos vol vols pp eds approx viz resp incl v""".split()
)
_ENUMERATOR = re.compile(r"\s*\(?(?:\d{1,3}(?:\.\d{1,3})*|[a-zA-Z]|[ivxlcIVXLC]{1,6})[.)]?\s*")
_INITIALS = re.compile(r"(?:[A-Z]\.)+[A-Z]")  # "G.F" of "Pierre G.F. Gerard-Marchant"
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9]|  +\S)")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_PARAGRAPH = re.compile(r"\n[^\S\n]*\n\s*")


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at ``dot`` closes an abbreviation or an initial, not a sentence."""
    if text[dot] != ".":
        return False
    m = _WORD_BEFORE.search(text, max(0, dot - 24), dot)  # a window: no rescan of the prefix
    if not m:
        return False
    word = m.group(1).lower()
    if word in _ABBREVIATIONS or _INITIALS.fullmatch(m.group(1)):
        return True
    # An initial ("H. Ford") stands alone; "405B." or "Llama-3.1-405B." ends a sentence.
    before = text[m.start(1) - 1] if m.start(1) > 0 else " "
    return len(word) == 1 and m.group(1).isupper() and not (before.isalnum() or before in "-_")


def split_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans ``(s, e)`` of ``text[start:end]``, stripped, as absolute offsets."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    para_start = start
    pieces = [m.span() for m in _PARAGRAPH.finditer(text, start, end)] + [(end, end)]
    for p_end, next_start in pieces:
        cursor = para_start
        for m in _BOUNDARY.finditer(text, para_start, p_end):
            if _is_abbreviation(text, m.start()) or _ENUMERATOR.fullmatch(text, cursor, m.end()):
                continue  # "e.g.", or a list number ("1.", "2.1.", "a)") before its text
            spans.append((cursor, m.end()))
            cursor = m.end()
        spans.append((cursor, p_end))
        para_start = next_start
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out
