"""reStructuredText by docutils: section titles, paragraphs, lists, literal blocks and tables.

docutils parses the file (decoded like plain text, :mod:`.plain`) into its document tree, which
is written as structured text (:mod:`.markup`): a section title becomes a heading of its nesting
depth, bullet and enumerated lists items, literal and code blocks fenced code, table rows
``| a | b |`` rows, definition and field lists "term: definition" paragraphs, admonitions a
paragraph led by their kind ("Note: ..."). Directives docutils does not know (Sphinx's) keep their
source text as a code block, so nothing written in the file is lost. File inclusion and raw
output are disabled: ``.. include:: /etc/passwd`` reads nothing. A ``.. contents::`` table is
left out: it would stand as a heading over every section after it.
"""

from __future__ import annotations

import io
from typing import Any

from .base import Reader, ReadText, tidy
from .markup import Markup, one_line
from .plain import decode

_SETTINGS = {
    "report_level": 5,
    "halt_level": 5,
    "file_insertion_enabled": False,
    "raw_enabled": False,
    "syntax_highlight": "none",
    "doctitle_xform": False,
    "sectsubtitle_xform": False,
    "_disable_config": True,
}
_SKIP = {
    "comment",
    "substitution_definition",
    "target",
    "raw",
    "pending",
    "footnote_reference",
    "colspec",
}
_ADMONITIONS = {
    "attention",
    "caution",
    "danger",
    "error",
    "hint",
    "important",
    "note",
    "tip",
    "warning",
}


class _Writer:
    def __init__(self) -> None:
        self.out = Markup()
        self.title: str | None = None

    def walk(self, node: Any, depth: int) -> None:
        for child in node.children:
            self.node(child, depth)

    def node(self, node: Any, depth: int) -> None:
        from docutils import nodes

        tag = node.tagname
        if tag in _SKIP or not isinstance(node, nodes.Element):
            if isinstance(node, nodes.Text) and node.astext().strip():
                self.out.paragraph(node.astext())
            return
        if tag == "section":
            self.walk(node, depth + 1)
        elif tag == "topic" and "contents" in node.get("classes", []):
            return  # a generated table of contents: the section titles it lists follow anyway
        elif tag == "title":
            self.out.heading(max(depth, 1), node.astext())
            self.title = self.title or one_line(node.astext())
        elif tag in ("bullet_list", "enumerated_list"):
            self.out.gap()
            self.items(node, 0)
        elif tag in ("literal_block", "doctest_block"):
            self.out.code(node.astext())
        elif tag == "table":
            self.out.gap()
            for row in node.findall(nodes.row):
                self.out.row([entry.astext() for entry in row.children])
        elif tag == "system_message":
            if int(node.get("level", 0)) >= 3:  # an unknown directive: keep its source text
                for block in node.findall(nodes.literal_block):
                    self.out.code(block.astext())
        elif tag in ("definition_list_item", "field", "option_list_item"):
            parts = [c for c in node.children if c.tagname not in ("definition", "field_body")]
            bodies = [c for c in node.children if c.tagname in ("definition", "field_body")]
            head = " ".join(one_line(p.astext()) for p in parts)
            first = bodies[0].children[0] if bodies and bodies[0].children else None
            if first is not None and first.tagname == "paragraph":
                self.out.paragraph(f"{head}: {first.astext()}")
                rest = bodies[0].children[1:]
            else:
                self.out.paragraph(head)
                rest = bodies[0].children if bodies else []
            for c in rest:
                self.node(c, depth)
        elif tag in _ADMONITIONS:
            kids = list(node.children)
            if kids and kids[0].tagname == "paragraph":
                self.out.paragraph(f"{tag.capitalize()}: {kids[0].astext()}")
                kids = kids[1:]
            for c in kids:
                self.node(c, depth)
        elif tag in ("paragraph", "line_block", "rubric", "term", "caption", "attribution"):
            self.out.paragraph(node.astext())
        elif any(isinstance(c, nodes.Element) for c in node.children):
            self.walk(node, depth)
        else:
            self.out.paragraph(node.astext())

    def items(self, lst: Any, level: int) -> None:
        numbered = lst.tagname == "enumerated_list" and lst.get("enumtype", "arabic") == "arabic"
        first = int(lst.get("start", 1))
        for i, item in enumerate(lst.children):
            rest = list(item.children)
            own = rest.pop(0).astext() if rest and rest[0].tagname == "paragraph" else ""
            self.out.item(own, level, f"{first + i}." if numbered else "-")
            for c in rest:
                if c.tagname in ("bullet_list", "enumerated_list"):
                    self.items(c, level + 1)
                else:
                    self.node(c, 0)


class RstReader(Reader):
    format = "rst"
    extensions = (".rst", ".rest")

    def read(self, data: bytes, name: str) -> ReadText:
        from docutils.core import publish_doctree

        source = decode(data)
        settings = dict(_SETTINGS, warning_stream=io.StringIO())
        try:
            doctree = publish_doctree(source, source_path=name, settings_overrides=settings)
            writer = _Writer()
            writer.walk(doctree, 0)
        except Exception:  # docutils failed on this file: index its text as written
            return ReadText(source, self.format)
        return ReadText(tidy(writer.out.text()), self.format, None, writer.title)
