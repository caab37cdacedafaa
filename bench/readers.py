"""Benchmark: document readers per format, and PDF ingest throughput against the same text as .txt.

    python bench/readers.py            # prints two tables (about 2 minutes on 2 cores)
    python bench/readers.py --runs 1   # one ingest per format instead of two

The text is the seed corpus (``corpus/``). Each document is written in every format by the
library that writes it (fpdf2 for PDF with a DejaVu font when there is one, python-docx, an
HTML page with navigation and footer around an ``<article>``, reStructuredText, Markdown), then:

* **extraction**: each format's reader over all documents, best of 3: milliseconds per
  document, MB of input per second and characters of text out per second;
* **ingest**: fresh indexes of the PDFs and of *their own extracted text* saved as ``.txt``, so
  both runs chunk and embed exactly the same text and the difference is the cost of reading
  PDFs. The model is loaded before timing (loading is not ingest work); each folder is ingested
  ``--runs`` times into a new index, alternating, and the median is reported. Target: PDF
  throughput at least 80% of the .txt throughput.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant import offline  # noqa: E402

offline.apply()  # an entry point: before any third-party import

CORPUS = REPO / "corpus"
FONTS = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
]


def paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def to_pdf(paras: list[str]) -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    font = next((f for f in FONTS if f.exists()), None)
    if font is not None:
        doc.add_font("body", fname=str(font))
        doc.set_font("body", size=11)
    else:  # core fonts are Latin-1 only
        doc.set_font("Helvetica", size=11)
        paras = [p.encode("latin-1", "replace").decode("latin-1") for p in paras]
    doc.add_page()
    for p in paras:
        doc.multi_cell(0, 6, p)
        doc.ln(3)
    return bytes(doc.output())


def to_docx(paras: list[str]) -> bytes:
    import docx

    doc = docx.Document()
    for p in paras:
        doc.add_paragraph(p)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def to_html(paras: list[str], title: str) -> bytes:
    from html import escape

    nav = "".join(f'<li><a href="/{s}/">{s.title()}</a></li>' for s in ["news", "sport", "world"])
    body = "".join(f"<p>{escape(p)}</p>" for p in paras)
    page = (
        f"<!DOCTYPE html><html><head><title>{escape(title)}</title></head><body>"
        f"<header><nav><ul>{nav}</ul></nav></header><main><article><h1>{escape(title)}</h1>"
        f"{body}</article></main><footer><p>Privacy policy. All rights reserved.</p></footer>"
        "</body></html>"
    )
    return page.encode("utf-8")


def to_rst(paras: list[str], title: str) -> bytes:
    return (title + "\n" + "=" * len(title) + "\n\n" + "\n\n".join(paras) + "\n").encode("utf-8")


def documents() -> dict[str, dict[str, bytes]]:
    """Every seed document in every format: ``{format: {file name: bytes}}``."""
    out: dict[str, dict[str, bytes]] = {f: {} for f in ["txt", "md", "rst", "html", "docx", "pdf"]}
    for path in sorted(CORPUS.glob("*.txt")):
        raw = path.read_bytes()
        paras = paragraphs(raw.decode("utf-8"))
        stem = path.stem
        out["txt"][f"{stem}.txt"] = raw
        out["md"][f"{stem}.md"] = ("\n\n".join(paras) + "\n").encode("utf-8")
        out["rst"][f"{stem}.rst"] = to_rst(paras, stem)
        out["html"][f"{stem}.html"] = to_html(paras, stem)
        out["docx"][f"{stem}.docx"] = to_docx(paras)
        out["pdf"][f"{stem}.pdf"] = to_pdf(paras)
    return out


def _read_all(files: dict[str, bytes]) -> None:
    from assistant import readers

    for name, data in files.items():
        readers.read(data, name)


def best_of(n: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def extraction(docs: dict[str, dict[str, bytes]]) -> None:
    from assistant import readers

    print(f"extraction ({len(docs['txt'])} seed documents per format, best of 3)\n")
    print(
        f"{'format':<8}{'input KB':>10}{'text chars':>12}{'ms/doc':>10}{'MB/s in':>10}{'chars/s':>12}"
    )
    for fmt, files in docs.items():
        for name, data in files.items():  # warm: imports and first-use costs are not per file
            readers.read(data, name)
        chars = sum(len(readers.read(d, n).text) for n, d in files.items())
        size = sum(len(d) for d in files.values())
        secs = best_of(3, partial(_read_all, files))
        print(
            f"{fmt:<8}{size / 1024:>10.1f}{chars:>12,}{secs / len(files) * 1000:>10.2f}"
            f"{size / 2**20 / secs:>10.1f}{chars / secs:>12,.0f}"
        )
    print()


def ingest_rates(docs: dict[str, dict[str, bytes]], runs: int) -> None:
    from assistant import Assistant, readers
    from assistant.config import Config
    from assistant.embedding import ModelFiles, sentence_transformer

    work = Path(tempfile.mkdtemp(prefix="bench-readers-"))
    try:
        pdf_dir, txt_dir = work / "pdf", work / "txt"
        pdf_dir.mkdir()
        txt_dir.mkdir()
        for name, data in docs["pdf"].items():
            (pdf_dir / name).write_bytes(data)
            text = readers.read(data, name).text  # the PDF's own text, saved as .txt
            (txt_dir / f"{Path(name).stem}.txt").write_bytes(text.encode("utf-8"))
        model = ModelFiles.resolve(None)
        sentence_transformer(model).embed_batch(["warm up"])  # model load is not ingest work
        results: dict[str, list[tuple[float, int, int]]] = {"txt": [], "pdf": []}
        for run in range(runs):
            for fmt, folder in [("txt", txt_dir), ("pdf", pdf_dir)]:
                cfg = Config(corpus_dir=folder, index_dir=work / f"index-{fmt}-{run}")
                stats = Assistant(config=cfg, progress=lambda _m: None).ingest()
                chars = sum(d.chars or 0 for d in Assistant(config=cfg).documents())
                results[fmt].append((stats.seconds, stats.chunks_total, chars))
        print(
            f"ingest: a fresh index, median of {runs} (model loaded beforehand; "
            f"{os.cpu_count()} cores)\n"
        )
        print(
            f"{'folder':<26}{'files':>6}{'chunks':>8}{'chars':>10}{'seconds':>9}"
            f"{'files/s':>9}{'chunks/s':>10}{'chars/s':>10}"
        )
        rate = {}
        for fmt in ["txt", "pdf"]:
            secs = statistics.median(r[0] for r in results[fmt])
            chunks, chars = results[fmt][0][1], results[fmt][0][2]
            files = len(docs["pdf"])
            rate[fmt] = chars / secs
            label = "PDF" if fmt == "pdf" else ".txt (the PDFs' own text)"
            print(
                f"{label:<26}{files:>6}{chunks:>8}{chars:>10,}{secs:>9.2f}"
                f"{files / secs:>9.2f}{chunks / secs:>10.1f}{chars / secs:>10,.0f}"
            )
        print(f"\nPDF ingest throughput / .txt: {rate['pdf'] / rate['txt']:.0%} (target >= 80%)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    logging.getLogger("fpdf").setLevel(logging.ERROR)  # glyphs DejaVu lacks (CJK) are left out
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=2, help="ingests per format (median)")
    args = ap.parse_args()
    docs = documents()
    extraction(docs)
    ingest_rates(docs, args.runs)


if __name__ == "__main__":
    main()
