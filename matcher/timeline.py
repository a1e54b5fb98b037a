"""Dated positions: date ranges as resumes write them, the jobs they belong to, and merged years.

Three steps, each a pure function of its input and an explicit ``reference_date`` (never "today",
so results are reproducible):

* ``find_date_ranges`` scans text with one compiled regular expression. Every quantifier in it is
  bounded and no group repeats, so the work per start position is constant and a 1 MB line is
  scanned in linear time.
* ``find_positions`` turns the ranges on heading-like lines of EXPERIENCE / PROJECTS / EDUCATION
  (and HEADER / OTHER when the line clearly names a job) into ``Position`` blocks with a title and
  an organisation guessed from the heading lines.
* ``summarize_experience`` merges overlapping ranges (interval union in months) so two parallel
  jobs are not counted twice.

Conventions: a year-only start means January, a year-only end December ("2015 - 2018" is 48
months); seasons are Spring Mar-May, Summer Jun-Aug, Fall/Autumn Sep-Nov and Winter Jan-Feb of the
year written (so a season never crosses into another year). Closed ranges end on the last day of
their last month, capped at the reference date; open ranges ("Present", "now", "since 2021") end at
the reference date with ``is_current=True``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from matcher.models import (
    DatePrecision,
    DateRange,
    ExperienceSummary,
    ExtractedDocument,
    Position,
    PositionKind,
    Section,
    SectionKind,
)

__all__ = [
    "FoundRange",
    "find_date_ranges",
    "find_positions",
    "merged_months",
    "parse_date_range",
    "summarize_experience",
]

# ----------------------------------------------------------------------------- date grammar

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_SEASONS = {
    "spring": (3, 5),
    "summer": (6, 8),
    "fall": (9, 11),
    "autumn": (9, 11),
    "winter": (1, 2),
}
_PRECISION_RANK: dict[DatePrecision, int] = {"day": 0, "month": 1, "season": 2, "year": 3}
# Years outside this window are page numbers, amounts or typos rather than career dates.
_EARLIEST_YEAR = 1950

# Horizontal space only: a range spans lines only after a dash (see _CONNECTOR), so a date at a
# line end cannot pair with a number that happens to start the next bullet.
_SP = r"[ \t\u00a0\u2009\u202f]"
_MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])"
)
_YEAR = r"(?:19|20)\d\d(?!\d)"


def _date_pattern(p: str) -> str:
    """One date; ``p`` prefixes the group names so a start and an end can share one regex."""
    return (
        rf"(?:(?P<{p}mon>{_MONTH_NAME})\.?,?{_SP}{{0,2}}"
        rf"(?:(?P<{p}my>{_YEAR})|['\u2019\u2018](?P<{p}yy>\d\d)(?!\d))"
        rf"|(?P<{p}season>spring|summer|fall|autumn|winter),?{_SP}{{0,2}}(?P<{p}sy>{_YEAR})"
        rf"|(?P<{p}iy>{_YEAR})[-/.](?P<{p}im>0[1-9]|1[0-2])(?!\d)"
        # 3/2018 or 03/2018, and 03.2018 only with a two-digit month (3.2018 reads as a number).
        rf"|(?P<{p}nm>0?[1-9]|1[0-2])(?:/|(?<=\d\d)\.)(?P<{p}ny>{_YEAR})"
        rf"|(?P<{p}y>{_YEAR}))"
    )


# A dash at a line end may continue on the next line: narrow columns wrap "Dec '19 –\nFeb '21".
# The dash itself must end the first line, so a date never pairs with a bullet's "- 2020".
_CONNECTOR = (
    rf"(?:{_SP}{{0,3}}[-\u2010\u2011\u2012\u2013\u2014\u2015~]{{1,2}}{_SP}{{0,3}}(?:\n{_SP}{{0,3}})?"
    rf"|{_SP}{{1,3}}(?:to|until|till|through|thru){_SP}{{1,3}})"
)
_OPEN_END = r"(?P<open>present|current(?:ly)?|now|today|ongoing|to\s?date|date)"

# Not preceded by a word character or a number-ish joiner ("201-2019" in a phone number,
# "v2019"), and not followed by one ("2019-2020-555", "2019.5"). The leading lookahead names every
# character a range can start with (digits; j/f/m/a/s/o/n/d months; spring/summer/since, winter,
# fall/autumn) so the scan skips other positions cheaply: it halves the time on resume text.
_RANGE_RE = re.compile(
    rf"(?=[\djfmasondw])(?<![\w+/.\-])(?:(?P<since>since){_SP}{{1,3}})?"
    rf"{_date_pattern('s_')}"
    rf"(?:{_CONNECTOR}(?:{_date_pattern('e_')}|{_OPEN_END}))?"
    rf"(?![\w+/]|[-.]\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class FoundRange:
    """A date range found in a text, with its offsets in that text."""

    dates: DateRange
    start: int
    end: int
    single: bool  # one date written ("Jan 2020", "Summer 2021"), not a start-end pair


@dataclass(frozen=True, slots=True)
class _Point:
    """One side of a range: the first and last month it may denote."""

    year: int
    first_month: int
    last_month: int
    precision: DatePrecision


def _two_digit_year(value: str, reference_date: date) -> int:
    """'19 -> 2019 unless that lies well in the future, then 1919."""
    year = 2000 + int(value)
    return year if year <= reference_date.year + 1 else year - 100


