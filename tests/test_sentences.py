from __future__ import annotations

from assistant.sentences import split_spans


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_spans(text)]


def test_abbreviations_initials_and_decimals_do_not_split() -> None:
    text = "The U.S. ban is on hold. Dr. Smith met H. Ford in Washington D.C. on Monday. It cost US$1.5 billion."
    assert sentences(text) == [
        "The U.S. ban is on hold.",
        "Dr. Smith met H. Ford in Washington D.C. on Monday.",
        "It cost US$1.5 billion.",
    ]


def test_quotes_and_paragraphs() -> None:
    text = "He said “we will win.” Then he left!\n\nA new paragraph without a period\nNext line."
    assert sentences(text) == [
        "He said “we will win.”",
        "Then he left!",
        "A new paragraph without a period",
        "Next line.",
    ]


def test_spans_are_absolute_and_stripped() -> None:
    text = "xx  First one. Second one.  yy"
    spans = split_spans(text, 2, 28)
    assert [text[s:e] for s, e in spans] == ["First one.", "Second one."]
