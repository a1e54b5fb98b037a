"""Date ranges, positions and merged experience (matcher/timeline.py)."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from timing import gc_paused

from matcher.models import DateRange, DocumentInfo, ExtractedDocument, MediaType, Position, Section
from matcher.models import SectionKind as K
from matcher.timeline import (
    find_date_ranges,
    find_positions,
    merged_months,
    parse_date_range,
    summarize_experience,
)

REF = date(2026, 12, 1)
TESTS_DIR = Path(__file__).resolve().parent
RESUME_DIR = TESTS_DIR / "data" / "resumes"
SAMPLE = TESTS_DIR.parent / "samples" / "ml_engineer_resume.txt"
EXPECTED: dict[str, Any] = yaml.safe_load((RESUME_DIR / "expected.yaml").read_text("utf-8"))


def document_from_text(text: str) -> ExtractedDocument:
    """The ingestion path for plain text (clean-up + sections), as the pipeline builds it."""
    try:
        from matcher.loaders import document_from_text as load
    except ImportError:  # ingestion lands in parallel; until then build the document by hand
        from matcher.sections import find_sections
        from matcher.textclean import clean_text

        cleaned = clean_text(text)
        info = DocumentInfo(media_type=MediaType.TXT, characters=len(cleaned))
        return ExtractedDocument(info=info, text=cleaned, sections=find_sections(cleaned))
    return load(text)


def sectioned(*parts: tuple[K, str]) -> ExtractedDocument:
    """A document from (kind, text) parts; each part's first line is its heading unless HEADER."""
    text = ""
    sections: list[Section] = []
    for kind, body in parts:
        start = len(text)
        text += body.rstrip("\n") + "\n\n"
        heading = None if kind == K.HEADER else body.strip().splitlines()[0]
        sections.append(Section(kind=kind, heading=heading, start=start, end=len(text)))
    info = DocumentInfo(media_type=MediaType.TXT, characters=len(text))
    return ExtractedDocument(info=info, text=text, sections=tuple(sections))


def ym(day: date) -> str:
    return f"{day:%Y-%m}"


# ----------------------------------------------------------------------------- parse_date_range

# text, start, end (YYYY-MM, "ref" for the reference date), is_current, precision
GOOD_RANGES = [
    ("Jan 2020 – Present", "2020-01", "ref", True, "month"),
    ("January 2020 - Current", "2020-01", "ref", True, "month"),
    ("2019-03 to 2021-11", "2019-03", "2021-11", False, "month"),
    ("03/2018 - 06/2020", "2018-03", "2020-06", False, "month"),
    ("3/2018–6/2020", "2018-03", "2020-06", False, "month"),
    ("03.2018 - 06.2020", "2018-03", "2020-06", False, "month"),
    ("2017 – 2019", "2017-01", "2019-12", False, "year"),
    ("2017-2019", "2017-01", "2019-12", False, "year"),
    ("Summer 2021", "2021-06", "2021-08", False, "season"),
    ("Spring 2020", "2020-03", "2020-05", False, "season"),
    ("Fall 2019", "2019-09", "2019-11", False, "season"),
    ("Autumn 2019", "2019-09", "2019-11", False, "season"),
    ("Winter 2022", "2022-01", "2022-02", False, "season"),
    ("Summer 2021 - Fall 2021", "2021-06", "2021-11", False, "season"),
    ("May 2016 - Aug. 2016", "2016-05", "2016-08", False, "month"),
    ("Sept 2019 – now", "2019-09", "ref", True, "month"),
    ("Sep. 2019 to date", "2019-09", "ref", True, "month"),
    ("since 2021", "2021-01", "ref", True, "year"),
    ("Since March 2021", "2021-03", "ref", True, "month"),
    ("2015 - 2018 (3 yrs)", "2015-01", "2018-12", False, "year"),
    ("Dec '19 – Feb '21", "2019-12", "2021-02", False, "month"),
    ("Dec \u201999 \u2013 Feb \u201901", "1999-12", "2001-02", False, "month"),
    ("Jan 2020 — Mar 2021", "2020-01", "2021-03", False, "month"),
    ("Jan 2020 until Mar 2021", "2020-01", "2021-03", False, "month"),
    ("Jan 2020 to Mar 2021", "2020-01", "2021-03", False, "month"),
    ("Jan, 2020 - Feb, 2020", "2020-01", "2020-02", False, "month"),
    ("2015 – Mar 2018", "2015-01", "2018-03", False, "year"),
    ("Jan 2020", "2020-01", "2020-01", False, "month"),
    ("JUNE 2018 - PRESENT", "2018-06", "ref", True, "month"),
    ("2024-11 – 2026-12", "2024-11", "2026-12", False, "month"),
]