@dataclass(frozen=True, slots=True)
class _Groups:
    """Positions of one side's groups in ``match.groups()`` (tuple access is the fast path)."""

    mon: int
    my: int
    yy: int
    season: int
    sy: int
    iy: int
    im: int
    nm: int
    ny: int
    y: int

    @classmethod
    def of(cls, prefix: str) -> _Groups:
        index = _RANGE_RE.groupindex
        return cls(*(index[prefix + name] - 1 for name in cls.__slots__))


_START, _END = _Groups.of("s_"), _Groups.of("e_")
_OPEN = _RANGE_RE.groupindex["open"] - 1
_SINCE = _RANGE_RE.groupindex["since"] - 1


def _point(groups: tuple[str | None, ...], side: _Groups, reference_date: date) -> _Point | None:
    """Read one side of a range from the match groups; None when that side did not match."""
    if month_name := groups[side.mon]:
        month = _MONTHS[month_name[:3].lower()]
        year_text = groups[side.my]
        if year_text:
            year = int(year_text)
        else:
            year = _two_digit_year(groups[side.yy] or "", reference_date)
        return _Point(year, month, month, "month")
    if season := groups[side.season]:
        first, last = _SEASONS[season.lower()]
        return _Point(int(groups[side.sy] or ""), first, last, "season")
    if iso_year := groups[side.iy]:
        month = int(groups[side.im] or "")
        return _Point(int(iso_year), month, month, "month")
    if numeric_month := groups[side.nm]:
        month = int(numeric_month)
        return _Point(int(groups[side.ny] or ""), month, month, "month")
    if year_only := groups[side.y]:
        return _Point(int(year_only), 1, 12, "year")
    return None


def _coarsest(*precisions: DatePrecision) -> DatePrecision:
    return max(precisions, key=_PRECISION_RANK.__getitem__)


def _month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def _range_from_match(match: re.Match[str], reference_date: date) -> tuple[DateRange, bool] | None:
    """Build the DateRange of one regex match, or None when it is not a usable career range."""
    groups = match.groups()
    start = _point(groups, _START, reference_date)
    if start is None:  # pragma: no cover - the regex always matches a start date
        return None
    end = _point(groups, _END, reference_date)
    is_open = bool(groups[_OPEN]) or (end is None and bool(groups[_SINCE]))
    single = end is None and not is_open
    # A bare year on its own ("in 2020", "2020 Python 3.8") is far more often not a position.
    if single and start.precision == "year":
        return None
    if start.year < _EARLIEST_YEAR:
        return None
    start_day = date(start.year, start.first_month, 1)
    if start_day > reference_date:  # starts after the reference date: a plan, not experience
        return None
    precision = start.precision
    if is_open:
        end_day = reference_date
    else:
        last = end if end is not None else start
        if last.year < _EARLIEST_YEAR:
            return None
        end_day = _month_end(last.year, last.last_month)
        if end_day < start_day:
            return None
        precision = _coarsest(precision, last.precision)
    # "May 2025 - Jun 2027 (expected)": still going on at the reference date.
    ongoing = is_open or (end_day.year, end_day.month) > (reference_date.year, reference_date.month)
    dates = DateRange(
        start=start_day,
        end=min(end_day, reference_date),
        is_current=ongoing,
        precision=precision,
        text=match.group(0),
    )
    return dates, single


