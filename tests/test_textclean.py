"""clean_text: one normalisation for the text of every format."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.textclean import BULLET, clean_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Python\x00 and\x07 SQL", "Python and SQL"),
        (
            "Skills: \u202ePython\u202c, \u2066SQL\u2069, \u200fDocker",
            "Skills: Python, SQL, Docker",
        ),
        ("Py\u200bTorch and \ufeffKeras\u2060", "PyTorch and Keras"),
        ("machine learn\u00ading", "machine learning"),
        ("\ufb01ne-tuning and work\ufb02ows", "fine-tuning and workflows"),
        ("full\uff0dwidth \uff30\uff59\uff34\uff4f\uff52\uff43\uff48", "full-width PyTorch"),
        ("scikit\u2010learn", "scikit-learn"),
        ("Master\u2019s degree, \u201cbest\u201d team", 'Master\'s degree, "best" team'),
        ("one\r\ntwo\rthree\u2028four", "one\ntwo\nthree\nfour"),
        ("a \t\t b\u00a0\u00a0c\u2003d", "a b c d"),
        ("trailing   \nleading\n   spaces", "trailing\nleading\nspaces"),
        ("one\n\n\n\n\ntwo\n \n \n \nthree", "one\n\ntwo\n\nthree"),
        ("\n\n  padded text  \n\n", "padded text"),
        ("page one\fpage two", "page one\npage two"),
    ],
    ids=[
        "c0-controls",
        "bidi",
        "zero-width",
        "soft-hyphen",
        "ligatures",
        "nfkc-fullwidth",
        "unicode-hyphen",
        "smart-quotes",
        "newlines",
        "spaces-tabs",
        "line-edges",
        "blank-lines",
        "outer-whitespace",
        "form-feed",
    ],
)
def test_clean_text_normalises(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    "glyph",
    [
        "\u2022",
        "\u25cf",
        "\u25aa",
        "\uf0b7",
        "\u0088",
        "\u25e6",
        "\u27a2",
        "\u2713",
        "\u2714",
        "\u25a0",
        "\u25ba",
        "\u2023",
        "-",
        "*",
        "+",
    ],
)
def test_every_bullet_glyph_becomes_one_convention(glyph: str) -> None:
    assert clean_text(f"Skills\n{glyph} Python\n{glyph}  SQL") == "Skills\n• Python\n• SQL"


def test_bullet_glued_to_its_text_or_alone_on_a_line_is_joined() -> None:
    assert clean_text("\uf0b7Python\n\u2022\nSQL") == "• Python\n• SQL"


def test_dashes_that_are_not_list_markers_stay() -> None:
    text = "-5% latency\n2019\n– 2021\n**bold**\nrange 3 - 4"
    assert clean_text(text) == text


def test_bullets_inside_a_line_become_the_bullet_character() -> None:
    assert clean_text("Python \uf0b7 SQL \u25cf Docker") == f"Python {BULLET} SQL {BULLET} Docker"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("five years of experi-\nence", "five years of experience"),
        ("deploy-\nment pipelines", "deployment pipelines"),
        ("end-to-\nend pipelines", "end-to-end pipelines"),
        ("a self-\ntaught engineer", "a self-taught engineer"),
        ("Py-\nTorch", "Py-\nTorch"),
        ("range 2019-\n2021", "range 2019-\n2021"),
        ("Skills -\nPython", "Skills -\nPython"),
        ("list ends with -\n- next item", "list ends with -\n• next item"),
    ],
    ids=["word", "word2", "compound", "prefix", "capital", "digits", "spaced", "bullet"],
)
def test_line_end_hyphens(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_empty_and_whitespace_only_input_clean_to_empty() -> None:
    assert clean_text("") == ""
    assert clean_text(" \n\t\u200b\n \x00") == ""


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_cleaning_is_idempotent_and_leaves_no_controls(raw: str) -> None:
    cleaned = clean_text(raw)
    assert clean_text(cleaned) == cleaned
    assert not any(ord(char) < 32 and char not in "\n" for char in cleaned)
    assert "  " not in cleaned and "\n\n\n" not in cleaned and "\r" not in cleaned


@pytest.mark.parametrize(
    "unit",
    ["Python ", "a", "a-\n", "x\u200b\t ", "\u2022\n", "  \n", "**[x](", "-\n-\n"],
    ids=["words", "letters", "hyphens", "invisibles", "bullets", "blanks", "markup", "dashes"],
)
def test_two_megabyte_input_cleans_in_linear_time(unit: str) -> None:
    hostile = unit * (2_000_000 // len(unit))
    started = time.perf_counter()
    clean_text(hostile)
    # Linear passes take about a second here even on a busy machine; a backtracking regex or a
    # quadratic rescan would take minutes, so a generous bound still tells the two apart.
    assert time.perf_counter() - started < 15.0
