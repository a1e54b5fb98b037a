"""One clean-up for the text of every format, so offsets and matching behave the same everywhere.

Every pass below is a character translation, a normalisation or a regular expression without
nested quantifiers, so cleaning is linear in the length of the text: a hostile 20 MB single line
costs time in proportion to its size, never more.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["BULLET", "clean_text"]

BULLET = "•"
"""Every list-item marker becomes this character followed by one space, at the start of a line."""

_NEWLINES = "\r\n", "\r", "\v", "\f", "\x85", "\u2028", "\u2029"

# Glyphs that resume templates use as list markers; PDF extraction never yields U+2022 itself:
# LaTeX bullets come out as U+0088 and Word symbol-font bullets as the private-use U+F0B7.
_BULLET_GLYPHS = (
    "\u0088\u2022\u2023\u2043\u2219\u25a0\u25a1\u25aa\u25ab\u25b8\u25b9\u25ba\u25b6\u25c6"
    "\u25c7\u25cb\u25cf\u25e6\u2666\u2713\u2714\u2756\u2794\u27a2\u27a4\u29bf\u2b9a"
    "\uf06e\uf071\uf076\uf0a7\uf0b7\uf0d8\uf0e0\uf0fc"
)
_DASH_LIKE_HYPHENS = "\u2010\u2011"  # typographic hyphens that break matching of "scikit-learn"
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033"

_INVISIBLE = (
    "\u00ad"  # soft hyphen: a line-break hint, never visible inside a word
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width characters and the byte-order mark
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"  # bidi controls
)


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]:
        if chr(code) not in "\t\n":
            table[code] = None  # C0/C1 controls carry no text
    for char in _INVISIBLE:
        table[ord(char)] = None
    for code in range(0xD800, 0xE000):
        # Lone surrogates are not text (JSON can smuggle them in as "\ud800"); spaCy cannot
        # encode them and failed with UnicodeEncodeError (found by fuzzing).
        table[code] = None
    for char in _BULLET_GLYPHS.replace(BULLET, ""):  # U+2022 itself needs no translation
        table[ord(char)] = BULLET
    for char in _DASH_LIKE_HYPHENS:
        table[ord(char)] = "-"
    for char in _SINGLE_QUOTES:
        table[ord(char)] = "'"
    for char in _DOUBLE_QUOTES:
        table[ord(char)] = '"'
    table[ord("\t")] = " "
    return table


_TRANSLATION = _build_table()
_TRANSLATE_ALL_ABOVE = 20  # one special character in 20: translate the whole text at once
_CHARS_TO_TRANSLATE = re.compile("[" + re.escape("".join(map(chr, _TRANSLATION))) + "]")

# Patterns that start with a literal character let the regex engine skip ahead quickly; that is
# why these are written "  +" and "\n\n\n+" rather than " {2,}" and "\n{3,}" (5-10x faster).
_SPACE_RUN = re.compile("  +")
# Matched after a newline (the text gets one in front) rather than with "^" and MULTILINE.
# "-", "*" and "+" count only before a space; an en dash is left alone because a wrapped date
# range ("2019\n– 2021") starts a line with one.
_LINE_START_BULLET = re.compile(r"\n(?:•|[-*+](?= ))(?: |\n(?=[^\n•]))?")
_BLANK_LINE_RUN = re.compile("\n\n\n+")

# Compound words whose hyphen stays when a line break splits them ("self-\ntaught").
_HYPHEN_KEEPING_PREFIXES = frozenset(
    {"self", "cross", "well", "full", "part", "half", "hands", "cutting", "fault", "best", "mid"}
)
_WORD_LOOKBEHIND = 40  # longest word fragment examined when deciding about a hyphen
_WORD_OPENERS = "([{\"'/"


def clean_text(raw: str) -> str:
    """Normalise extracted text: controls, invisibles, ligatures, bullets, hyphens, whitespace."""
    text = raw
    for newline in _NEWLINES:
        text = text.replace(newline, "\n")
    text = _translate_special_characters(text)
    text = unicodedata.normalize("NFKC", text)
    text = _SPACE_RUN.sub(" ", text)
    text = text.replace(" \n", "\n").replace("\n ", "\n")
    text = _join_hyphenated_words(text)
    text = _LINE_START_BULLET.sub("\n" + BULLET + " ", "\n" + text)[1:]
    text = _BLANK_LINE_RUN.sub("\n\n", text)
    return text.strip(" \n")


def _translate_special_characters(text: str) -> str:
    # str.translate looks every character up in a dict (about 200 ns each on non-ASCII text);
    # a regex callback per special character is cheaper while they are rare, as in resumes.
    specials = len(_CHARS_TO_TRANSLATE.findall(text))
    if specials * _TRANSLATE_ALL_ABOVE > len(text):
        return text.translate(_TRANSLATION)
    return _CHARS_TO_TRANSLATE.sub(_translate_match, text) if specials else text


def _translate_match(match: re.Match[str]) -> str:
    return _TRANSLATION[ord(match.group())] or ""


def _join_hyphenated_words(text: str) -> str:
    """Undo hyphenation at line ends: "experi-\\nence" -> "experience", "end-to-\\nend" keeps it.

    Split on the marker instead of a regex callback: hostile text can hold a million of them.
    """
    pieces = text.split("-\n")
    if len(pieces) == 1:
        return text
    joined = [pieces[0]]
    for before, after in zip(pieces, pieces[1:], strict=False):
        joined += (_line_end_hyphen(before, after), after)
    return "".join(joined)


def _line_end_hyphen(before: str, after: str) -> str:
    """What replaces the "-\\n" between ``before`` and ``after``."""
    if not (before[-1:].isalpha() and after[:1].isalpha() and after[0].islower()):
        return "-\n"  # "Py-⏎Torch", "2019-⏎2021", "Skills -⏎": too ambiguous to rejoin
    tail = before[-_WORD_LOOKBEHIND:].rsplit(maxsplit=1)[-1]
    fragment = tail.lstrip(_WORD_OPENERS)
    if "-" in fragment or fragment.lower() in _HYPHEN_KEEPING_PREFIXES:
        return "-"
    return ""