def find_date_ranges(text: str, *, reference_date: date) -> tuple[FoundRange, ...]:
    """Every date range in ``text`` (in order), with offsets into ``text``."""
    found: list[FoundRange] = []
    for match in _RANGE_RE.finditer(text):
        parsed = _range_from_match(match, reference_date)
        if parsed is not None:
            dates, single = parsed
            found.append(FoundRange(dates, match.start(), match.end(), single))
    return tuple(found)


def parse_date_range(text: str, *, reference_date: date) -> DateRange | None:
    """The first date range written in ``text`` ("Jan 2020 – Present", "2017-2019" ...), or None."""
    for found in find_date_ranges(text, reference_date=reference_date):
        return found.dates
    return None


# ----------------------------------------------------------------------------- heading words

_TITLE_WORD_RE = re.compile(
    r"(?<![\w-])(?:engineer|scientist|developer|analyst|intern|internship|manager|lead|leader"
    r"|researcher|consultant|architect|director|head|chief|officer|specialist|administrator"
    r"|programmer|designer|accountant|auditor|lecturer|professor|teacher|tutor|instructor"
    r"|assistant|associate|trainee|apprentice|co-?op|fellow|postdoc|coordinator|technician"
    r"|nurse|founder|co-founder|cto|ceo|vp|president|owner|contractor|freelancer|advisor"
    r"|adviser|strategist|principal|partner|supervisor|executive|clerk|representative"
    r"|swe|sde|mle|student|maintainer|statistician|economist|editor|trainer|rep|member|staff"
    r"|writer|translator|agent|secretary|treasurer|operator|tester|dba|sre)s?(?![\w-])",
    re.IGNORECASE,
)
# Two-letter degrees never follow ", ": there "MA" or "MS" is a US state.
_DEGREE_RE = re.compile(
    r"(?<![\w.])(?:Ph\.?\s?D\.?|D\.?Phil|M\.?\s?Sc\.?|B\.?\s?Sc\.?|M\.\s?S\.|B\.\s?S\.|"
    r"M\.\s?A\.|B\.\s?A\.|A\.\s?S\.|(?<!, )(?:MS|BS|MA|BA)|MBA|M\.?\s?Eng\.?|B\.?\s?Eng\.?|"
    r"B\.?\s?Tech\.?|M\.?\s?Tech\.?|M\.?\s?Phil\.?|LL\.?[BM]\.?|(?i:bachelor|master|doctorate|doctor|diploma|degree|"
    r"associate|certificate|high\s+school|a-levels|gcse|abitur))(?![\w])"
)
_ORG_WORD_RE = re.compile(
    r"(?<![\w-])(?:university|universit[äy]|college|institute|school|academy|polytechnic"
    r"|inc|llc|llp|ltd|plc|gmbh|corp|corporation|company|co|group|labs?|laboratory"
    r"|technologies|systems|solutions|bank|hospital|health|clinic|agency|studio|partners"
    r"|foundation|consulting|ventures|software|analytics|media|retail|insurance|telecom)"
    r"(?![\w-])",
    re.IGNORECASE,
)
_INTERNSHIP_RE = re.compile(
    r"(?<![\w-])(?:intern|internship|co-?op|trainee|summer\s+student|apprentice|apprenticeship"
    r"|werkstudent|praktikant|praktikum)(?![\w-])",
    re.IGNORECASE,
)
_LOCATION_RE = re.compile(
    r"^(?:(?:fully\s+)?remote(?:\s*\([^)]{0,40}\))?|hybrid|on-?site"
    r"|[A-Z][\w.'-]+(?:\s[A-Z][\w.'-]+){0,2},\s?[A-Z]{2}(?:,\s?[A-Z][\w]+)?)$"
)
_BULLET_RE = re.compile(
    r"^\s*(?:[-*+>~\u2022\u2023\u2043\u2219\u25aa\u25cf\u25e6\u25a0\u25cb\u00b7\u2013\u2014]"
    r"|\d{1,2}[.)])\s"
)
_DURATION_RE = re.compile(
    r"\(\s*(?:\d{1,2}(?:[.,]\d)?\+?\s*(?:years?|yrs?|months?|mos?)\.?[\s,]*){1,2}\)"
    r"|\(\s*(?:expected|ongoing|anticipated)\s*\)",
    re.IGNORECASE,
)
# Separators between title, organisation, location and dates on a heading line.
_STRONG_SEPARATOR_RE = re.compile(
    r"\s+[-\u2013\u2014]\s+|\s*[|\u00b7\u2022\t]\s*|\s{3,}|\s+(?:at|@)\s+|\n"
)
_EDGE_PUNCTUATION = " ,;:-\u2013\u2014|\u00b7\u2022\t"

