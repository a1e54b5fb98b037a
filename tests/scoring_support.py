"""Build resume objects by hand for scoring/render tests: no loader, timeline or extractor needed.

A resume is a header plus blocks. Lines mark skill mentions as ``[[node_id|text]]`` (optionally
``[[node_id|text|negated]]``); the builder removes the markup and records a ``SkillMention`` with
the right offsets, section, position and context ("list" in a Skills section or on a "Stack:" line).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from matcher.models import (
    DateRange,
    DocumentInfo,
    ExperienceSummary,
    ExtractedDocument,
    LevelFit,
    MediaType,
    Position,
    PositionKind,
    Section,
    SectionKind,
    SkillMention,
)
from matcher.profiles import Profile
from matcher.scoring import merged_years, score_profiles, summarize_skills
from skills.taxonomy import Taxonomy, load_taxonomy

TEST_TAXONOMY_DIR = Path(__file__).parent / "data" / "scoring" / "taxonomy"
REFERENCE = date(2026, 12, 1)
_MARK = re.compile(r"\[\[([a-z0-9_]+)\|([^\]|]+)(?:\|(negated|aspirational))?\]\]")


def mini_taxonomy() -> Taxonomy:
    """The small test taxonomy in tests/data/scoring/taxonomy."""
    return load_taxonomy(TEST_TAXONOMY_DIR)


@dataclass
class Block:
    section: SectionKind
    lines: list[str]
    kind: PositionKind | None = None
    title: str | None = None
    start: str | None = None  # "YYYY-MM"
    end: str | None = None  # "YYYY-MM" or "present"


@dataclass
class Resume:
    header: list[str]
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Built:
    document: ExtractedDocument
    positions: tuple[Position, ...]
    mentions: tuple[SkillMention, ...]
    experience: ExperienceSummary


def _month(text: str) -> date:
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def _range(block: Block, reference: date) -> DateRange:
    assert block.start is not None and block.end is not None
    current = block.end == "present"
    end = reference if current else _month(block.end)
    return DateRange(
        start=_month(block.start),
        end=end,
        is_current=current,
        text=f"{block.start} - {block.end}",
    )


def build(resume: Resume, taxonomy: Taxonomy, reference: date = REFERENCE) -> Built:
    text = ""
    sections: list[Section] = []
    positions: list[Position] = []
    mentions: list[SkillMention] = []

    header = "\n".join(resume.header) + "\n"
    sections.append(Section(kind=SectionKind.HEADER, start=0, end=len(header)))
    text += header
    previous: SectionKind | None = None
    for block in resume.blocks:
        if block.section != previous:
            if sections:
                sections[-1] = sections[-1].model_copy(update={"end": len(text)})
            heading = f"\n{block.section.value.upper()}\n"
            sections.append(
                Section(kind=block.section, heading=heading.strip(), start=len(text), end=len(text))
            )
            text += heading
            previous = block.section
        block_start = len(text)
        position: Position | None = None
        if block.kind is not None:
            dates = _range(block, reference)
            text += f"{block.title}, {dates.text}\n"
            position = Position(
                index=len(positions),
                kind=block.kind,
                title=block.title,
                dates=dates,
                section=block.section,
                start=block_start,
                end=block_start,
            )
        for line in block.lines:
            is_list = block.section == SectionKind.SKILLS or line.startswith("Stack:")
            out = ""
            cursor = 0
            for match in _MARK.finditer(line):
                out += line[cursor : match.start()]
                node_id, surface, assertion = match.group(1), match.group(2), match.group(3)
                start = len(text) + len(out)
                out += surface
                node = taxonomy.nodes[node_id]
                mentions.append(
                    SkillMention(
                        node_id=node_id,
                        name=node.name,
                        text=surface,
                        start=start,
                        end=start + len(surface),
                        section=block.section,
                        position_index=position.index if position else None,
                        dates=position.dates if position else None,
                        context="list" if is_list else "prose",
                        assertion=assertion or "asserted",
                    )
                )
                cursor = match.end()
            out += line[cursor:]
            text += out + "\n"
        if position is not None:
            positions.append(position.model_copy(update={"end": len(text)}))
    sections[-1] = sections[-1].model_copy(update={"end": len(text)})
    document = ExtractedDocument(
        info=DocumentInfo(media_type=MediaType.TXT, characters=len(text)),
        text=text,
        sections=tuple(sections),
    )
    jobs = [p.dates for p in positions if p.kind == "job"]
    interns = [p.dates for p in positions if p.kind == "internship"]
    experience = ExperienceSummary(
        professional_years=round(merged_years(jobs, reference), 2),
        internship_years=round(merged_years(interns, reference), 2),
        education_years=0.0,
        positions=len(positions),
    )
    return Built(document, tuple(positions), tuple(mentions), experience)


def score(
    built: Built, profiles: Sequence[Profile], taxonomy: Taxonomy, reference: date = REFERENCE
) -> tuple[tuple[LevelFit, ...], str | None]:
    skills = summarize_skills(
        built.mentions, built.positions, taxonomy=taxonomy, reference_date=reference
    )
    return score_profiles(
        profiles,
        document=built.document,
        positions=built.positions,
        experience=built.experience,
        mentions=built.mentions,
        skills=skills,
        taxonomy=taxonomy,
        reference_date=reference,
    )


def scores(built: Built, profiles: Sequence[Profile], taxonomy: Taxonomy) -> dict[str, float]:
    fits, _ = score(built, profiles, taxonomy)
    return {fit.level: fit.score for fit in fits}


def as_dict(resume: Resume) -> dict[str, Any]:
    """For readable assertion messages."""
    return {"header": resume.header, "blocks": [b.__dict__ for b in resume.blocks]}
