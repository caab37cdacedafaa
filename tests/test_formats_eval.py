"""The same questions against the same text as .txt, PDF, DOCX and HTML (evals/formats.py).

A small slice of the software corpus (three documents and the questions they answer) is rendered
into every format with fpdf2, python-docx and a page with site chrome, each form gets a fresh
index, and the dev and test questions run against each. Real model, real readers: slow.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from assistant import evalset

from .conftest import REPO

DOCS = ["ca-certificates-README.Debian.txt", "requests-README.md", "tmux-README.txt"]


def load_formats() -> ModuleType:
    spec = importlib.util.spec_from_file_location("evals_formats", REPO / "evals" / "formats.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


formats = load_formats()


def test_renamed_support_and_outline_without_a_model() -> None:
    es = evalset.load(REPO / "evals" / "software" / "test.yaml")
    small = formats.subset(es, DOCS, unanswerable=False)
    assert small.cases and all(set(c.support) <= set(DOCS) for c in small.cases)
    names = {d: formats.rendered_name(d, "pdf") for d in DOCS}
    assert names["requests-README.md"] == "requests-README.pdf"
    assert formats.rendered_name("apt-NEWS.Debian.txt", "docx") == "apt-NEWS.Debian.docx"
    assert formats.rendered_name("README", "html") == "README.html"
    moved = formats.renamed_set(small, Path("/elsewhere"), names)
    assert [c.support for c in moved.cases] == [
        tuple(names[s] for s in c.support) for c in small.cases
    ]
    assert [c.question for c in moved.cases] == [c.question for c in small.cases]
    nodes = formats.outline(
        "Title\n=====\n\nA paragraph that is\nwrapped by hand.\n\n* one\n  * nested\n"
        "* two\n\n    code line\n\n```sh\n$ make\n```\n",
        markdown=True,
    )
    assert [(n.kind, n.text, n.level, n.marker) for n in nodes] == [
        ("heading", "Title", 1, ""),
        ("para", "A paragraph that is wrapped by hand.", 0, ""),
        ("item", "one", 0, "-"),
        ("item", "nested", 1, "-"),
        ("item", "two", 0, "-"),
        ("pre", "code line", 0, ""),
        ("pre", "$ make", 0, ""),
    ]


@pytest.mark.slow
def test_pdf_docx_and_html_answer_as_well_as_txt(tmp_path: Path) -> None:
    sets = [
        formats.subset(evalset.load(REPO / "evals" / "software" / f"{split}.yaml"), DOCS, False)
        for split in evalset.SPLITS
    ]
    assert sum(len(es.cases) for es in sets) >= 15
    results = {r.form: r for r in formats.compare(sets, tmp_path, docs=DOCS)}
    assert list(results) == ["txt", "pdf", "docx", "html"]
    txt = results["txt"]
    assert txt.correct >= 10  # the slice is answered from the .txt in the first place
    for form, r in results.items():
        assert r.documents == len(DOCS), form
        assert r.correct >= txt.correct - 1, (form, r.correct, txt.correct)
        passed, applicable = r.total("quotes_round_trip")
        assert passed == applicable, form
        assert r.words_kept / r.source_words > 0.97, form  # only Markdown fence labels may go
    pdf = results["pdf"].pdf
    assert pdf is not None and pdf.citations > 0
    assert pdf.with_page == pdf.round_trip == pdf.on_page == pdf.citations, pdf.problems
    assert results["html"].chrome_leaked == []