@pytest.mark.parametrize(("text", "start", "end", "current", "precision"), GOOD_RANGES)
def test_parse_date_range_formats(
    text: str, start: str, end: str, current: bool, precision: str
) -> None:
    dates = parse_date_range(text, reference_date=REF)
    assert dates is not None, text
    assert ym(dates.start) == start
    assert dates.start.day == 1
    assert (dates.end == REF) if end == "ref" else (ym(dates.end) == end)
    assert dates.is_current is current
    assert dates.precision == precision
    assert dates.text == text.removesuffix(" (3 yrs)")


def test_closed_range_ends_on_last_day_of_its_month() -> None:
    dates = parse_date_range("Jan 2020 - Feb 2024", reference_date=REF)
    assert dates is not None
    assert dates.end == date(2024, 2, 29)
    assert dates.months == 50


@pytest.mark.parametrize(
    "text",
    [
        "2020 Python 3.8",
        "Python 3.10-3.12",
        "3.10-3.12",
        "(555) 201-2019",
        "555-2019-2020",
        "+1 555 2019 2020",
        "2-3 years",
        "Supervise 2-3 interns",
        "version 2019.12.1",
        "between 2000-2500 users",
        "ERP Go-live in 2022",
        "Mayor 2020",
        "12/15/2020",
        "Mar 2021 – Jan 2020",  # ends before it starts
        "2021 - 2019",
        "Jan 2030 – Present",  # starts after the reference date
        "Fall 2028",
        "1900 - 1910",  # too early to be a career
        "",
        "present",
    ],
)
def test_parse_date_range_rejects(text: str) -> None:
    assert parse_date_range(text, reference_date=REF) is None


def test_range_ending_after_reference_is_cut_and_current() -> None:
    dates = parse_date_range("Sep 2025 – May 2027 (expected)", reference_date=REF)
    assert dates is not None
    assert dates.end == REF
    assert dates.is_current


def test_open_range_follows_reference_date_and_is_reproducible() -> None:
    early = parse_date_range("Jan 2020 – Present", reference_date=date(2022, 6, 15))
    late = parse_date_range("Jan 2020 – Present", reference_date=date(2025, 1, 1))
    assert early is not None and late is not None
    assert early.end == date(2022, 6, 15) and early.months == 30
    assert late.end == date(2025, 1, 1) and late.months == 61
    again = parse_date_range("Jan 2020 – Present", reference_date=date(2022, 6, 15))
    assert again == early


def test_two_digit_years_pivot_on_reference_date() -> None:
    dates = parse_date_range("Mar '98 – Jun '05", reference_date=REF)
    assert dates is not None
    assert (dates.start.year, dates.end.year) == (1998, 2005)


# ----------------------------------------------------------------------------- find_date_ranges


def test_find_date_ranges_offsets_point_at_the_written_text() -> None:
    text = "Engineer, Acme (Jan 2020 – Mar 2021); Lead, Beta 2021-04 to present. Call 555-2019."
    found = find_date_ranges(text, reference_date=REF)
    assert [text[f.start : f.end] for f in found] == ["Jan 2020 – Mar 2021", "2021-04 to present"]
    assert [f.dates.text for f in found] == ["Jan 2020 – Mar 2021", "2021-04 to present"]
    assert [f.single for f in found] == [False, False]


def test_find_date_ranges_marks_single_dates() -> None:
    found = find_date_ranges("Certified in Jan 2023; Summer 2021 intern", reference_date=REF)
    assert [(f.dates.text, f.single) for f in found] == [("Jan 2023", True), ("Summer 2021", True)]


def test_range_never_spans_lines() -> None:
    found = find_date_ranges("Engineer  Jan 2020\n- 2021 goals met", reference_date=REF)
    assert [f.dates.text for f in found] == ["Jan 2020"]


