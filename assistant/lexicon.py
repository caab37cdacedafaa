"""Word vectors of the corpus vocabulary: each word embedded alone by the embedding model.

The answerer uses them to tell that a question's "released" is matched by a quote's "launch"
(cosine 0.46 with all-MiniLM-L6-v2) while "pundits" is not (0.12): meaning learned from data,
instead of a hand-written synonym table. Words are lower-cased alphabetic tokens of three or
more letters that are not stop words. The vectors are computed at ingest for words not seen
before and kept in the index folder (``words-<model key>.npz``, float16); a word met only at
query time (in a question) is embedded then, by the query encoder. It does not score anything.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from .terms import STOPWORDS

_WORD = re.compile(r"[^\W\d_]{3,}")
Encode = Callable[[Sequence[str]], np.ndarray]


def words(text: str) -> list[str]:
    """The lexicon's words of ``text``, lower-cased, in order (with repeats)."""
    return [w for m in _WORD.finditer(text) if (w := m.group().lower()) not in STOPWORDS]


class Lexicon:
    def __init__(self, path: Path):
        self.path = path
        self._index: dict[str, int] = {}
        self._vectors = np.zeros((0, 0), dtype=np.float16)
        self._extra: dict[str, np.ndarray] = {}  # words embedded at query time
        self._lock = threading.Lock()
        if path.exists():
            data = np.load(path, allow_pickle=False)
            self._index = {str(w): i for i, w in enumerate(data["words"])}
            self._vectors = data["vectors"]

    @staticmethod
    def file(index_dir: Path, model_key: str) -> Path:
        return index_dir / f"words-{model_key}.npz"

    def __len__(self) -> int:
        return len(self._index)

    def missing(self, texts: Iterable[str]) -> list[str]:
        seen: dict[str, None] = {}
        for t in texts:
            for w in words(t):
                if w not in self._index:
                    seen[w] = None
        return list(seen)

    def add(self, new: Sequence[str], vectors: np.ndarray) -> None:
        """Add words with their vectors and save the file (written whole, then renamed)."""
        if not len(new):
            return
        start = len(self._index)
        old = self._vectors if len(self._vectors) else np.zeros((0, vectors.shape[1]), np.float16)
        self._vectors = np.vstack([old, vectors.astype(np.float16)])
        self._index.update({w: start + i for i, w in enumerate(new)})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp.npz")
        order = sorted(self._index, key=self._index.__getitem__)
        np.savez(tmp, words=np.array(order), vectors=self._vectors)
        tmp.replace(self.path)

    def vectors(self, ws: Sequence[str], encode: Encode) -> np.ndarray:
        """One normalised row per word; words not in the lexicon are embedded by ``encode``."""
        unknown = [w for w in dict.fromkeys(ws) if w not in self._index and w not in self._extra]
        if unknown:
            vecs = encode(unknown)
            with self._lock:
                if len(self._extra) > 4096:
                    self._extra.clear()
                self._extra.update(zip(unknown, vecs, strict=True))
        if not ws:
            dim = self._vectors.shape[1] if len(self._vectors) else 1
            return np.zeros((0, dim), dtype=np.float32)
        idx = [self._index.get(w, -1) for w in ws]
        known = [j for j, i in enumerate(idx) if i >= 0]
        if len(known) == len(ws):  # the common case: one gather, one conversion
            return self._vectors[idx].astype(np.float32)
        extra = [self._extra[w] for w, i in zip(ws, idx, strict=True) if i < 0]
        out = np.empty((len(ws), len(extra[0])), dtype=np.float32)
        if known:
            out[known] = self._vectors[[idx[j] for j in known]]
        out[[j for j, i in enumerate(idx) if i < 0]] = np.stack(extra)
        return out