# A heading line has at most this many words once its dates are removed; longer lines are prose.
_MAX_HEADING_WORDS = 14
_MAX_HEADING_LINES = 2
_MAX_FILLER_LINES = 3
# "I joined Acme in May 2015 as ...": a sentence about a date, never a heading.
# "Engineer I" is a level, "I joined" a sentence.
_FIRST_PERSON_RE = re.compile(r"\bI(?:'m|'ve|'d)?\s+[a-z]|\b(?:[Mm]y|[Ww]e|[Oo]ur|me)\b")
_CONTACT_RE = re.compile(r"https?://|www\.|\S@\S|linkedin\.com|github\.com", re.IGNORECASE)

_POSITION_SECTIONS = {
    SectionKind.EXPERIENCE,
    SectionKind.PROJECTS,
    SectionKind.EDUCATION,
    SectionKind.OTHER,
    SectionKind.HEADER,
}
# In these sections a date line counts only when it plainly names a job title.
_JOB_ONLY_WHEN_TITLED = {SectionKind.OTHER, SectionKind.HEADER}


def _has_title_word(text: str) -> bool:
    return _TITLE_WORD_RE.search(text) is not None


def _has_degree_word(text: str) -> bool:
    return _DEGREE_RE.search(text) is not None


def _word_count(text: str) -> int:
    return sum(1 for word in text.split() if any(ch.isalpha() for ch in word))


# ----------------------------------------------------------------------------- lines


@dataclass(frozen=True, slots=True)
class _Line:
    start: int  # offset in the document text
    end: int  # offset of the line end (before "\n")
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def bullet(self) -> bool:
        return _BULLET_RE.match(self.text) is not None

    @property
    def filler(self) -> bool:
        """Blank, or punctuation only (a lone "-" or "|" between heading lines)."""
        return not any(ch.isalnum() for ch in self.text)


def _lines(text: str, base: int) -> list[_Line]:
    lines: list[_Line] = []
    offset = 0
    for raw in text.split("\n"):
        lines.append(_Line(base + offset, base + offset + len(raw), raw))
        offset += len(raw) + 1
    return lines


@dataclass(frozen=True, slots=True)
class _Anchor:
    """A heading-like line carrying a date range, plus the heading lines around it."""

    found: FoundRange  # offsets in the document text
    heading: tuple[str, ...]  # heading texts with the dates removed, top to bottom
    first_line_index: int  # first line of the position block
    last_heading_line_index: int  # the dates line, or the last heading line read below it


_EMPTY_PARENS_RE = re.compile(r"\(\s*\t\s*\)")
_DATE_LABEL_RE = re.compile(r"(?i)^\s*(?:dates?|from|period|duration|tenure)\s*:?\s*(?=\t)")


