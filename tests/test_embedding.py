"""The ONNX query encoder against sentence-transformers, and Chroma's top-k against brute force."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, DependencyError
from assistant.chunking import Chunk
from assistant.embedding import OnnxEmbedder, sentence_transformer
from assistant.ingest import embedding_text

from .conftest import REPO

# torch and sentence-transformers loaded in this process, the whole corpus embedded again, a
# subprocess ingest: seconds each. (torch is imported in the tests, not here, so that collecting
# this module for the fast run does not load it.)
pytestmark = pytest.mark.slow


def test_onnx_query_encoder_matches_sentence_transformers(assistant: Assistant) -> None:
    texts = [
        "When was DeepSeek R1 released?",
        "Nvidia lost $600 billion in market value in a single day.",
        "短い日本語の文も含める",
        "x" * 3000,  # truncated to the window by both
    ]
    onnx = assistant.query_embedder().embed_batch(texts)
    st = sentence_transformer(assistant.model).embed_batch(texts)
    cos = np.sum(onnx * st, axis=1)
    assert cos.min() > 0.9999, cos


def test_chroma_top_k_equals_brute_force_cosine(assistant: Assistant) -> None:
    opened = assistant._ensure_open()
    records = opened.retriever.records
    titles = assistant.titles()
    texts = [  # what ingest embeds: title and heading path, then the chunk's text
        embedding_text(
            titles[r.source],
            Chunk(
                r.source,
                r.ordinal,
                r.start,
                r.end,
                opened.texts[r.source][r.start : r.end],
                0,
                r.headings,
            ),
        )
        for r in records
    ]
    docs = assistant._ingest_embedder().embed_documents(texts)  # as ingest embedded them
    q = assistant.query_embedder()
    for question in [
        "Who founded DeepSeek?",
        "export controls on chips",
        "Paris summit declaration",
    ]:
        v = q.embed_query(question)
        want = [records[i].id for i in np.argsort(-(docs @ v))[:5]]
        got = [cid for cid, _ in assistant.store.query(v, 5)]
        assert got == want


def test_ingest_embeds_on_a_gpu_only_when_torch_sees_one(assistant: Assistant) -> None:
    import torch

    auto = sentence_transformer(assistant.model, "auto")
    assert auto.device == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(DependencyError, match="torch sees no CUDA GPU"):
            sentence_transformer(assistant.model, "cuda")


def test_ingest_on_the_cpu_uses_the_onnx_encoder_and_never_imports_torch(
    assistant: Assistant, tmp_path: Path
) -> None:
    """Without a GPU, ingest embeds with the query encoder (torch would keep ~0.4 GB); its
    vectors match sentence-transformers'."""
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present: ingest embeds there with sentence-transformers")
    assert isinstance(assistant._ingest_embedder(), OnnxEmbedder)
    texts = ["The harbour bridge opened in 1932.", "word " * 400]
    got = assistant._ingest_embedder().embed_documents(texts)
    want = sentence_transformer(assistant.model).embed_batch(texts)
    assert float(np.min(np.sum(got * want, axis=1))) > 0.9999
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("# Bridge\n\nThe harbour bridge opened in 1932.\n")
    index = tmp_path / "index"
    shutil.copytree(  # exported once (a hard link: the file is only read)
        assistant.config.index_dir / "onnx", index / "onnx", copy_function=os.link
    )
    code = (
        "import sys; from assistant import offline; offline.apply(); "
        "from assistant import Assistant; a = Assistant(index_dir=sys.argv[1]); "
        "a.ingest(sys.argv[2]); print(a.ask('When did the bridge open?').text); "
        "print('torch' in sys.modules)"
    )
    res = subprocess.run(
        [sys.executable, "-c", code, str(index), str(corpus)],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.splitlines()[-1] == "False"
    assert "1932" in res.stdout
