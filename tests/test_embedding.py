"""The ONNX query encoder against sentence-transformers, and Chroma's top-k against brute force."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from assistant import Assistant, DependencyError
from assistant.chunking import Chunk
from assistant.embedding import sentence_transformer
from assistant.ingest import embedding_text


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
    docs = sentence_transformer(assistant.model).embed_documents(texts)
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
    auto = sentence_transformer(assistant.model, "auto")
    assert auto.device == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(DependencyError, match="torch sees no CUDA GPU"):
            sentence_transformer(assistant.model, "cuda")
