"""llama-index adapter: this assistant's hybrid retrieval as a llama-index retriever.

For users who compose llama-index query engines or agents: :func:`as_retriever` returns a
``BaseRetriever`` whose nodes are our passages, with the exact span (``source``, ``start``,
``end``) in their metadata and ``start_char_idx``/``end_char_idx``. It never touches llama-index's
global ``Settings`` and is imported only on demand, so the CLI's query path does not pay for
llama-index (1.45 s to import here). Requires the ``llamaindex`` extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import DependencyError

if TYPE_CHECKING:
    from .engine import Assistant


def as_retriever(assistant: Assistant, k: int | None = None) -> Any:
    """A llama-index ``BaseRetriever`` over ``assistant``'s index (top ``k`` fused passages)."""
    try:
        from llama_index.core.retrievers import BaseRetriever
        from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
    except ImportError:
        raise DependencyError(
            "llama-index-core is not installed; install it with "
            "`pip install -e '.[llamaindex]'` (or `pip install llama-index-core`)"
        ) from None

    class GroundedRetriever(BaseRetriever):  # type: ignore[misc]
        def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
            passages = assistant.retrieve(query_bundle.query_str, k)
            titles = assistant.titles()
            return [
                NodeWithScore(
                    node=TextNode(
                        id_=f"{p.source}:{p.start}-{p.end}",
                        text=p.text,
                        start_char_idx=p.start,
                        end_char_idx=p.end,
                        metadata={
                            "source": p.source,
                            "title": titles.get(p.source, p.source),
                            "start": p.start,
                            "end": p.end,
                        },
                    ),
                    score=p.score,
                )
                for p in passages
            ]

    return GroundedRetriever()
