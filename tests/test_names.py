"""Names that hold a skill word: organisations, programmes, job titles, bracketed letters."""

from __future__ import annotations

import pytest
import spacy
import yaml

from skills.names import (
    NameWords,
    Tokens,
    after_title_head,
    before_title_word,
    in_organisation_name,
    is_bracketed_letter,
)
from skills.taxonomy import DATA_DIR

NLP = spacy.blank("en")


def shipped_words() -> NameWords:
    data = yaml.safe_load((DATA_DIR / "extraction.yaml").read_text("utf-8"))
    return NameWords(
        organisation_nouns=frozenset(data["organisation_nouns"]),
        programme_nouns=frozenset(data["programme_nouns"]),
        title_heads=frozenset(data["title_heads"]),
        title_followers=frozenset(data["title_followers"]),
    )


WORDS = shipped_words()


def tokens_and_span(text: str, skill: str) -> tuple[Tokens, int, int]:
    doc = NLP(text)
    line, lines = 0, []
    for token in doc:
        lines.append(line)
        line += token.text.count("\n")
    char = text.index(skill)
    span = doc.char_span(char, char + len(skill))
    assert span is not None, "the skill must cover whole tokens"
    starts = [t.idx for t in doc]
    ends = [t.idx + len(t) for t in doc]
    tokens = Tokens(text, starts, ends, [t.text.lower() for t in doc], lines)
    return tokens, span.start, span.end


@pytest.mark.parametrize(
    ("text", "skill", "programme", "expected"),
    [
        ("Member, Project Management Institute (PMI)", "Project Management", False, True),
        ("prepared project management office documents", "project management", False, True),
        ("Academic Scholar, Public Health Leadership Institute, 1996", "Leadership", False, True),
        ("Databases: Oracle, PostgreSQL Education Rutgers University", "PostgreSQL", False, False),
        ("University of North Carolina Department of Statistics", "Statistics", False, True),
        (
            "sponsored by the Institute for Communication and Development",
            "Communication",
            False,
            True,
        ),
        ("Office of Research, Demonstrations, and Statistics", "Statistics", False, True),
        ("Trained at Oracle University for three months", "Oracle", False, True),
        ("through the Freshman Mentoring Program", "Mentoring", True, True),
        # a programme noun only counts when asked (soft skills), and never makes code a name
        ("wrote a Python program to parse logs", "Python", False, False),
        # ordinary sentences, lower-case words, and nouns too far away
        ("Statistics about the office were collected", "Statistics", False, False),
        ("Used Python and SQL for the finance department reports", "Python", False, False),
        ("Deep knowledge of statistics for the institute", "statistics", False, False),
        ("Built Kubernetes operators", "Kubernetes", False, False),
    ],
)
def test_organisation_names(text: str, skill: str, programme: bool, expected: bool) -> None:
    tokens, start, end = tokens_and_span(text, skill)
    assert in_organisation_name(tokens, start, end, WORDS, programme=programme) is expected


def test_name_stops_at_the_line_end() -> None:
    tokens, start, end = tokens_and_span(
        "Skills: Statistics\nInstitute of Physics, 2019", "Statistics"
    )
    assert not in_organisation_name(tokens, start, end, WORDS, programme=False)


@pytest.mark.parametrize(
    ("text", "skill", "expected"),
    [
        ("Director of Software Development, 2010 to Present", "Software Development", True),
        ("Vice President of Data Engineering", "Data Engineering", True),
        ("Head of Machine Learning at a bank", "Machine Learning", True),
        ("Deep knowledge of Machine Learning", "Machine Learning", False),
        ("Director\nof Statistics", "Statistics", False),  # different lines: no title
    ],
)
def test_title_heads(text: str, skill: str, expected: bool) -> None:
    tokens, start, _ = tokens_and_span(text, skill)
    assert after_title_head(tokens, start, WORDS) is expected


@pytest.mark.parametrize(
    ("text", "skill", "expected"),
    [
        ("Software Development Director - Oracle Inc", "Software Development", True),
        ("OBJECTIVE: Software Engineering position in a start-up", "Software Engineering", True),
        ("Software Engineering Contractor, Summer 2011", "Software Engineering", True),
        ("Software engineering practices such as code review", "Software engineering", False),
        ("Python\nposition papers", "Python", False),
    ],
)
def test_title_followers(text: str, skill: str, expected: bool) -> None:
    tokens, _, end = tokens_and_span(text, skill)
    assert before_title_word(tokens, end, WORDS) is expected


@pytest.mark.parametrize(
    ("text", "skill", "expected"),
    [
        ("Maths (C) Geography (B)", "C", True),
        ("(C): 123-345-7890", "C", True),
        ("Languages: C, C++ and Python", "C", False),
        ("Programming in C (embedded)", "C", False),
    ],
)
def test_bracketed_letters(text: str, skill: str, expected: bool) -> None:
    tokens, start, end = tokens_and_span(text, skill)
    assert is_bracketed_letter(tokens, start, end) is expected