# Near misses: each unit starts a date or range that then fails, the input that makes a regex with
# nested or unbounded quantifiers backtrack catastrophically.
NEAR_MISSES = [
    "Jan ",
    "Jan 20",
    "2020-",
    "2020 --- ",
    "1/",
    "12.",
    "Summer ",
    " ",
    "-",
    "Dec '",
    "since ",
    "9",
]


@pytest.mark.parametrize("unit", NEAR_MISSES)
def test_adversarial_megabyte_line_scans_fast(unit: str) -> None:
    line = unit * (1_000_000 // len(unit))
    started = time.perf_counter()
    find_date_ranges(line, reference_date=REF)
    assert time.perf_counter() - started < 5.0  # backtracking would take minutes


@pytest.mark.parametrize(
    "unit", ["03/2020 ", "2019 - 2020 ", "Jan 2020 -- ", "Jan 2020 - Present "]
)
def test_dense_dates_cost_linear_time(unit: str) -> None:
    def seconds(size: int) -> float:
        line = unit * (size // len(unit))
        with gc_paused():  # one result object per date: GC passes are noise here
            started = time.perf_counter()
            found = find_date_ranges(line, reference_date=REF)
            elapsed = time.perf_counter() - started
        assert len(found) >= size // len(unit) // 2  # "Jan 2020 -- Jan 2020" pairs up units
        return elapsed

    # 10x the text: about 10x the time (up to 20x with caches), where a quadratic scan would
    # take 100x. A busy CI machine can stall one run; a quadratic scan fails every attempt.
    for _attempt in range(3):
        small = min(seconds(20_000) for _ in range(3))
        large = min(seconds(200_000) for _ in range(2))
        if large < 40 * max(small, 0.002):
            break
    assert large < 15.0
    assert large < 40 * max(small, 0.002)


# ----------------------------------------------------------------------------- summary


def position(kind: str, start: str, end: str, index: int = 0) -> Position:
    dates = parse_date_range(f"{start} - {end}", reference_date=REF)
    assert dates is not None
    return Position.model_validate(
        {
            "index": index,
            "kind": kind,
            "dates": dates,
            "section": K.EXPERIENCE,
            "start": 0,
            "end": 1,
        }
    )


def test_merged_months_unions_overlaps_and_joins_adjacent_ranges() -> None:
    def r(text: str) -> DateRange:
        dates = parse_date_range(text, reference_date=REF)
        assert dates is not None
        return dates

    assert merged_months([]) == 0
    assert merged_months([r("Jan 2020 - Mar 2020"), r("Apr 2020 - Jun 2020")]) == 6
    assert merged_months([r("Jan 2020 - Dec 2020"), r("Jun 2020 - Mar 2021")]) == 15
    assert merged_months([r("Jan 2020 - Dec 2021"), r("Mar 2020 - Apr 2020")]) == 24
    assert merged_months([r("Jan 2020 - Jan 2020"), r("Jan 2022 - Feb 2022")]) == 3


def test_summary_merges_overlapping_jobs_and_keeps_internships_apart() -> None:
    positions = [
        position("job", "Jan 2020", "Dec 2021"),
        position("job", "Jun 2021", "Jun 2022"),  # parallel job: counted once
        position("internship", "Jun 2019", "Aug 2019"),
        position("internship", "Jun 2018", "Aug 2018"),
        position("education", "2015", "2019"),
        position("other", "Jan 2010", "Dec 2019"),  # projects never count as experience
    ]
    summary = summarize_experience(positions)
    assert summary.professional_years == 2.5  # Jan 2020 - Jun 2022: 30 months
    assert summary.internship_years == 0.5
    assert summary.education_years == 5.0
    assert summary.first_professional_start == date(2020, 1, 1)
    assert summary.positions == 4


def test_summary_of_nothing() -> None:
    summary = summarize_experience([])
    assert summary.professional_years == 0.0
    assert summary.first_professional_start is None
    assert summary.positions == 0


def test_summary_rounds_to_one_decimal() -> None:
    summary = summarize_experience([position("job", "Dec 2025", "Present")])
    assert summary.professional_years == 1.1  # 13 months


# ----------------------------------------------------------------------------- find_positions


def test_one_line_layouts() -> None:
    doc = sectioned(
        (
            K.EXPERIENCE,
            "EXPERIENCE\n"
            "Senior Engineer — Acme Corp          Jan 2020 – Present\n"
            "- Built things in Jan 2021 and 2019-2020 too\n"
            "Globex | Data Analyst | 2018–2019\n"
            "- Reported\n"
            "2016 – 2017   Software Developer, Initech\n"
            "Research Scientist at Hooli (Mar 2015 - Dec 2015)\n",
        )
    )
    found = [
        (p.kind, p.title, p.organization, p.dates.text)
        for p in find_positions(doc, reference_date=REF)
    ]
    assert found == [
        ("job", "Senior Engineer", "Acme Corp", "Jan 2020 – Present"),
        ("job", "Data Analyst", "Globex", "2018–2019"),
        ("job", "Software Developer", "Initech", "2016 – 2017"),
        ("job", "Research Scientist", "Hooli", "Mar 2015 - Dec 2015"),
    ]


def test_multi_line_layouts() -> None:
    doc = sectioned(
        (
            K.EXPERIENCE,
            "WORK HISTORY\n"
            "Machine Learning Engineer\n"
            "Example Labs\n"
            "Seattle, WA\n"
            "03/2021 - 06/2023\n"
            "- Trained models\n"
            "\n"
            "Contoso Ltd\n"
            "Software Engineering Co-op     Winter 2020\n"
            "- Wrote tests\n"
            "\n"
            "Lead Data Scientist\n"
            "Fabrikam Inc.     2017 - 2019\n"
            "\n"
            "2015 – 2016\n"
            "Research Assistant\n"
            "Example University\n"
            "2014 – 2015\n"
            "Teaching Assistant\n"
            "Example University\n"
            "- Cleaned survey data\n",
        )
    )
    positions = find_positions(doc, reference_date=REF)
    assert [(p.kind, p.title, p.organization) for p in positions] == [
        ("job", "Machine Learning Engineer", "Example Labs"),
        ("internship", "Software Engineering Co-op", "Contoso Ltd"),
        ("job", "Lead Data Scientist", "Fabrikam Inc."),
        ("job", "Research Assistant", "Example University"),
        ("job", "Teaching Assistant", "Example University"),
    ]
    # Each block starts at its first heading line and runs to the next block.
    assert doc.text[positions[0].start :].startswith("Machine Learning Engineer\nExample Labs")
    assert doc.text[positions[0].start : positions[0].end].endswith("- Trained models")
    assert doc.text[positions[1].start :].startswith("Contoso Ltd\n")
    assert doc.text[positions[2].start : positions[2].end] == (
        "Lead Data Scientist\nFabrikam Inc.     2017 - 2019"
    )
    assert doc.text[positions[3].start : positions[3].end] == (
        "2015 – 2016\nResearch Assistant\nExample University"
    )


def test_dates_inside_bullets_and_prose_are_not_positions() -> None:
    doc = sectioned(
        (
            K.EXPERIENCE,
            "EXPERIENCE\n"
            "Data Engineer, Acme, 2019 - 2022\n"
            "- Migrated the warehouse between Jan 2020 and Mar 2020 (2020-01 to 2020-03)\n"
            "Promoted in Mar 2021\n"
            "Led the platform rebuild from 2020 to 2021 together with three other teams and a "
            "vendor, which is a long sentence and not a heading at all\n",
        )
    )
    positions = find_positions(doc, reference_date=REF)
    assert [(p.title, p.organization) for p in positions] == [("Data Engineer", "Acme")]


def test_job_site_export_with_blank_and_filler_lines() -> None:
    doc = sectioned(
        (
            K.EXPERIENCE,
            "WORK EXPERIENCE\n\n"
            "Software Engineer\n\n"
            "https://www.example.com/r/pat-example\n\n"
            "Example Systems Ltd -\n\n-\n\n"
            "April 2017 to Present\n\n"
            "- Maintained the billing service\n"
            "- Won the team award\n"
            "(2018 – 2019)\n\n"
            "Duration: June 2013 - August 2013\n"
            "I joined Example Systems in May 2015 as a full-time engineer\n",
        )
    )
    positions = find_positions(doc, reference_date=REF)
    assert [(p.title, p.organization, p.dates.text) for p in positions] == [
        ("Software Engineer", "Example Systems Ltd", "April 2017 to Present"),
        (None, None, "June 2013 - August 2013"),
    ]


def test_company_line_without_title_and_location_parts() -> None:
    doc = sectioned(
        (
            K.EXPERIENCE,
            "EXPERIENCE\n"
            "Initech | Austin, TX | 2015 – 2017\n"
            "- Wrote reports\n"
            "Data Engineer, Hooli, 2014 - 2015 (1 yr)\n",
        )
    )
    positions = find_positions(doc, reference_date=REF)
    assert [(p.title, p.organization) for p in positions] == [
        (None, "Initech"),
        ("Data Engineer", "Hooli"),
    ]


def test_levels_and_state_codes_are_not_misread() -> None:
    doc = sectioned(
        (K.EXPERIENCE, "EXPERIENCE\nData Scientist I — Acme Corp   Jan 2021 – Present\n"),
        (
            K.EDUCATION,
            "EDUCATION\nExample University, Boston, MA   2016 – 2020\n"
            "Example College, Jackson, MS   2014 – 2016\nBA History (minor)   2012 – 2014\n",
        ),
    )
    positions = find_positions(doc, reference_date=REF)
    assert [(p.kind, p.title, p.organization) for p in positions] == [
        ("job", "Data Scientist I", "Acme Corp"),
        ("education", None, "Example University, Boston, MA"),
        ("education", None, "Example College, Jackson, MS"),
        ("education", "BA History (minor)", None),
    ]


def test_section_kinds_decide_position_kinds() -> None:
    doc = sectioned(
        (K.HEADER, "Pat Example\nData Scientist, Acme, 2021 – Present\nBorn 1990 - 1991\n"),
        (K.SUMMARY, "SUMMARY\nEngineer since 2019, Jan 2020 – Present at Acme.\n"),
        (K.EXPERIENCE, "EXPERIENCE\nMachine Learning Intern | Globex | Jun 2020 - Aug 2020\n"),
        (K.PROJECTS, "PROJECTS\nChatbot (hackathon)   Mar 2019\n"),
        (K.EDUCATION, "EDUCATION\nMSc Computer Science, Example University, 2018 – 2020\n"),
        (K.CERTIFICATIONS, "CERTIFICATIONS\nCloud Engineer, Jan 2022 - Jan 2025\n"),
        (
            K.OTHER,
            "LEADERSHIP\nChess club, 2010 - 2012\nTeaching Assistant, Example U, 2012 - 2014\n",
        ),
    )
    positions = find_positions(doc, reference_date=REF)
    assert [(p.kind, p.section, p.title) for p in positions] == [
        ("job", K.HEADER, "Data Scientist"),
        ("internship", K.EXPERIENCE, "Machine Learning Intern"),
        ("other", K.PROJECTS, "Chatbot (hackathon)"),
        ("education", K.EDUCATION, "MSc Computer Science"),
        ("job", K.OTHER, "Teaching Assistant"),
    ]
    assert [p.index for p in positions] == list(range(5))


def test_section_heading_is_never_a_title() -> None:
    doc = sectioned((K.EXPERIENCE, "EXPERIENCE\n2019 - 2021\n- Built a model\n"))
    positions = find_positions(doc, reference_date=REF)
    assert len(positions) == 1
    assert positions[0].title is None and positions[0].organization is None


def expected_cases() -> list[str]:
    return list(EXPECTED["resumes"])


def fixture_document(name: str) -> ExtractedDocument:
    files = EXPECTED["resumes"][name]["files"]
    return document_from_text("\n\n".join((RESUME_DIR / f).read_text("utf-8") for f in files))


@pytest.mark.parametrize("name", expected_cases())
def test_fixture_positions(name: str) -> None:
    expected = EXPECTED["resumes"][name]
    positions = find_positions(fixture_document(name), reference_date=EXPECTED["reference_date"])
    counts = Counter(p.kind for p in positions)
    assert {kind: counts.get(kind, 0) for kind in expected["positions"]} == expected["positions"]
    found = [
        {
            "kind": p.kind,
            "title": p.title,
            "organization": p.organization,
            "start": ym(p.dates.start),
            "end": "present" if p.dates.is_current else ym(p.dates.end),
        }
        for p in positions
    ]
    assert found == expected["position_details"]


@pytest.mark.parametrize("name", expected_cases())
def test_fixture_professional_years(name: str) -> None:
    expected = EXPECTED["resumes"][name]
    positions = find_positions(fixture_document(name), reference_date=EXPECTED["reference_date"])
    summary = summarize_experience(positions)
    years = expected["professional_years"]
    assert summary.professional_years == pytest.approx(years, abs=EXPECTED["years_tolerance"])
    assert summary.positions == expected["positions"]["job"] + expected["positions"]["internship"]


def test_fixture_blocks_are_ordered_and_disjoint() -> None:
    for name in expected_cases():
        doc = fixture_document(name)
        positions = find_positions(doc, reference_date=REF)
        for position_ in positions:
            section = next(s for s in doc.sections if s.kind == position_.section)
            assert position_.start < position_.end
            assert position_.dates.text in doc.text[position_.start : position_.end]
            assert section.start <= position_.start
        for before, after in zip(positions, positions[1:], strict=False):
            assert before.end <= after.start, name


def test_shipped_sample_positions() -> None:
    doc = document_from_text(SAMPLE.read_text("utf-8"))
    positions = find_positions(doc, reference_date=REF)
    work = [(p.kind, p.title, p.organization) for p in positions if p.kind != "education"]
    assert work == [
        ("job", "Senior Machine Learning Engineer", "Example Marketplace Inc."),
        ("job", "Machine Learning Engineer", "Sample Mobility"),
        ("job", "Data Scientist", "Demo Analytics"),
        ("internship", "Machine Learning Intern", "Demo Analytics"),
    ]
    assert summarize_experience(positions).professional_years == pytest.approx(7.6, abs=0.05)


def test_shipped_sample_pdf_gives_the_same_positions_as_its_text() -> None:
    from matcher.loaders import load_document

    pdf = load_document(SAMPLE.with_suffix(".pdf").read_bytes(), filename="sample.pdf")
    text = document_from_text(SAMPLE.read_text("utf-8"))

    def described(doc: ExtractedDocument) -> list[tuple[str, str | None, str | None, str]]:
        positions = find_positions(doc, reference_date=REF)
        return [(p.kind, p.title, p.organization, p.dates.text) for p in positions]

    assert described(pdf) == described(text)


# ----------------------------------------------------------------------------- fixture data


def test_fixture_expectations_name_taxonomy_nodes() -> None:
    from skills.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    names = {node.name for node in taxonomy.nodes.values()}
    for name, expected in EXPECTED["resumes"].items():
        for skill in expected["skills_present"] + expected["not_skills"]:
            assert skill in names, f"{name}: {skill!r} is not a taxonomy node name"
        for signal in expected["signals"]:
            assert signal in taxonomy.nodes, f"{name}: signal {signal!r} is not a node id"
        assert expected["best_fit"] in expected["best_fit_acceptable"], name


@pytest.mark.parametrize("name", expected_cases())
def test_fixture_resumes_are_invented_and_resume_sized(name: str) -> None:
    text = "\n\n".join(
        (RESUME_DIR / f).read_text("utf-8") for f in EXPECTED["resumes"][name]["files"]
    )
    emails = re.findall(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", text)
    assert emails and all(email.endswith("@example.com") for email in emails)
    assert 250 <= len(text.split()) <= 900


def test_range_wrapped_after_its_dash_in_a_narrow_column_is_one_range():
    text = "Senior ML Engineer · Pinecrest Bank · Dec '19 –\nFeb '21\n• Built fraud models."
    (found,) = find_date_ranges(text, reference_date=date(2026, 12, 1))
    assert not found.single
    assert (found.dates.start, found.dates.end) == (date(2019, 12, 1), date(2021, 2, 28))


def test_a_dash_starting_the_next_line_does_not_join_dates_across_lines():
    text = "Trained models in Jan 2019\n- 2020 roadmap planning"
    found = find_date_ranges(text, reference_date=date(2026, 12, 1))
    assert all(f.dates.end.year != 2020 or f.single for f in found)
    assert [f.dates.text for f in found] == ["Jan 2019"]