def _residual(line: _Line, found: FoundRange) -> str:
    """The line without its dates and duration notes: title, organisation and location."""
    local_start, local_end = found.start - line.start, found.end - line.start
    text = line.text[:local_start] + "\t" + line.text[local_end:]
    text = _DURATION_RE.sub(" ", text)
    text = _EMPTY_PARENS_RE.sub("\t", text)  # "(2019 - 2021)" leaves empty parentheses
    text = _DATE_LABEL_RE.sub("", text)
    return text.strip(_EDGE_PUNCTUATION)


def _is_location(text: str) -> bool:
    return _LOCATION_RE.match(text.strip(_EDGE_PUNCTUATION)) is not None


def _heading_candidate(line: _Line, dated: set[int], index: int) -> bool:
    """A short, non-bullet, non-prose line without dates: a title, company or school line."""
    if line.blank or line.bullet or index in dated:
        return False
    text = line.text.strip()
    words = _word_count(text)
    if words == 0 or words > _MAX_HEADING_WORDS or len(text) > 120:
        return False
    if _CONTACT_RE.search(text):  # profile links, e-mail addresses: the contact block
        return False
    # A sentence ("Thesis on probabilistic models ...") ends with a full stop; "Acme Inc." does not
    # make a sentence, hence the word count.
    return not (text.endswith(".") and words >= 5)


def _titled(text: str, section: SectionKind) -> bool:
    if section == SectionKind.EDUCATION:
        return _has_degree_word(text)
    return _has_title_word(text)


def _completes(above: str, residual: str, section: SectionKind) -> bool:
    """Whether the line above a one-line heading supplies what it lacks.

    "Senior Engineer" above "Acme Corp   2019 – 2021" supplies the title; "Acme Corp" above
    "Senior Engineer   2019 – 2021" supplies the organisation.
    """
    if _titled(residual, section):
        title, organization = _title_and_organization([residual], section)
        return organization is None and not _titled(above, section)
    return _titled(above, section)


def _heading_lines_below(lines: Sequence[_Line], index: int, dated: set[int]) -> list[str]:
    """Up to two heading lines right under a dates line (no blank line in between)."""
    found: list[str] = []
    for cursor in range(index + 1, min(index + 1 + _MAX_HEADING_LINES, len(lines))):
        if not _heading_candidate(lines[cursor], dated, cursor):
            break
        found.append(lines[cursor].text.strip())
    return found


def _anchor(
    lines: Sequence[_Line],
    index: int,
    found: FoundRange,
    dated: set[int],
    floor: int,
    section: SectionKind,
) -> _Anchor | None:
    """Decide whether the dated line ``index`` heads a position; collect its heading lines.

    ``floor`` is the first line that may still belong to this position (the line after the
    previous anchor), so a heading never steals the previous position's lines.
    """
    line = lines[index]
    if line.bullet:
        return None
    residual = _residual(line, found)
    if _word_count(residual) > _MAX_HEADING_WORDS or _FIRST_PERSON_RE.search(residual):
        return None
    heading: list[str] = []
    first = last = index
    if not residual or _is_location(residual):
        # Dates on a line of their own: the title and organisation are on the lines above.
        cursor = index - 1
        taken = 0
        fillers = 0
        while cursor >= floor and taken < _MAX_HEADING_LINES:
            line_above = lines[cursor]
            # Job-site and DOCX exports put blank lines, a lone "-" or a page footer with the
            # profile link between heading lines.
            if line_above.filler or _CONTACT_RE.search(line_above.text):
                fillers += 1
                if fillers > _MAX_FILLER_LINES:
                    break
                cursor -= 1
                continue
            if not _heading_candidate(line_above, dated, cursor):
                if cursor == index - 1:
                    return None  # "(2014 – 2015)" right under a bullet: the bullet's date
                break
            heading.insert(0, line_above.text.strip())
            if not _is_location(line_above.text):
                taken += 1
            first = cursor
            fillers = 0
            cursor -= 1
        if not heading:
            # Dates first ("2019 – 2021" then "Senior Engineer" then "Acme"): read downwards.
            heading.extend(_heading_lines_below(lines, index, dated))
            last = index + len(heading)
    else:
        heading.append(residual)
        above = index - 1
        if (
            section != SectionKind.HEADER  # there the line above is the name or contact line
            and above >= floor
            and _heading_candidate(lines[above], dated, above)
            and _completes(lines[above].text.strip(), residual, section)
        ):
            heading.insert(0, lines[above].text.strip())
            first = above
    if not heading and found.single:
        return None
    if (
        found.single
        and section == SectionKind.EXPERIENCE
        and not _has_title_word(" ".join(heading))
    ):
        return None  # "Promoted in Mar 2022" is an event, not a one-month job
    if section in _JOB_ONLY_WHEN_TITLED:
        joined = " ".join(heading)
        if not _has_title_word(joined) or _has_degree_word(joined):
            return None
    return _Anchor(found, tuple(heading), first, last)


