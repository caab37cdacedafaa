"""The chrome rule on the five real captures: chrome never kept, every article sentence kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.cleaning import clean
from assistant.sentences import split_spans
from assistant.structure import Block

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
FILES = sorted(p.name for p in CORPUS.glob("*.txt"))

CHROME = [
    "By continuing to browse our site",
    "CHOOSE YOUR LANGUAGE",
    "许可证10120180008",
    "Disinformation report hotline",
    "/CFP",
    "(CFP Photo)",
    "(CFP)",
    "please contact us at opinions@cgtn.com",
    "HomeNews",
    "Alamy Stock Photo",
    "Video: BBC.",
    "Man in suit speaking at a conference",
    "DeepSeek founder and chief executive, Liang Wenfeng.",
    "with advisors sit across a table",
    "attend the inauguration of Donald Trump, January 2025.",
    "LEAVE A REPLY",
    "Please enter your comment!",
    "Must Read",
    "• Mobile version",
    "Follow us on Wechat",
    "Reporter | Zhang Ruijun",
    "Related News",
    "01 logo",
    "Published 11 months ago",
    "About the Creator",
    "linkedin.com",
    "Be the first to share your insights",
    "Sign in to comment",
    "Wow! Open AI is so pushy!",
    "© 2026 Creatd, Inc. All Rights Reserved.",
    "Privacy Policy",
]

# The first and last sentence of each article body, which must survive.
ARTICLE = {
    "000_30acbf82789cbaa1.txt": [
        "Editor's note: Jessica Durdu",
        "The answer will shape the future of AI",
    ],
    "001_af794d3d027db4af.txt": [
        "We are within the early days of a seismic shift",
        "But by then, China’s AI horse had already bolted.",
        "fairly than openness.",
    ],
    "002_651b94a15906443a.txt": [
        "The competition among Chinese artificial intelligence firms",
        "ramifications sure to ripple across global markets and societal frameworks.",
    ],
    "003_451de67bba6a24d2.txt": [
        "At the AI Action Summit in Paris, DeepSeek",
        "Additionally, the AI practitioner grumbled",
        "you must seek deep ahead on the evolving AI road, indeed.",
    ],
    "004_8a705e1c907049a8.txt": [
        "OpenAI recently proposed restrictions on models like DeepSeek",
        "accelerates global progress.",
    ],
}


def blocks(text: str) -> list[Block]:
    return [b for run in clean(text).runs for b in run]


def kept_text(name: str) -> str:
    text = (CORPUS / name).read_text(encoding="utf-8")
    return "\n".join(text[b.start : b.end] for b in blocks(text))


def all_kept() -> str:
    return "\n".join(kept_text(n) for n in FILES)


@pytest.mark.parametrize("needle", CHROME)
def test_chrome_is_never_kept(needle: str) -> None:
    assert needle not in all_kept()


@pytest.mark.parametrize(("name", "needles"), sorted(ARTICLE.items()))
def test_article_sentences_are_kept(name: str, needles: list[str]) -> None:
    kept = kept_text(name)
    for needle in needles:
        assert needle in kept


def test_every_prose_sentence_of_002_is_kept() -> None:
    # 002 is a clean capture: the rule must keep all of it.
    text = (CORPUS / "002_651b94a15906443a.txt").read_text(encoding="utf-8")
    kept = kept_text("002_651b94a15906443a.txt")
    for s, e in split_spans(text):
        assert text[s:e] in kept


def test_kept_share_per_file() -> None:
    shares = {}
    for name in FILES:
        text = (CORPUS / name).read_text(encoding="utf-8")
        shares[name] = sum(b.end - b.start for b in blocks(text)) / len(text)
    assert all(0.75 < v <= 1.0 for v in shares.values()), shares


def test_rule_on_an_unseen_capture() -> None:
    page = (
        "Skip to main content\nSubscribe to our newsletter\n• Home\n• World\n\n"
        "A council approved the new bridge on Tuesday after a long debate.\n"
        "Officials said construction would start in May and last two years.\n"
        "The river crossing at dusk. (AFP Photo)\n"
        "The river crossing at dusk. (AFP Photo)\n"
        "Critics argued the budget of 40 million euros was too small for the project.\n"
        "It passed.\n"
        "Residents welcomed the vote, which ends a decade of planning disputes.\n\n"
        "Comments (12)\nGreat news for the town!\n© 2025 Example Media. All rights reserved.\n"
    )
    kept = "\n".join(page[b.start : b.end] for b in blocks(page))
    assert "council approved" in kept and "Residents welcomed" in kept
    assert "It passed." in kept  # a short sentence between prose lines
    for chrome in ["Skip to", "Subscribe", "• Home", "AFP Photo", "Comments", "Great news", "©"]:
        assert chrome not in kept
