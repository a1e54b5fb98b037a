"""Names that contain a skill word without claiming the skill.

"Project Management Institute", "Department of Statistics", "Director of Software Development",
"Software Engineering position", "Maths (C)": each holds a surface form of the taxonomy, yet
none says the person has that skill. These checks look only at the tokens around a candidate
(lower-cased text, original casing and line numbers, as the extractor keeps them), so they are
pure functions over token lists; the word lists come from ``skills/data/extraction.yaml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

MAX_NAME_WORDS = 5
"""Capitalised words (or joiners) allowed between "<noun> of/for" and the skill word after it:
"Office of Research, Demonstrations, and [Statistics]"."""

MAX_WORDS_BEFORE_NOUN = 1
"""After the skill word, at most one capitalised word before the noun ("Python Software
Foundation"): resumes flattened to one line put "PostgreSQL Education Rutgers University" in a
row, and a longer reach takes the skills list for a name."""

NAME_JOINERS = frozenset({"and", "&", ",", "of", "for", "in", "the"})


@dataclass(frozen=True, slots=True)
class NameWords:
    """The word lists, from extraction.yaml."""

    organisation_nouns: frozenset[str]
    """Nouns that end or head the name of an organisation: office, institute, department ..."""
    programme_nouns: frozenset[str]
    """Nouns that make a named programme: program, programme. "Mentoring Program"."""
    title_heads: frozenset[str]
    """Title nouns written before "of": "Director of", "Head of", "VP of"."""
    title_followers: frozenset[str]
    """Nouns after a skill word that make it a job or role: director, position, contractor."""
    organisation_or_programme_nouns: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        # asked for every soft-skill candidate: built once, not per call
        both = self.organisation_nouns | self.programme_nouns
        object.__setattr__(self, "organisation_or_programme_nouns", both)


@dataclass(frozen=True, slots=True)
class Tokens:
    """The token facts the checks read (the extractor's per-document lists, not copied)."""

    text: str
    starts: Sequence[int]
    ends: Sequence[int]
    lower: Sequence[str]
    lines: Sequence[int]

    def word(self, i: int) -> str:
        return self.text[self.starts[i] : self.ends[i]]

    def capitalised(self, i: int) -> bool:
        return self.text[self.starts[i] : self.starts[i] + 1].isupper()

    def same_line(self, a: int, b: int) -> bool:
        return self.lines[a] == self.lines[b]


def in_organisation_name(
    tokens: Tokens, start: int, end: int, names: NameWords, *, programme: bool
) -> bool:
    """The skill word is part of an organisation's (or, with ``programme``, a programme's) name.

    After it: an organisation noun, directly ("project management office", "Public Health
    Leadership Institute") or after one capitalised word ("Python Software Foundation").
    Before it: a capitalised organisation noun and "of"/"for", with capitalised words and
    joiners between ("Institute for Communication and Development", "Department of
    Statistics"). A lower-case skill word
    only counts when the noun follows it directly: "statistics about the office" is no name.
    """
    nouns = names.organisation_or_programme_nouns if programme else names.organisation_nouns
    n = len(tokens.lower)
    capitalised = tokens.capitalised(start)
    skipped = 0
    i = end
    while i < n and tokens.same_line(i, end - 1):
        if tokens.lower[i] in nouns:
            return capitalised or i == end
        # forwards only capitalised words: a comma or "and" would run on into a list
        # ("Eclipse, HP Quality Center")
        if skipped >= MAX_WORDS_BEFORE_NOUN or not (
            tokens.capitalised(i) and tokens.word(i).isalpha()
        ):
            break
        skipped += 1
        i += 1
    if not capitalised:
        return False
    skipped = 0
    i = start - 1
    while i >= 1 and tokens.same_line(i, start):
        if (
            tokens.lower[i] in ("of", "for")
            and tokens.lower[i - 1] in names.organisation_nouns
            and tokens.capitalised(i - 1)
            and tokens.same_line(i - 1, start)
        ):
            return True
        if skipped >= MAX_NAME_WORDS or not _name_part(tokens, i):
            break
        skipped += 1
        i -= 1
    return False


def _name_part(tokens: Tokens, i: int) -> bool:
    return tokens.lower[i] in NAME_JOINERS or (tokens.capitalised(i) and tokens.word(i).isalpha())


def after_title_head(tokens: Tokens, start: int, names: NameWords) -> bool:
    """ "Director of Software Development", "Head of Data Science": a job title, not a claim."""
    before = start - 1
    if before < 1 or tokens.lower[before] != "of" or not tokens.same_line(before - 1, start):
        return False
    head = before - 1
    if tokens.lower[head] in names.title_heads:
        return True
    # "Vice President of ...": the head may be two words
    return head >= 1 and f"{tokens.lower[head - 1]} {tokens.lower[head]}" in names.title_heads


def before_title_word(tokens: Tokens, end: int, names: NameWords) -> bool:
    """ "Software Development Director", "Software Engineering position": a job or role."""
    return (
        end < len(tokens.lower)
        and tokens.same_line(end - 1, end)
        and tokens.lower[end] in names.title_followers
    )


def is_bracketed_letter(tokens: Tokens, start: int, end: int) -> bool:
    """ "Maths (C)", "(C): 555-0101", "(R)": a lone letter in brackets is a grade, a phone
    label or a mark, not the language C or R."""
    return (
        end - start == 1
        and tokens.ends[start] - tokens.starts[start] == 1
        and start >= 1
        and end < len(tokens.lower)
        and tokens.lower[start - 1] == "("
        and tokens.lower[end].startswith(")")  # the tokenizer keeps "):" together
    )