# ----------------------------------------------------------------------------- title / org


def _split_commas(text: str) -> list[str]:
    """Split on ", " outside parentheses: 'PhD, Computer Science (ML, NLP), Univ' -> 3 chunks."""
    chunks: list[str] = []
    depth = 0
    current: list[str] = []
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0 and text[i + 1 : i + 2] == " ":
            chunks.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    chunks.append("".join(current).strip())
    return [chunk for chunk in chunks if chunk]


def _heading_parts(heading: Iterable[str]) -> list[str]:
    parts: list[str] = []
    for text in heading:
        for part in _STRONG_SEPARATOR_RE.split(text):
            cleaned = part.strip(_EDGE_PUNCTUATION)
            if any(ch.isalpha() for ch in cleaned):
                parts.append(cleaned)
    named = [part for part in parts if not _is_location(part)]
    return named or parts


def _is_org(text: str) -> bool:
    return _ORG_WORD_RE.search(text) is not None


def _title_and_organization(
    heading: Sequence[str], section: SectionKind
) -> tuple[str | None, str | None]:
    """Guess which heading part is the title and which the organisation."""
    parts = _heading_parts(heading)
    if not parts:
        return None, None
    if section == SectionKind.PROJECTS:
        return parts[0], (parts[1] if len(parts) > 1 else None)
    if len(parts) >= 2:
        titled_parts = [i for i, part in enumerate(parts) if _titled(part, section)]
        if not titled_parts and section != SectionKind.EDUCATION:
            # "Sasken Technologies | Pune, Maharashtra": no title word anywhere, so a company line.
            return None, next((part for part in parts if _is_org(part)), parts[0])
        title_index = titled_parts[0] if titled_parts else 0
        others = [part for i, part in enumerate(parts) if i != title_index]
        organization = next((part for part in others if _is_org(part)), others[0])
        return parts[title_index], organization
    chunks = _split_commas(parts[0])
    titled = [
        i
        for i, chunk in enumerate(chunks)
        # "Example University, Boston, MA": a trailing "MA" or "MS" chunk is a state.
        if _titled(chunk, section) and not (i > 0 and re.fullmatch(r"[A-Z]{2}", chunk))
    ]
    if not titled:
        # Without a title word a work heading is a company line ("ORACLE   2011 - 2016"); in
        # education it is the degree or school as written.
        if section == SectionKind.EDUCATION and not _is_org(parts[0]):
            return parts[0], None
        return None, parts[0]
    title_index = titled[0]
    if title_index > 0:  # "Acme Corp, Senior Engineer"
        return ", ".join(chunks[title_index:]), ", ".join(chunks[:title_index])
    if len(chunks) == 1:
        return chunks[0], None
    # "PhD, Computer Science (ML), University of X": the title runs up to the organisation chunk.
    org_index = next((i for i in range(1, len(chunks)) if _is_org(chunks[i])), 1)
    return ", ".join(chunks[:org_index]), ", ".join(chunks[org_index:])


