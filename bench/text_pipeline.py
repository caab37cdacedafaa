"""Text pipeline cost per megabyte, on hostile single lines and on ordinary prose.

    python bench/text_pipeline.py            # 1 MB and 4 MB inputs
    python bench/text_pipeline.py --mb 1 8   # other sizes

Every stage that reads a document's text must be linear in its length: one long line without
whitespace, a run of e-mail-like or URL-like tokens, dots, digits or brackets must not make a
regular expression backtrack. For each input shape and size this prints the seconds per MB of
cleaning (``cleaning.clean``), structure parsing (``structure.parse``), sentence splitting
(``sentences.split_spans``) and chunking with the model's real tokenizer
(``chunking.chunk_document``). Linear means the s/MB column stays flat as the size grows; the
target is well under one second of work per MB for each stage. It measures; it asserts nothing
(speed belongs to benchmarks, not to timed tests).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import offline  # noqa: E402

offline.apply()  # an entry point: before any third-party import
from assistant import sentences, structure  # noqa: E402
from assistant.chunking import TokenCounter, chunk_document  # noqa: E402
from assistant.cleaning import clean  # noqa: E402
from assistant.engine import Assistant  # noqa: E402

PROSE = (
    "The committee met on 3 March 2025 to review the release notes of version 2.39.0. "
    "Mr. Smith asked whether the e.g. clause applied; see https://example.org/a/b?c=d and "
    "write to maintainers@example.org for details. It did not.\n"
)

SHAPES: dict[str, Callable[[int], str]] = {
    "one word, no whitespace": lambda n: "a" * n,
    "e-mail-like x@x@x...": lambda n: "x@" * (n // 2),
    "URL-like a/a/a...": lambda n: "http://" + "a/" * (n // 2),
    "dots a.a.a...": lambda n: "a." * (n // 2),
    "digits 1.2.1.2...": lambda n: "1.2." * (n // 4),
    "brackets [([(...": lambda n: "[(" * (n // 2),
    "capitals A B A B...": lambda n: "A B " * (n // 4),
    "ordinary prose, wrapped lines": lambda n: PROSE * (n // len(PROSE)),
}


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--mb", type=float, nargs="+", default=[1.0, 4.0])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = Assistant(index_dir=Path(tmp), corpus_dir=ROOT / "corpus").model
        counter = TokenCounter(model.tokenizer_file)
        window = model.window
    print("| input | MB | clean s/MB | parse s/MB | sentences s/MB | chunk s/MB | chunks |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, make in SHAPES.items():
        for mb in args.mb:
            text = make(int(mb * 1_000_000))
            size = len(text.encode("utf-8")) / 1e6
            cleaned = clean(text)
            t_clean = timed(partial(clean, text))
            t_parse = timed(partial(structure.parse, text))
            t_sent = timed(partial(sentences.split_spans, text))
            t0 = time.perf_counter()
            chunks = chunk_document("bench.txt", text, counter, 128, window, cleaned)
            t_chunk = time.perf_counter() - t0
            print(
                f"| {name} | {size:.1f} | {t_clean / size:.3f} | {t_parse / size:.3f} | "
                f"{t_sent / size:.3f} | {t_chunk / size:.3f} | {len(chunks):,} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
