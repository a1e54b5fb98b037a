"""find_sections / classify_heading: heading lines split the text into kinds of section."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.models import Section, SectionKind
from matcher.sections import classify_heading, find_sections

K = SectionKind


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("SUMMARY", K.SUMMARY),
        ("Professional Summary", K.SUMMARY),
        ("Profile", K.SUMMARY),
        ("Career Objective:", K.SUMMARY),
        ("About Me", K.SUMMARY),
        ("EXPERIENCE", K.EXPERIENCE),
        ("Work Experience", K.EXPERIENCE),
        ("Professional Experience:", K.EXPERIENCE),
        ("Employment History", K.EXPERIENCE),
        ("Work History", K.EXPERIENCE),
        ("Relevant Experience", K.EXPERIENCE),
        ("Research Experience", K.EXPERIENCE),
        ("PROJECTS", K.PROJECTS),
        ("Personal Projects", K.PROJECTS),
        ("Selected Projects", K.PROJECTS),
        ("Open Source Contributions", K.PROJECTS),
        ("Skills", K.SKILLS),
        ("TECHNICAL SKILLS", K.SKILLS),
        ("Core Competencies", K.SKILLS),
        ("Tech Stack", K.SKILLS),
        ("Tools/Technologies", K.SKILLS),
        ("Skills & Tools", K.SKILLS),
        ("Programming Languages", K.SKILLS),
        ("Education", K.EDUCATION),
        ("Academic Background", K.EDUCATION),
        ("Education and Training", K.EDUCATION),
        ("Certifications", K.CERTIFICATIONS),
        ("Licenses & Certifications", K.CERTIFICATIONS),
        ("Courses", K.CERTIFICATIONS),
        ("Publications", K.PUBLICATIONS),
        ("Selected Papers", K.PUBLICATIONS),
        ("Awards", K.AWARDS),
        ("Honors & Awards", K.AWARDS),
        ("Achievements", K.AWARDS),
        ("Languages", K.OTHER),
        ("Interests", K.OTHER),
        ("References", K.OTHER),
        ("Volunteering", K.OTHER),
        ("Volunteer Experience", K.OTHER),
        ("## Experience", K.EXPERIENCE),
        ("# SKILLS", K.SKILLS),
        ("1. Education", K.EDUCATION),
        ("— EXPERIENCE —", K.EXPERIENCE),
        ("E X P E R I E N C E", K.EXPERIENCE),
        ("W O R K E X P E R I E N C E", K.EXPERIENCE),
        ("  Skills  ", K.SKILLS),
    ],
)
def test_heading_spellings(line: str, kind: SectionKind) -> None:
    assert classify_heading(line) is kind


@pytest.mark.parametrize(
    "line",
    [
        "Skills I learned on the job include Python.",
        "Skills I learned on the job include Python",
        "Experience.",
        "Education, training and mentoring of junior staff in three countries over many years",
        "projects",  # the end of a wrapped sentence, not a heading
        "ACME CORPORATION",
        "MACHINE LEARNING ENGINEER",
        "Skills and Python",
        "• Leadership",
        "Python, SQL, Docker",
        "",
        "   ",
        "2019 - 2021",
    ],
)
def test_lines_that_are_not_headings(line: str) -> None:
    assert classify_heading(line) is None


RESUME = """Robin Quill
robin.quill@example.org

SUMMARY
Engineer who ships models.

EXPERIENCE
ACME CORPORATION
Built forecasting services.
Skills I learned on the job include Python.

Technical Skills:
Python, SQL
EDUCATION
MSc Mathematics
Interests
Sailing"""


def test_sections_cover_the_text_in_order() -> None:
    sections = find_sections(RESUME)
    assert [s.kind for s in sections] == [
        K.HEADER,
        K.SUMMARY,
        K.EXPERIENCE,
        K.SKILLS,
        K.EDUCATION,
        K.OTHER,
    ]
    assert [s.heading for s in sections] == [
        None,
        "SUMMARY",
        "EXPERIENCE",
        "Technical Skills:",
        "EDUCATION",
        "Interests",
    ]
    assert_covers(sections, RESUME)
    experience = sections[2]
    assert "ACME CORPORATION" in RESUME[experience.start : experience.end]
    assert RESUME[sections[3].start :].startswith("Technical Skills:")


def test_text_starting_with_a_heading_has_no_header_section() -> None:
    text = "EXPERIENCE\nEngineer at Acme\nSKILLS\nPython"
    sections = find_sections(text)
    assert [s.kind for s in sections] == [K.EXPERIENCE, K.SKILLS]
    assert_covers(sections, text)


def test_text_without_headings_is_one_header_section() -> None:
    text = "Robin Quill\nMachine learning engineer with Python."
    assert find_sections(text) == (Section(kind=K.HEADER, heading=None, start=0, end=len(text)),)


def test_empty_text_has_no_sections() -> None:
    assert find_sections("") == ()


def test_inline_caps_label_starts_a_section() -> None:
    text = "Robin Quill\nSKILLS: Python, SQL, Docker\nEDUCATION: MSc Mathematics"
    sections = find_sections(text)
    assert [(s.kind, s.heading) for s in sections] == [
        (K.HEADER, None),
        (K.SKILLS, "SKILLS"),
        (K.EDUCATION, "EDUCATION"),
    ]


def test_inline_label_for_a_minor_section_does_not_split_skills() -> None:
    text = "SKILLS\nTools: Docker\nLANGUAGES: Python, Go"
    assert [s.kind for s in find_sections(text)] == [K.SKILLS]


def test_repeated_headings_make_separate_sections() -> None:
    text = "EXPERIENCE\nA\nPROJECTS\nB\nEXPERIENCE\nC"
    assert [s.kind for s in find_sections(text)] == [K.EXPERIENCE, K.PROJECTS, K.EXPERIENCE]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["SKILLS", "Experience", "## Education", "Interests", "", "ACME"]),
            st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n"), max_size=40),
        ),
        max_size=30,
    )
)
def test_sections_always_cover_the_text(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert_covers(find_sections(text), text)


def assert_covers(sections: tuple[Section, ...], text: str) -> None:
    """Sections start at 0, end at len(text), and each starts where the previous one ended."""
    if not text:
        assert sections == ()
        return
    assert sections[0].start == 0
    assert sections[-1].end == len(text)
    for previous, following in zip(sections, sections[1:], strict=False):
        assert previous.end == following.start
    assert all(section.start < section.end for section in sections)
