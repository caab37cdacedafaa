"""Chunking: sentence-aware chunks that fit the embedding model's window, with exact spans.

The document is read as structural blocks and cleaned (:mod:`assistant.cleaning`); each block
gives quotable *units* - the sentences of a paragraph or list item, or a whole heading, table row
or code block - and units are packed greedily until the next one would pass ``budget`` wordpieces,
special tokens included. A heading starts a new chunk and a chunk never crosses chrome, so its
span ``text[start:end]`` holds document text of one section; it carries that section's heading
path and its unit spans (the answerer quotes whole units). A unit longer than the window is cut
at word boundaries. Every chunk is re-tokenized whole and must fit ``window``: the model never silently
drops text. It does not embed anything.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from tokenizers import Tokenizer

from . import structure
from .cleaning import Cleaned, clean
from .errors import DependencyError
from .sentences import split_spans
from .structure import Block


@dataclass(frozen=True)
class Chunk:
    source: str
    ordinal: int
    start: int
    end: int
    text: str
    tokens: int
    headings: tuple[str, ...] = ()  # the heading path above the chunk, outermost first
    units: tuple[tuple[int, int], ...] = ()  # its sentences (quotable units), absolute spans


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


Unit = tuple[int, int, int]  # start, end, wordpieces without special tokens


def _units(text: str, block: Block, counter: TokenCounter, window: int) -> list[Unit]:
    """A block's quotable units: its sentences (text, list items), or the whole block (a
    heading, a table row, code), each cut at word boundaries if longer than the window."""
    if block.kind in (structure.TEXT, structure.ITEM):
        spans = split_spans(text, block.start, block.end)
    else:
        spans = [(block.start, block.end)]
    counts = counter.count([text[s:e] for s, e in spans])
    items: list[Unit] = []
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
                items.append((a2, a2 + len(piece), counter.count([piece])[0] - counter.specials))
    return items


def chunk_document(
    source: str,
    text: str,
    counter: TokenCounter,
    budget: int,
    window: int,
    cleaned: Cleaned | None = None,
) -> list[Chunk]:
    """Chunks of ``text``: units packed greedily up to ``budget`` wordpieces, never across a
    heading or chrome; each chunk carries its heading path and its units (sentence spans)."""
    budget = min(budget, window)
    cleaned = cleaned if cleaned is not None else clean(text)
    kept = [b for run in cleaned.runs for b in run]
    paths = dict(zip((id(b) for b in kept), structure.heading_paths(kept), strict=True))
    pending: list[tuple[tuple[int, int, int], ...]] = []  # units of each chunk
    heads: list[tuple[str, ...]] = []
    for run in cleaned.runs:
        cur: list[Unit] = []
        used = counter.specials
        path: tuple[str, ...] = ()
        for block in run:
            if block.kind == structure.HEADING and cur:
                pending.append(tuple(cur))
                heads.append(path)
                cur, used = [], counter.specials
            for unit in _units(text, block, counter, window):
                if cur and used + unit[2] > budget:
                    pending.append(tuple(cur))
                    heads.append(path)
                    cur, used = [], counter.specials
                if not cur:
                    path = paths[id(block)]
                cur.append(unit)
                used += unit[2]
        if cur:
            pending.append(tuple(cur))
            heads.append(path)
    # Verify whole-chunk counts: joining can differ from the sum for some tokenizers.
    counts = counter.count([text[u[0][0] : u[-1][1]] for u in pending])
    chunks: list[Chunk] = []
    for units, path, n in zip(pending, heads, counts, strict=True):
        s, e = units[0][0], units[-1][1]
        if n > window:
            raise DependencyError(
                f"chunk {source}[{s}:{e}] has {n} wordpieces, over the model window of {window}; "
                "lower ASSISTANT_CHUNK_TOKENS"
            )
        chunks.append(
            Chunk(source, len(chunks), s, e, text[s:e], n, path, tuple((a, b) for a, b, _ in units))
        )
    return chunks
