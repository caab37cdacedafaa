"""Plain text and Markdown in any common encoding, and text files with no extension.

A UTF-16 or UTF-32 byte-order mark selects that encoding; otherwise a file with NUL bytes is
binary, not text. UTF-8 comes next and is decoded as is, with no newline translation, so a UTF-8
``.txt`` or ``.md`` file's text is its own bytes decoded (offsets are offsets into the file as
stored). Anything else is given to charset-normalizer; when several single-byte encodings fit
about equally well (short Western text fits a dozen, and a few curly quotes can tip the scale
to an Arabic code page), cp1252 and then Latin-1 are preferred, as the most common legacy
encodings. Markdown is not rewritten: :mod:`assistant.structure` reads it as it is.
"""

from __future__ import annotations

import codecs

from .base import Reader, ReadText, Unreadable

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_PREFERRED = ("cp1252", "latin_1")
# Chaos (charset-normalizer's mess ratio) closer than this is noise on a short sample.
_NEAR_TIE = 0.1
_SNIFF = 4096


def decode(data: bytes) -> str:
    """``data`` as text (see the module docstring), or :class:`Unreadable`."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                raise Unreadable(f"not valid {codec.upper()} despite its byte-order mark") from None
    if b"\x00" in data[:8192]:
        raise Unreadable("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise Unreadable(
            f"not text in any common encoding (not UTF-8 at byte {utf8_error.start}); "
            "re-save it as UTF-8"
        )
    best = matches[0]
    near = [m for m in matches if m.chaos <= best.chaos + _NEAR_TIE]
    for codec in _PREFERRED:
        if any(codec in m.could_be_from_charset for m in near):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                continue
    return data.decode(best.encoding)


def looks_like_text(head: bytes) -> bool:
    """The first bytes of a file read as text: no NUL, few control characters, decodable."""
    if not head.strip() or b"\x00" in head:
        return head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if controls > len(head) // 100:
        return False
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut by the end of the sample
            return True
    from charset_normalizer import from_bytes

    return from_bytes(head).best() is not None


class PlainReader(Reader):
    def __init__(self, format: str, extensions: tuple[str, ...], sniffs: bool = False):
        self.format = format
        self.extensions = extensions
        self._sniffs = sniffs

    def sniff(self, head: bytes) -> bool:
        return self._sniffs and looks_like_text(head[:_SNIFF])

    def read(self, data: bytes, name: str) -> ReadText:
        return ReadText(decode(data), self.format)


TEXT = PlainReader("text", (".txt", ".text"), sniffs=True)
MARKDOWN = PlainReader("markdown", (".md", ".markdown", ".mdown", ".mkd"))
