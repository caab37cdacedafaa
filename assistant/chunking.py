"""Chunking: sentence-aware chunks that fit the embedding model's window, with exact spans.

Sentences of one cleaned block (see :mod:`assistant.cleaning`) are packed greedily until the next
one would pass ``budget`` wordpieces, special tokens included. A chunk never crosses chrome, so its
span ``text[start:end]`` holds article text only. A sentence longer than the window is cut at word
boundaries. Every chunk is re-tokenized whole and must fit ``window``: the model never silently
drops text. It does not embed anything.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from tokenizers import Tokenizer

from .cleaning import blocks
from .errors import DependencyError
from .sentences import split_spans


@dataclass(frozen=True)
class Chunk:
    source: str
    ordinal: int
    start: int
    end: int
    text: str
    tokens: int


class TokenCounter:
    """Counts the model's wordpieces with its own ``tokenizer.json`` (no torch needed)."""

    def __init__(self, tokenizer_file: Path):
        if not tokenizer_file.exists():
            raise DependencyError(
                f"{tokenizer_file} is missing; the embedding model folder needs a tokenizer.json "
                "(save it with the model's tokenizer.save_pretrained)"
            )
        tok = Tokenizer.from_file(str(tokenizer_file))
        tok.no_padding()
        tok.no_truncation()
        self._tok = tok
        self.specials = len(tok.encode("").ids)

    def count(self, texts: list[str]) -> list[int]:
        return [len(e.ids) for e in self._tok.encode_batch(texts)]

    def word_cuts(self, text: str, limit: int) -> list[int]:
        """Offsets where ``text`` must be cut so each piece has at most ``limit`` wordpieces."""
        starts = [s for s, _e in self._tok.encode(text, add_special_tokens=False).offsets]
        cuts: list[int] = []
        taken = 0
        for i in range(len(starts)):
            if i - taken < limit:
                continue
            j = i  # back off to the first wordpiece of the word that token i belongs to
            while j > taken + 1 and starts[j] > 0 and not text[starts[j] - 1].isspace():
                j -= 1
            cuts.append(starts[j])
            taken = j
        return cuts


def _sentence_spans(
    text: str, counter: TokenCounter, window: int
) -> list[list[tuple[int, int, int]]]:
    """Per block, (start, end, wordpieces) of each sentence, long sentences cut to fit."""
    out = []
    for block in blocks(text):
        spans = [s for line in block.lines for s in split_spans(text, line.start, line.end)]
        counts = counter.count([text[s:e] for s, e in spans])
        items: list[tuple[int, int, int]] = []
        for (s, e), n in zip(spans, counts, strict=True):
            if n <= window:
                items.append((s, e, n - counter.specials))
                continue
            bounds = (
                [s] + [s + c for c in counter.word_cuts(text[s:e], window - counter.specials)] + [e]
            )
            for a, b in itertools.pairwise(bounds):
                piece = text[a:b].strip()
                if piece:
                    a2 = a + text[a:b].index(piece)
                    items.append(
                        (a2, a2 + len(piece), counter.count([piece])[0] - counter.specials)
                    )
        out.append(items)
    return out


def chunk_document(
    source: str, text: str, counter: TokenCounter, budget: int, window: int
) -> list[Chunk]:
    budget = min(budget, window)
    spans: list[tuple[int, int]] = []
    for items in _sentence_spans(text, counter, window):
        cur_start = cur_end = -1
        used = counter.specials
        for s, e, n in items:
            if cur_start >= 0 and used + n > budget:
                spans.append((cur_start, cur_end))
                cur_start, used = -1, counter.specials
            if cur_start < 0:
                cur_start = s
            cur_end, used = e, used + n
        if cur_start >= 0:
            spans.append((cur_start, cur_end))
    # Verify whole-chunk counts: joining can differ from the sum for some tokenizers.
    counts = counter.count([text[s:e] for s, e in spans])
    chunks: list[Chunk] = []
    for (s, e), n in zip(spans, counts, strict=True):
        if n > window:
            raise DependencyError(
                f"chunk {source}[{s}:{e}] has {n} wordpieces, over the model window of {window}; "
                "lower ASSISTANT_CHUNK_TOKENS"
            )
        chunks.append(Chunk(source, len(chunks), s, e, text[s:e], n))
    return chunks
