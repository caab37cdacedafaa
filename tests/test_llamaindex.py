"""The llama-index adapter returns our passages, with exact spans, through llama-index's own API."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant
from assistant.llamaindex import as_retriever

from .conftest import R1_SOURCE


@pytest.mark.slow  # imports llama-index (~2 s): the optional adapter runs with the slow tests
def test_retriever_returns_exact_spans(assistant: Assistant, corpus_copy: Path) -> None:
    from llama_index.core.retrievers import BaseRetriever
    from llama_index.core.schema import TextNode

    retriever = as_retriever(assistant, k=5)
    assert isinstance(retriever, BaseRetriever)
    nodes = retriever.retrieve("When was DeepSeek R1 released?")
    assert len(nodes) == 5
    assert R1_SOURCE in [n.node.metadata["source"] for n in nodes]
    for n in nodes:
        meta = n.node.metadata
        text = (corpus_copy / meta["source"]).read_bytes().decode("utf-8")
        assert text[meta["start"] : meta["end"]] == n.node.get_content()
        node = n.node
        assert isinstance(node, TextNode)
        assert (node.start_char_idx, node.end_char_idx) == (meta["start"], meta["end"])
    scores = [n.score or 0.0 for n in nodes]
    assert all(n.score is not None for n in nodes)
    assert scores == sorted(scores, reverse=True)
