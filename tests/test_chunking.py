"""Chunks: exact spans, within the model window, never across chrome (real tokenizer)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.chunking import TokenCounter, chunk_document
from assistant.cleaning import clean
from assistant.embedding import ModelFiles

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture(scope="module")
def counter(model: ModelFiles) -> TokenCounter:
    return TokenCounter(model.tokenizer_file)


def test_model_window_is_read_from_the_model(model: ModelFiles) -> None:
    assert model.window == 256
    assert model.pooling == "mean"


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.txt")))
def test_real_corpus_chunks(name: str, counter: TokenCounter, model: ModelFiles) -> None:
    text = (CORPUS / name).read_text(encoding="utf-8")
    chunks = chunk_document(name, text, counter, 128, model.window)
    assert chunks
    kept = [(b.start, b.end) for run in clean(text).runs for b in run]
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert c.tokens == counter.count([c.text])[0] <= 128
        # made of cleaned blocks only: no chrome in any chunk, and its units are its sentences
        assert any(s <= c.start < e for s, e in kept)
        assert c.units[0][0] == c.start and c.units[-1][1] == c.end
    # chunks are in order and do not overlap
    assert all(a.end <= b.start for a, b in itertools.pairwise(chunks))
    # every kept sentence is in exactly one chunk: nothing is lost to the window
    covered = sum(len(c.text) for c in chunks)
    assert covered >= 0.97 * sum(e - s for s, e in kept)


def test_a_sentence_longer_than_the_window_is_cut_at_words(counter: TokenCounter) -> None:
    text = "Intro sentence here. " + " ".join(f"word{i}" for i in range(400)) + " end."
    chunks = chunk_document("long.txt", text, counter, 256, 256)
    assert len(chunks) >= 3
    for c in chunks:
        assert c.tokens <= 256
        assert text[c.start : c.end] == c.text
        assert not c.text[0].isspace() and not c.text[-1].isspace()
    words = " ".join(c.text for c in chunks).split()
    assert words == text.split()  # every word kept, none split in half


_word = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N"]), min_size=1, max_size=12
)
_sentence = st.lists(_word, min_size=1, max_size=30).map(lambda ws: " ".join(ws).capitalize() + ".")
_paragraph = st.lists(_sentence, min_size=1, max_size=8).map(" ".join)
_document = st.lists(_paragraph, min_size=1, max_size=6).map("\n\n".join)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=_document, budget=st.integers(min_value=16, max_value=256))
def test_offsets_round_trip_for_every_chunk(doc: str, budget: int, counter: TokenCounter) -> None:
    chunks = chunk_document("p.txt", doc, counter, budget, 256)
    for c in chunks:
        assert doc[c.start : c.end] == c.text
        assert counter.count([c.text])[0] <= 256
    assert all(a.end <= b.start for a, b in itertools.pairwise(chunks))
