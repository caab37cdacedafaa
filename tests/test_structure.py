"""Document structure of plain-text conventions nobody here wrote: GNU outline NEWS files, man
pages, Markdown READMEs with commands and badges, hard-wrapped text with URLs."""

from __future__ import annotations

from assistant import structure
from assistant.sentences import split_spans


def headings(text: str) -> list[tuple[int, str]]:
    return [(b.level, b.title) for b in structure.parse(text) if b.kind == structure.HEADING]


def blocks(text: str) -> list[tuple[str, str]]:
    return [(b.kind, text[b.start : b.end]) for b in structure.parse(text)]


GNU_NEWS = """GNU grep NEWS                                    -*- outline -*-

* Noteworthy changes in release 3.8 (2022-09-02) [stable]

** Changes in behavior

  The -P option is now based on PCRE2 instead of the older PCRE,
  but this change should not be user-visible.

** Bug fixes

  The -s option no longer suppresses "binary file matches" messages.

* Noteworthy changes in release 1.21.2 (2021-09-07)

** Support for autoconf 2.71

** --page-requisites will now also download links marked as "alternate
   stylesheet".
"""


def test_gnu_outline_news_sections_are_headings_and_entries_are_items() -> None:
    assert headings(GNU_NEWS) == [
        (2, "GNU grep NEWS -*- outline -*-"),
        (1, "Noteworthy changes in release 3.8 (2022-09-02) [stable]"),
        (2, "Changes in behavior"),
        (2, "Bug fixes"),
        (1, "Noteworthy changes in release 1.21.2 (2021-09-07)"),
    ]
    items = [t for k, t in blocks(GNU_NEWS) if k == structure.ITEM]
    assert items == [
        "** Support for autoconf 2.71",
        '** --page-requisites will now also download links marked as "alternate\n   stylesheet".',
    ]
    paths = structure.heading_paths(structure.parse(GNU_NEWS))
    kinds = [b.kind for b in structure.parse(GNU_NEWS)]
    # the body of "Bug fixes" sits under its release
    body = next(
        p
        for p, k, b in zip(paths, kinds, structure.parse(GNU_NEWS), strict=True)
        if k == structure.TEXT and "-s option" in GNU_NEWS[b.start : b.end]
    )
    assert body[-2:] == ("Noteworthy changes in release 3.8 (2022-09-02) [stable]", "Bug fixes")


def test_a_star_list_without_outline_levels_stays_a_list() -> None:
    text = "Features\n\n* fast\n* small\n"
    assert [k for k, _ in blocks(text)] == [
        structure.HEADING,  # a short line standing alone, before a list
        structure.ITEM,
        structure.ITEM,
    ]


MAN_PAGE = """GREP(1)                          User Commands                         GREP(1)

NAME
       grep, egrep, fgrep, rgrep - print lines that match patterns

EXIT STATUS
       Normally the exit status is 0 if a line is selected, 1 if no lines were
       selected, and 2 if an error occurred.
"""


def test_man_page_section_lines_in_capitals_are_headings() -> None:
    hs = headings(MAN_PAGE)
    assert (1, "NAME") in hs and (1, "EXIT STATUS") in hs
    text = next(t for k, t in blocks(MAN_PAGE) if t.startswith("Normally"))
    assert text.endswith("2 if an error occurred.")  # the section's text, joined, without its title


README_MD = """# APT

APT uses CMake. To start building, you need to run

	cmake <path to source directory>

from a build directory.

## Contributing

1. Definitions
--------------

2.1. Grants

Some text under the grants section.

## [Badges](docs/badges.md) [![Build Status](https://ci.example/x.svg)](https://ci.example/x)
"""


def test_markdown_headings_are_only_the_marked_ones() -> None:
    assert headings(README_MD) == [
        (1, "APT"),
        (2, "Contributing"),
        (2, "1. Definitions"),  # setext, although it reads like a numbered item
        (3, "2.1. Grants"),  # a numbered section line standing alone
        (2, "Badges"),  # the link's text; the badge image is gone
    ]


def test_urls_mail_addresses_code_and_two_sentences_are_not_headings() -> None:
    text = (
        "Installation\n\n"
        "Download the sources from\n\n"
        "https://github.com/tmux/tmux/releases\n\n"
        "Mail bug reports to\n\n"
        "bug-bash@gnu.org\n\n"
        "APT uses CMake. To start building, you need to run\n\n"
        "module.exports = (req, res, next) => {\n\n"
        "Reporting Bugs\n\n"
        "Write to the list.\n"
    )
    assert [t for _, t in headings(text)] == [
        "Installation",
        "Download the sources from",
        "Mail bug reports to",
        "Reporting Bugs",
    ]


def test_list_numbers_and_initials_do_not_end_sentences() -> None:
    text = (
        "1. Definitions. The terms below apply. 2.1. Grants. Each Contributor grants you a "
        "licence. I (Pierre G.F. Gerard-Marchant) wrote it under the Mozilla Public License, "
        "v. 2.0. It ends here."
    )
    assert [text[s:e] for s, e in split_spans(text)] == [
        "1. Definitions.",
        "The terms below apply.",
        "2.1. Grants.",
        "Each Contributor grants you a licence.",
        "I (Pierre G.F. Gerard-Marchant) wrote it under the Mozilla Public License, v. 2.0.",
        "It ends here.",
    ]
