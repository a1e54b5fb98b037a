"""Immutable result objects shared by the library, the CLI and the API.

One JSON Schema (``MatchResult.model_json_schema()``, published as
``schema/match_result.schema.json``) describes what every entry point returns. Offsets
(``start``/``end``) always index into ``ExtractedDocument.text``: the cleaned text the library
extracted from the file.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MediaType(StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    TXT = "txt"
    MARKDOWN = "md"
    HTML = "html"


class SectionKind(StrEnum):
    HEADER = "header"  # text before the first heading: name, contact line, headline
    SUMMARY = "summary"
    EXPERIENCE = "experience"
    PROJECTS = "projects"
    SKILLS = "skills"
    EDUCATION = "education"
    CERTIFICATIONS = "certifications"
    PUBLICATIONS = "publications"
    AWARDS = "awards"
    OTHER = "other"


class Level(StrEnum):
    JUNIOR = "junior"
    MID = "mid"
    SENIOR = "senior"


# ----------------------------------------------------------------------------- ingestion


class DocumentInfo(Frozen):
    media_type: MediaType
    pages: int | None = Field(
        default=None, description="Pages read (PDF only; DOCX has no fixed pages)."
    )
    total_pages: int | None = Field(default=None, description="Pages the file declares (PDF only).")
    characters: int = Field(description="Length of the extracted text.")
    truncated: bool = Field(
        default=False, description="True when a page or text cap cut the document."
    )
    warnings: tuple[str, ...] = ()


class Section(Frozen):
    kind: SectionKind
    heading: str | None = Field(default=None, description="The heading line as written, if any.")
    start: int
    end: int


class ExtractedDocument(Frozen):
    """The output of ingestion: cleaned text plus what we know about the file."""

    info: DocumentInfo
    text: str
    sections: tuple[Section, ...]


# ----------------------------------------------------------------------------- timeline


DatePrecision = Literal["day", "month", "season", "year"]
PositionKind = Literal["job", "internship", "education", "other"]


class DateRange(Frozen):
    start: date
    end: date = Field(description="Inclusive end; for an open range, the reference date.")
    is_current: bool = Field(default=False, description="Written as 'Present', 'now', 'current' …")
    precision: DatePrecision = "month"
    text: str = Field(description="The range as written in the resume.")

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1


class Position(Frozen):
    index: int
    kind: PositionKind
    title: str | None = None
    organization: str | None = None
    dates: DateRange
    section: SectionKind
    start: int = Field(description="Offset where the position's block starts.")
    end: int = Field(description="Offset where the position's block ends (exclusive).")


class ExperienceSummary(Frozen):
    professional_years: float = Field(description="Merged job time, internships excluded.")
    internship_years: float
    education_years: float
    first_professional_start: date | None = None
    positions: int


# ----------------------------------------------------------------------------- skills


MentionContext = Literal["list", "prose"]
Assertion = Literal["asserted", "negated", "aspirational"]
MatchKind = Literal["exact", "fuzzy"]


class SkillMention(Frozen):
    node_id: str
    name: str = Field(description="Preferred name of the taxonomy node.")
    text: str = Field(description="The text as matched in the resume.")
    start: int
    end: int
    section: SectionKind
    position_index: int | None = Field(
        default=None, description="Index into MatchResult.positions."
    )
    dates: DateRange | None = None
    context: MentionContext = Field(
        description="'list' for a bare skills-list item, 'prose' for a sentence about work."
    )
    assertion: Assertion = Field(
        default="asserted",
        description="'negated' or 'aspirational' mentions do not count as having it.",
    )
    match: MatchKind = "exact"
    score: float = Field(default=100.0, description="Match score 0-100 (100 for exact matches).")
    kind: Literal["skill", "signal"] = Field(
        default="skill",
        description="'skill' when the name of a skill was found; 'signal' for a behaviour phrase"
        " that evidences it ('mentored two junior engineers', 'tech lead for ...').",
    )


class SkillEvidence(Frozen):
    """All asserted mentions of one node, rolled up for scoring."""

    node_id: str
    name: str
    category: str
    mentions: int
    in_work: bool = Field(description="Mentioned in prose inside a dated position or project.")
    years: float = Field(
        default=0.0, description="Merged time of the dated positions that mention it."
    )
    last_used: date | None = None


# ----------------------------------------------------------------------------- scoring


RequirementKind = Literal["skills", "experience", "education", "signals"]
RequirementStatus = Literal["met", "partial", "missing"]
Verdict = Literal["strong", "partial", "weak"]


class Evidence(Frozen):
    """A quoted piece of the resume that supports a requirement."""

    text: str
    start: int
    end: int
    section: SectionKind
    node_id: str | None = None
    dates: DateRange | None = None
    note: str | None = None


class RequirementResult(Frozen):
    id: str
    kind: RequirementKind
    label: str
    importance: Literal["must", "nice"]
    weight: float
    satisfaction: float = Field(ge=0.0, le=1.0)
    status: RequirementStatus
    evidence: tuple[Evidence, ...] = ()
    missing: tuple[str, ...] = Field(
        default=(), description="Names of what was looked for and not found."
    )
    explanation: str
    advice: str | None = Field(default=None, description="What would close the gap; None when met.")


class LevelFit(Frozen):
    level: str
    title: str
    score: float = Field(ge=0.0, le=100.0)
    verdict: Verdict
    requirements: tuple[RequirementResult, ...]
    summary: str


class Versions(Frozen):
    matcher: str
    schema_version: str = SCHEMA_VERSION
    taxonomy: str
    profiles: dict[str, str]


class MatchResult(Frozen):
    """Everything the matcher knows about one resume."""

    versions: Versions
    reference_date: date
    document: DocumentInfo
    sections: tuple[Section, ...]
    positions: tuple[Position, ...]
    experience: ExperienceSummary
    mentions: tuple[SkillMention, ...]
    skills: tuple[SkillEvidence, ...]
    fits: tuple[LevelFit, ...]
    best_fit: str | None = Field(
        default=None,
        description="The highest level with a strong fit, else the best-scoring partial fit.",
    )
    text: str | None = Field(
        default=None, description="Extracted text; only present when asked for."
    )


class ErrorRecord(Frozen):
    """One failed input in a batch: never contains document content."""

    source: str
    code: str
    title: str
    message: str