def _kind(section: SectionKind, heading: Sequence[str]) -> PositionKind:
    if section == SectionKind.EDUCATION:
        return "education"
    if section == SectionKind.PROJECTS:
        return "other"
    if any(_INTERNSHIP_RE.search(text) for text in heading):
        return "internship"
    return "job"


# ----------------------------------------------------------------------------- positions


def _first_body_line(lines: Sequence[_Line], heading: str | None) -> int:
    """Index of the first line after the section heading, so it is never read as a job title."""
    if heading is None:
        return 0
    wanted = heading.strip().lower()
    for index, line in enumerate(lines):
        if line.blank:
            continue
        return index + 1 if wanted and wanted in line.text.lower() else 0
    return 0


def _section_anchors(
    doc: ExtractedDocument, section: Section, ref: date
) -> tuple[list[_Line], list[_Anchor]]:
    section_start, section_end, kind = section.start, section.end, section.kind
    heading = section.heading
    text = doc.text[section_start:section_end]
    lines = _lines(text, section_start)
    by_line: dict[int, FoundRange] = {}
    line_index = 0
    for found in find_date_ranges(text, reference_date=ref):
        absolute = FoundRange(
            found.dates, found.start + section_start, found.end + section_start, found.single
        )
        while lines[line_index].end < absolute.start:
            line_index += 1
        by_line.setdefault(line_index, absolute)  # the first range on a line dates it
    dated = set(by_line)
    anchors: list[_Anchor] = []
    floor = _first_body_line(lines, heading)
    for index in sorted(by_line):
        anchor = _anchor(lines, index, by_line[index], dated, floor, kind)
        if anchor is not None:
            anchors.append(anchor)
            floor = anchor.last_heading_line_index + 1
    return lines, anchors


def _trimmed_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def find_positions(doc: ExtractedDocument, *, reference_date: date) -> tuple[Position, ...]:
    """Dated positions (jobs, internships, education, projects) in document order."""
    positions: list[Position] = []
    for section in doc.sections:
        if section.kind not in _POSITION_SECTIONS:
            continue
        lines, anchors = _section_anchors(doc, section, reference_date)
        for number, anchor in enumerate(anchors):
            block_start = lines[anchor.first_line_index].start
            if number + 1 < len(anchors):
                block_end = lines[anchors[number + 1].first_line_index].start
            else:
                block_end = section.end
            title, organization = _title_and_organization(anchor.heading, section.kind)
            positions.append(
                Position(
                    index=len(positions),
                    kind=_kind(section.kind, anchor.heading),
                    title=title,
                    organization=organization,
                    dates=anchor.found.dates,
                    section=section.kind,
                    start=block_start,
                    end=_trimmed_end(doc.text, block_start, block_end),
                )
            )
    return tuple(positions)


# ----------------------------------------------------------------------------- summary


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def merged_months(ranges: Iterable[DateRange]) -> int:
    """Months covered by the union of ``ranges`` (each counted inclusively, overlaps once)."""
    intervals = sorted((_month_index(r.start), _month_index(r.end)) for r in ranges)
    total = 0
    current: tuple[int, int] | None = None
    for first, last in intervals:
        if current is None or first > current[1] + 1:
            if current is not None:
                total += current[1] - current[0] + 1
            current = (first, last)
        else:
            current = (current[0], max(current[1], last))
    if current is not None:
        total += current[1] - current[0] + 1
    return total


def _years(positions: Sequence[Position], kind: PositionKind) -> float:
    return round(merged_months(p.dates for p in positions if p.kind == kind) / 12, 1)


def summarize_experience(positions: Sequence[Position]) -> ExperienceSummary:
    """Merged years per kind; ``positions`` counts the work positions (jobs and internships)."""
    jobs = [p for p in positions if p.kind == "job"]
    return ExperienceSummary(
        professional_years=_years(positions, "job"),
        internship_years=_years(positions, "internship"),
        education_years=_years(positions, "education"),
        first_professional_start=min((p.dates.start for p in jobs), default=None),
        positions=sum(1 for p in positions if p.kind in ("job", "internship")),
    )
