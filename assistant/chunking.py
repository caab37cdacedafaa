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

    def pieces(self, text: str, limit: int) -> list[tuple[int, int, int]]:
        """``text`` cut into pieces of at most ``limit`` wordpieces, at word starts (as the
        tokenizer's pre-tokenizer splits words: at spaces and punctuation) where a word fits: (start, end, wordpieces) per piece, offsets into ``text``. One tokenization,
        linear in the length: a piece's count is read off the offsets, and only a piece that
        starts inside a word (one word longer than ``limit``) is counted again on its own."""
        enc = self._tok.encode(text, add_special_tokens=False)
        starts = [s for s, _e in enc.offsets]
        words = enc.word_ids  # the pre-tokenizer's word of each wordpiece
        n = len(starts)
        word_start = [i == 0 or words[i] != words[i - 1] for i in range(n)]
        last = [0] * n  # the latest word start at or before each wordpiece
        for i in range(1, n):
            last[i] = i if word_start[i] else last[i - 1]
        bounds = [0]
        while n - bounds[-1] > limit:
            i = bounds[-1] + limit
            j = last[i]
            bounds.append(j if j > bounds[-1] else i)  # no word start to back off to: cut here
        bounds.append(n)
        out = []
        for a, b in itertools.pairwise(bounds):
            start = starts[a]
            end = starts[b] if b < n else len(text)
            out.append((start, end, b - a))
        redo = [k for k, (a, _b) in enumerate(itertools.pairwise(bounds)) if not word_start[a]]
        if redo:
            sizes = self.count([text[out[k][0] : out[k][1]] for k in redo])
            for k, size in zip(redo, sizes, strict=True):
                out[k] = (out[k][0], out[k][1], size - self.specials)
        return out


Unit = tuple[int, int, int]  # start, end, wordpieces without special tokens
LONG_SPAN_CHARS = 8192


def _units(text: str, block: Block, counter: TokenCounter, window: int) -> list[Unit]:
    """A block's quotable units: its sentences (text, list items), or the whole block (a
    heading, a table row, code), each cut at word boundaries if longer than the window."""
    if block.kind in (structure.TEXT, structure.ITEM):
        spans = split_spans(text, block.start, block.end)
    else:
        spans = [(block.start, block.end)]
    # A long span goes straight to ``pieces`` (one tokenization that also counts); the rest are
    # counted in one batch.
    short = [(s, e) for s, e in spans if e - s <= LONG_SPAN_CHARS]
    counts = dict(zip(short, counter.count([text[s:e] for s, e in short]), strict=True))
    items: list[Unit] = []
    for s, e in spans:
        n = counts.get((s, e))
        if n is not None and n <= window:
            items.append((s, e, n - counter.specials))
            continue
        for a, b, size in counter.pieces(text[s:e], window - counter.specials):
            piece = text[s + a : s + b]
            stripped = piece.strip()
            if stripped:
                a2 = s + a + piece.index(stripped)
                items.append((a2, a2 + len(stripped), size))
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
