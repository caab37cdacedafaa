"""Structured text out of a parsed document: headings, paragraphs, list items, code and table rows.

The readers of structured formats (HTML, DOCX, reStructuredText) walk their parser's tree and
write it here; :meth:`Markup.text` gives Markdown-like text that :mod:`assistant.structure`
reads back into the same blocks: ``#`` headings by level, ``- `` or ``1.`` list items (indented by depth),
fenced code, ``| a | b |`` table rows, and a blank line between any two other blocks. Inline
formatting is dropped, so a quote never carries markup. It does not parse anything itself.
"""

from __future__ import annotations

_ITEM, _ROW, _OTHER, _GAP = "item", "row", "other", "gap"


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (line breaks included) as one space."""
    return " ".join(text.split())


class Markup:
    def __init__(self) -> None:
        self._blocks: list[tuple[str, str]] = []

    def heading(self, level: int, text: str) -> None:
        text = one_line(text)
        if text:
            self._blocks.append((_OTHER, "#" * min(max(level, 1), 6) + " " + text))

    def paragraph(self, text: str) -> None:
        text = one_line(text)
        if text:
            self._blocks.append((_OTHER, text))

    def item(self, text: str, depth: int = 0, marker: str = "-") -> None:
        """A list item; ``marker`` is ``-`` or an item number such as ``3.``."""
        text = one_line(text)
        if text:
            self._blocks.append((_ITEM, "  " * depth + marker + " " + text))

    def code(self, text: str) -> None:
        body = "\n".join(line.rstrip() for line in text.strip("\n").splitlines())
        if body.strip():
            fence = "~~~" if "```" in body else "```"
            self._blocks.append((_OTHER, f"{fence}\n{body}\n{fence}"))

    def row(self, cells: list[str]) -> None:
        cells = [one_line(c) for c in cells]
        if any(cells):
            self._blocks.append((_ROW, "| " + " | ".join(cells) + " |"))

    def gap(self) -> None:
        """A blank line before the next block even if it is an item or row (a new list)."""
        self._blocks.append((_GAP, ""))

    def text(self) -> str:
        out: list[str] = []
        prev = None
        for kind, body in self._blocks:
            if kind == _GAP:
                prev = _GAP
                continue
            if out:
                out.append("\n" if kind == prev and kind in (_ITEM, _ROW) else "\n\n")
            out.append(body)
            prev = kind
        return "".join(out) + ("\n" if out else "")
