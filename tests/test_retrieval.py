"""Hybrid retrieval: exactly k passages, and each ranker's top hits survive fusion."""

from __future__ import annotations

import pytest

from assistant import Assistant

QUESTION = "Who is the CGTN commentator who wrote the opinion piece on DeepSeek?"


@pytest.mark.parametrize("k", [1, 3, 4, 8])
def test_returns_exactly_k_in_rank_order(assistant: Assistant, k: int) -> None:
    passages = assistant.retrieve(QUESTION, k)
    assert len(passages) == k
    assert [p.rank for p in passages] == list(range(1, k + 1))
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)


def test_bm25_top_hit_is_kept_although_dense_misses_it(assistant: Assistant) -> None:
    retriever = assistant._ensure_open().retriever
    top_bm25 = retriever.records[retriever.bm25(QUESTION, 1)[0][0]]
    dense_ids = {i for i, _ in retriever.dense(QUESTION, 20)}
    assert retriever.records.index(top_bm25) not in dense_ids  # the case the rule exists for
    got = assistant.retrieve(QUESTION, 8)
    assert (top_bm25.source, top_bm25.start) in {(p.source, p.start) for p in got}
    assert any("Jessica Durdu" in p.text for p in got)


def test_a_markdown_heading_pairs_with_each_unit_under_it() -> None:
    """A passage that starts with its own heading, with or without '#' marks, offers
    (heading, unit) candidates: the version a changelog entry gives sits in its heading."""
    from assistant.answering.features import candidates
    from assistant.retrieval import Passage

    for mark in ("## ", ""):
        text = f"{mark}apt (2.5.2) unstable\nOne.\nTwo.\nThree."
        head = len(mark) + len("apt (2.5.2) unstable")
        spans = [(0, head), (head + 1, head + 5), (head + 6, head + 10), (head + 11, head + 17)]
        p = Passage(
            "NEWS.md", 0, len(text), text, 1.0, 1, None, None, "c",
            ("apt (2.5.2) unstable",), tuple(spans),
        )  # fmt: skip
        pairs = [c.text for c in candidates([p]) if not c.adjacent]
        assert pairs == [f"{mark}apt (2.5.2) unstable Two.", f"{mark}apt (2.5.2) unstable Three."]


def test_a_quote_leaves_out_its_heading_or_bullet_mark() -> None:
    """The quoted span starts after "## ", "** " or "- ", and is still the file's own text."""
    from assistant.answering.extractive import quote_of, quotes_of
    from assistant.answering.features import candidates
    from assistant.retrieval import Passage

    text = "## Supported versions\n- Python 3.9+ is supported.\n** Bug fixes"
    lines = text.split("\n")
    starts = [text.index(line) for line in lines]
    spans = tuple((s, s + len(line)) for s, line in zip(starts, lines, strict=True))
    p = Passage(
        "README.md", 100, 100 + len(text), text, 1.0, 1, None, None, "c",
        ("Supported versions",), tuple((100 + s, 100 + e) for s, e in spans),
    )  # fmt: skip
    singles = [c for c in candidates([p]) if len(c.units) == 1]
    quotes = [quote_of(c, 1.0) for c in singles]
    assert [q.text for q in quotes] == [
        "Supported versions",
        "Python 3.9+ is supported.",
        "Bug fixes",
    ]
    assert all(text[q.start - 100 : q.end - 100] == q.text for q in quotes)
    pair = next(c for c in candidates([p]) if len(c.units) == 2 and c.adjacent)
    assert [q.text for q in quotes_of(pair, 1.0)] == [
        "Supported versions\n- Python 3.9+ is supported."
    ]


def test_a_quote_that_introduces_what_follows_carries_on_into_it() -> None:
    """A sentence ending in a colon or a function word ("... you can run:", "The macro is")
    is not a whole thought: the quote takes the unit after it (a code block, a command)."""
    from assistant.answering.extractive import continued, quote_of
    from assistant.answering.features import Candidate, units_of
    from assistant.retrieval import Passage

    text = (
        "Requests is available on PyPI:\n\n```console\n$ python -m pip install requests\n```\n\n"
        "The macro that sets it is\n\n.PDF_TITLE\n\nIt takes any text."
    )
    blocks = [
        "Requests is available on PyPI:",
        "```console\n$ python -m pip install requests\n```",
        "The macro that sets it is",
        ".PDF_TITLE",
        "It takes any text.",
    ]
    spans = tuple((text.index(b), text.index(b) + len(b)) for b in blocks)
    p = Passage("README.md", 0, len(text), text, 1.0, 1, None, None, "c", (), spans)
    units = units_of(p)
    grown = [quote_of(continued(Candidate((u,))), 1.0).text for u in units]
    assert grown == [
        "Requests is available on PyPI:\n\n```console\n$ python -m pip install requests\n```",
        "```console\n$ python -m pip install requests\n```",
        "The macro that sets it is\n\n.PDF_TITLE",
        ".PDF_TITLE",  # ends in a name, not a function word
        "It takes any text.",  # the last unit: nothing after it
    ]
    pair = Candidate((units[1], units[2]))  # the open end is the pair's last unit
    assert [u.text for u in continued(pair).units] == [b for b in blocks[1:4]]
    assert continued(pair, limit=12).units == (units[2], units[3])  # too long: without the first
