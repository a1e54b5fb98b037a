"""Split cleaned resume text into sections by recognising heading lines.

A line is a heading only when it is short, is not a sentence, and reads as one of the known
section names below (compared after lower-casing and dropping decoration, numbering and filler
words such as "relevant" or "selected"). Unknown short lines are not headings: company names and
job titles are often written in capitals too, and must stay inside their section.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from matcher.models import Section, SectionKind

__all__ = ["classify_heading", "find_sections"]

_K = SectionKind
_HEADING_NAMES: dict[SectionKind, tuple[str, ...]] = {
    _K.SUMMARY: (
        "summary", "professional summary", "career summary", "executive summary", "profile",
        "professional profile", "career profile", "personal profile", "objective",
        "career objective", "objectives", "about", "about me", "overview", "introduction",
        "bio", "highlights", "career highlights", "summary of qualifications",
        "highlights of qualifications", "personal statement",
    ),
    _K.EXPERIENCE: (
        "experience", "experiences", "work experience", "professional experience",
        "employment", "employment history", "work history", "career history", "career",
        "professional background", "work", "industry experience", "research experience",
        "teaching experience", "internships", "internship", "internship experience",
        "positions", "positions held", "professional history", "job history", "jobs",
        "relevant work experience",
    ),
    _K.PROJECTS: (
        "projects", "project", "personal projects", "side projects", "project experience",
        "academic projects", "research projects", "portfolio", "open source",
        "open source contributions", "open source projects", "research", "notable projects",
    ),
    _K.SKILLS: (
        "skills", "skill", "technical skills", "core competencies", "competencies",
        "tech stack", "technology stack", "technologies", "tools", "tools and technologies",
        "technical expertise", "expertise", "areas of expertise", "skill set", "skillset",
        "skills summary", "programming languages", "technical proficiencies", "proficiencies",
        "qualifications", "core skills", "hard skills", "soft skills", "abilities", "toolbox",
        "frameworks",
    ),
    _K.EDUCATION: (
        "education", "academic background", "educational background", "academics",
        "academic qualifications", "academic history", "education and training",
        "educational qualifications", "degrees", "relevant coursework", "coursework",
        "academic record", "studies",
    ),
    _K.CERTIFICATIONS: (
        "certifications", "certification", "certificates", "certificate", "licenses",
        "licences", "licenses and certifications", "courses", "training", "trainings",
        "professional development", "online courses", "accreditations",
        "continuing education",
    ),
    _K.PUBLICATIONS: (
        "publications", "publication", "papers", "research papers", "patents",
        "conference papers", "journal articles", "articles",
    ),
    _K.AWARDS: (
        "awards", "award", "honors", "honours", "achievements", "accomplishments",
        "scholarships", "honors and awards", "awards and honors", "distinctions",
        "recognition", "prizes", "key achievements",
    ),
    _K.OTHER: (
        "languages", "spoken languages", "language skills", "interests", "hobbies",
        "hobbies and interests", "personal interests", "references", "volunteering",
        "volunteer", "volunteer experience", "volunteer work", "leadership",
        "leadership experience", "activities", "extracurricular activities",
        "extracurriculars", "memberships", "affiliations", "professional affiliations",
        "professional memberships", "personal information", "personal details", "contact",
        "contact information", "contact details", "additional information", "talks",
        "presentations", "conferences", "community", "misc", "miscellaneous", "links",
        "social", "availability",
    ),
}  # fmt: skip

# Words that may precede a section name without changing its meaning ("Selected Projects").
_FILLER_PREFIXES = frozenset(
    {
        "relevant", "selected", "select", "key", "my", "additional", "other", "recent",
        "notable", "main", "professional", "technical", "personal", "core", "current",
    }
)  # fmt: skip
_MAX_HEADING_CHARS = 48
_MAX_HEADING_WORDS = 6

_NAME_TO_KIND: dict[str, SectionKind] = {
    name: kind for kind, names in _HEADING_NAMES.items() for name in names
}
# Letter-spaced headings ("E X P E R I E N C E") lose their word gaps; match them squashed.
_SQUASHED_NAME_TO_KIND: dict[str, SectionKind] = {
    name.replace(" ", ""): kind for name, kind in _NAME_TO_KIND.items()
}
# Every word of every name, squashed forms included: a heading has at least one of them.
_HEADING_WORDS = frozenset(
    word for name in _NAME_TO_KIND for word in (*name.split(), name.replace(" ", ""))
)

_LINE = re.compile(r"[^\n]+")
_MARKDOWN_HASHES = re.compile(r"^#{1,6}\s*")
_LEADING_NUMBER = re.compile(r"^(?:\d{1,2}|[ivx]{1,4})[.)]\s+")
_NOT_LETTERS = re.compile(r"[^a-z]+")
_FIRST_LETTER = re.compile(r"[^\W\d_]")
_SEPARATORS = re.compile(r"[&+/,|]")  # "Tools/Technologies", "Honors, Awards" join two names
_DECORATION = " \t-–—=_*~|:#>•·.,/\\()[]{}<>"
# An ALL-CAPS label followed by its content on the same line: "SKILLS: Python, SQL".
_INLINE_CAPS_LABEL = re.compile(r"^([A-Z][A-Z &/]{2,40}):\s*\S")


def find_sections(text: str) -> tuple[Section, ...]:
    """Sections covering ``text`` in order without gaps; text before the first heading is HEADER."""
    if not text:
        return ()
    headings = list(_iter_headings(text))
    sections: list[Section] = []
    if not headings or headings[0][0] > 0:
        first_end = headings[0][0] if headings else len(text)
        sections.append(Section(kind=SectionKind.HEADER, heading=None, start=0, end=first_end))
    for index, (start, kind, heading) in enumerate(headings):
        end = headings[index + 1][0] if index + 1 < len(headings) else len(text)
        sections.append(Section(kind=kind, heading=heading, start=start, end=end))
    return tuple(sections)


def classify_heading(line: str) -> SectionKind | None:
    """The section a line introduces, or None when the line is not a section heading."""
    stripped = line.strip()
    if not stripped or len(stripped) > _MAX_HEADING_CHARS or stripped[-1] in ".!?,;":
        return None
    if stripped.startswith("•"):
        return None  # a list item, even when it reads "Leadership"
    first_letter = _FIRST_LETTER.search(stripped)
    if first_letter is None or not first_letter.group().isupper():
        return None  # a wrapped sentence can end on "projects"; headings start with a capital
    words = _normalise(stripped)
    if _HEADING_WORDS.isdisjoint(words) and not all(len(word) == 1 for word in words):
        return None  # cheap exit for the many short lines that name no section at all
    if len(words) > _MAX_HEADING_WORDS and all(len(word) == 1 for word in words):
        words = ["".join(words)]  # letter-spaced: "E X P E R I E N C E"
    if not words or len(words) > _MAX_HEADING_WORDS:
        return None
    return _lookup(words)


def _iter_headings(text: str) -> Iterator[tuple[int, SectionKind, str]]:
    for match in _LINE.finditer(text):
        line = match.group()
        kind = classify_heading(line)
        if kind is not None:
            yield match.start(), kind, line.strip()
            continue
        label = _INLINE_CAPS_LABEL.match(line) if line[:1].isupper() else None
        if label is not None:
            kind = classify_heading(label.group(1))
            if kind is not None and kind is not SectionKind.OTHER:
                yield match.start(), kind, label.group(1)


def _normalise(line: str) -> list[str]:
    """Lower-case words of a candidate heading without markup, numbering or decoration."""
    text = _MARKDOWN_HASHES.sub("", line).strip(_DECORATION).lower()
    text = _LEADING_NUMBER.sub("", text)
    text = _SEPARATORS.sub(" and ", text)
    return [word for word in _NOT_LETTERS.split(text) if word]


def _lookup(words: list[str]) -> SectionKind | None:
    # "Education & Certifications", "Skills and Interests": the first part names the section,
    # but every part must be a section name, so a phrase like "Skills and Python" is not one.
    kinds = [_lookup_name(part.split()) for part in " ".join(words).split(" and ")]
    if not kinds or any(kind is None for kind in kinds):
        return None
    return kinds[0]


def _lookup_name(words: list[str]) -> SectionKind | None:
    """One section name, as written or after dropping filler words in front of it."""
    while words:
        kind = _NAME_TO_KIND.get(" ".join(words)) or _SQUASHED_NAME_TO_KIND.get("".join(words))
        if kind is not None or words[0] not in _FILLER_PREFIXES:
            return kind
        words = words[1:]
    return None
