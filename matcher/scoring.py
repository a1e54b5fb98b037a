"""Score a resume against requirement profiles and explain every number (pure: no I/O, no spaCy).

Only mentions with ``assertion == "asserted"`` count. Everything below is deterministic; the
constants are module-level so the README and the tests can quote them.

**Credit of one mention** (``mention_credit``), in [0, 1], is *context x recency*:

- context: prose inside a dated job, internship or project = 1.0; prose inside an education entry
  (thesis, coursework) or in an Experience/Projects section but outside any dated position = 0.8;
  prose elsewhere (summary, header) = 0.7; a bare list entry = the requirement's ``list_credit``
  (0.6 for skills, 0.3 for signals), or halfway between that and 1.0 when the list sits inside a
  dated position ("Stack: PyTorch, Docker" under a job).
- recency: used within ``RECENT_YEARS`` (3) of the reference date = 1.0, then
  ``0.5 + 0.5 * exp(-(age - 3) / 4)`` (7 years ago 0.68, 11 years ago 0.57); undated = 1.0.

**Credit of one skill** (a taxonomy node with evidence) = the best credit of its mentions; when the
requirement sets ``min_years``, credits from dated positions are multiplied by
``0.7 + 0.3 * min(1, years / min_years)`` (years = merged time of the positions that mention it).

**Skills and signals groups**: the candidate skills are all nodes the group's nodes cover
(``Taxonomy.covers``: a node and its descendants). satisfaction = (sum of the ``min_count`` best
distinct skill credits) / ``min_count``. A group of five where two are needed and one is shown in
a job gives 0.5.

**Experience**: every month of the timeline takes the largest weight of the positions covering it
(job 1.0, internship ``internship_weight``, dated project ``project_weight``) x relevance (title
with an ML term 1.0, otherwise a position whose text uses ML skills ``adjacent_weight``, otherwise
``other_weight``). years = weighted months / 12;
satisfaction = floor + (1 - floor) * logistic((years - midpoint) / spread).

**Education**: degree credit (1.0 at or above ``min_degree``, ``below_min_credit`` below) x field
credit (1.0 core field, ``related_field_credit`` related, ``unknown_field_credit`` none found);
a field without a degree gets ``field_only_credit``; equivalent experience gives
``equivalent_credit * min(1, relevant years / equivalent_years)``; the best of these counts.

**Status** of a requirement: met >= 0.7 > partial >= 0.25 > missing.

**Level score** (0-100) = 100 x weighted mean of satisfactions, then capped when must-haves are
missing: one missing must-have caps the score just below the strong threshold (69 by default), two
or more just below the partial threshold (44). Verdict: strong >= 70, partial >= 45, else weak
(thresholds per profile).

**Best fit** = the highest level whose verdict is strong; when no level is strong, the level with
the highest score among those with a partial verdict (ties go to the higher level); else ``None``.
Higher levels demand more, so a senior resume is strong at junior, mid and senior and gets
"senior"; a candidate who is only partial everywhere is placed where they are closest, not at the
top.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from matcher.models import (
    DateRange,
    Evidence,
    ExperienceSummary,
    ExtractedDocument,
    LevelFit,
    Position,
    RequirementResult,
    RequirementStatus,
    SectionKind,
    SkillEvidence,
    SkillMention,
    Verdict,
)
from matcher.profiles import (
    EducationRequirement,
    ExperienceCurve,
    ExperienceRequirement,
    Profile,
    Requirement,
    SignalsRequirement,
    SkillsRequirement,
)
from skills.taxonomy import Taxonomy

__all__ = [
    "MET_AT",
    "PARTIAL_AT",
    "RECENT_YEARS",
    "choose_best_fit",
    "mention_credit",
    "recency_factor",
    "score_profiles",
    "summarize_skills",
    "verdict_for",
    "years_curve",
]

MET_AT = 0.7
PARTIAL_AT = 0.25
RECENT_YEARS = 3.0
RECENCY_FLOOR = 0.5
RECENCY_DECAY_YEARS = 4.0
PROSE_IN_WORK = 1.0
PROSE_NEAR_WORK = 0.8  # education entries, or undated text in Experience/Projects sections
PROSE_ELSEWHERE = 0.7
YEARS_FACTOR_FLOOR = 0.7
MAX_EVIDENCE = 5
SNIPPET_CHARS = 160

WORK_KINDS = frozenset({"job", "internship", "other"})
_WORK_SECTIONS = frozenset({SectionKind.EXPERIENCE, SectionKind.PROJECTS})
_EDUCATION_SECTIONS = frozenset({SectionKind.EDUCATION, SectionKind.CERTIFICATIONS})

# Defaults used where a requirement has no experience knobs of its own (equivalent experience for
# education, relevance of a position for explanations).
_DEFAULT_EXPERIENCE = ExperienceRequirement(
    id="experience",
    label="Experience",
    importance="nice",
    weight=1.0,
    kind="experience",
    typical_years="",
    curve=ExperienceCurve(midpoint=1.0, spread=1.0),
)


# ----------------------------------------------------------------------------- small pure helpers


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def years_curve(years: float, *, midpoint: float, spread: float, floor: float = 0.0) -> float:
    """Smooth, increasing map from years to [floor, 1): no cliff at any year count."""
    return floor + (1.0 - floor) * logistic((years - midpoint) / spread)


def years_between(earlier: date, later: date) -> float:
    return (later - earlier).days / 365.25


def recency_factor(last_used: date | None, reference_date: date) -> float:
    """1.0 within the last RECENT_YEARS, then a smooth decay toward RECENCY_FLOOR."""
    if last_used is None:
        return 1.0
    age = years_between(min(last_used, reference_date), reference_date)
    if age <= RECENT_YEARS:
        return 1.0
    decay = math.exp(-(age - RECENT_YEARS) / RECENCY_DECAY_YEARS)
    return RECENCY_FLOOR + (1.0 - RECENCY_FLOOR) * decay


def years_factor(years: float, min_years: float | None) -> float:
    if min_years is None:
        return 1.0
    return YEARS_FACTOR_FLOOR + (1.0 - YEARS_FACTOR_FLOOR) * min(1.0, years / min_years)


def status_for(satisfaction: float) -> RequirementStatus:
    if satisfaction >= MET_AT:
        return "met"
    if satisfaction >= PARTIAL_AT:
        return "partial"
    return "missing"


def verdict_for(score: float, profile: Profile) -> Verdict:
    if score >= profile.thresholds.strong:
        return "strong"
    if score >= profile.thresholds.partial:
        return "partial"
    return "weak"


def _month_ordinal(day: date) -> int:
    return day.year * 12 + day.month - 1


def _months(dates: DateRange, reference_date: date) -> range:
    """Months a range covers, inclusive, never past the reference date."""
    end = min(dates.end, reference_date)
    return range(_month_ordinal(dates.start), _month_ordinal(end) + 1)


def merged_years(ranges: Iterable[DateRange], reference_date: date) -> float:
    """Time covered by the ranges, overlaps counted once."""
    months: set[int] = set()
    for dates in ranges:
        months.update(_months(dates, reference_date))
    return len(months) / 12.0


def _names(items: Sequence[str], limit: int = 6) -> str:
    shown = list(items[:limit])
    if len(items) > limit:
        shown.append(f"{len(items) - limit} more")
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " or " + shown[-1]


def _and_names(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _in_sentence(label: str) -> str:
    """'Deployment and MLOps' -> 'deployment and MLOps'; acronyms ('ML frameworks') stay."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _format_range(dates: DateRange) -> str:
    start = f"{dates.start:%Y-%m}"
    end = "present" if dates.is_current else f"{dates.end:%Y-%m}"
    return f"{start} to {end}"


def snippet_span(text: str, start: int, end: int, *, limit: int = SNIPPET_CHARS) -> tuple[int, int]:
    """The line around [start, end), trimmed of bullets and blanks and clipped to ``limit``."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    if line_end - line_start > limit:
        half = max(0, (limit - (end - start)) // 2)
        line_start = max(line_start, start - half)
        line_end = min(line_end, max(end, line_start + limit))
    while line_start < start and text[line_start] in " \t-*•·–—>|":
        line_start += 1
    while line_end > end and text[line_end - 1] in " \t":
        line_end -= 1
    return line_start, line_end


# ----------------------------------------------------------------------------- skill roll-up


def summarize_skills(
    mentions: Sequence[SkillMention],
    positions: Sequence[Position],
    *,
    taxonomy: Taxonomy,
    reference_date: date,
) -> tuple[SkillEvidence, ...]:
    """Roll asserted mentions up per node: in_work, years (merged position ranges), last_used."""
    by_index = {p.index: p for p in positions}
    grouped: dict[str, list[SkillMention]] = {}
    for mention in mentions:
        if mention.assertion == "asserted":
            grouped.setdefault(mention.node_id, []).append(mention)
    # Many skills are mentioned in the same set of positions: merge each set's months once.
    years_by_positions: dict[frozenset[int], float] = {}
    summaries = [
        _summarize_node(node_id, found, by_index, taxonomy, reference_date, years_by_positions)
        for node_id, found in grouped.items()
    ]
    summaries.sort(key=lambda s: (not s.in_work, -s.years, -s.mentions, s.name.casefold()))
    return tuple(summaries)


def _summarize_node(
    node_id: str,
    mentions: Sequence[SkillMention],
    positions: Mapping[int, Position],
    taxonomy: Taxonomy,
    reference_date: date,
    years_by_positions: dict[frozenset[int], float],
) -> SkillEvidence:
    work: set[int] = set()
    in_work = False
    last_used: date | None = None
    for mention in mentions:
        position = _position_for(mention, positions)
        dates = mention.dates
        if position is not None:
            if position.kind in WORK_KINDS:
                work.add(position.index)
                in_work = in_work or mention.context == "prose"
            if dates is None:
                dates = position.dates
        if dates is not None:
            used = min(dates.end, reference_date)
            if last_used is None or used > last_used:
                last_used = used
    key = frozenset(work)
    years = years_by_positions.get(key)
    if years is None:
        ranges = (positions[index].dates for index in sorted(key))
        years = years_by_positions[key] = round(merged_years(ranges, reference_date), 2)
    node = taxonomy.nodes.get(node_id)
    return SkillEvidence(
        node_id=node_id,
        name=node.name if node is not None else mentions[0].name,
        category=node.category if node is not None else "unknown",
        mentions=len(mentions),
        in_work=in_work,
        years=years,
        last_used=last_used,
    )


def _position_for(mention: SkillMention, positions: Mapping[int, Position]) -> Position | None:
    if mention.position_index is None:
        return None
    return positions.get(mention.position_index)


# ----------------------------------------------------------------------------- mention credit


@dataclass(frozen=True, slots=True)
class MentionCredit:
    credit: float
    context_credit: float
    recency: float
    dated: bool
    reasons: tuple[str, ...]
    """Why the credit is below 1: list_only, listed_in_position, near_work, outside_work, stale."""


# Where a mention sits, as the reason its context credit is below 1 ("in_work" has no reason).
_IN_WORK = "in_work"
_PROSE_CREDITS = {
    _IN_WORK: PROSE_IN_WORK,
    "near_work": PROSE_NEAR_WORK,
    "outside_work": PROSE_ELSEWHERE,
}


def _mention_context(mention: SkillMention, position: Position | None) -> str:
    """in_work, listed_in_position, list_only, near_work or outside_work."""
    in_work = position is not None and position.kind in WORK_KINDS
    if mention.context == "list":
        return "listed_in_position" if in_work else "list_only"
    if in_work:
        return _IN_WORK
    if position is not None or mention.section in _WORK_SECTIONS:
        return "near_work"
    return "outside_work"


def _context_credit(context: str, list_credit: float) -> float:
    if context == "listed_in_position":
        return list_credit + (1.0 - list_credit) / 2.0
    if context == "list_only":
        return list_credit
    return _PROSE_CREDITS[context]


def mention_credit(
    mention: SkillMention,
    position: Position | None,
    *,
    list_credit: float,
    reference_date: date,
) -> MentionCredit:
    """Credit of one asserted mention: context (prose in dated work best) x recency."""
    placed = _place(mention, position, reference_date)
    context_credit = _context_credit(placed.context, list_credit)
    return MentionCredit(
        credit=context_credit * placed.recency,
        context_credit=context_credit,
        recency=placed.recency,
        dated=placed.dated,
        reasons=placed.reasons,
    )


@dataclass(frozen=True, slots=True)
class _Placed:
    """What scoring needs of one mention that does not depend on the requirement."""

    mention: SkillMention
    position: Position | None
    context: str
    recency: float
    dated: bool  # dated work: the years factor of a requirement with min_years applies
    reasons: tuple[str, ...]


def _place(mention: SkillMention, position: Position | None, reference_date: date) -> _Placed:
    context = _mention_context(mention, position)
    reasons = () if context == _IN_WORK else (context,)
    dates = mention.dates or (position.dates if position is not None else None)
    recency = recency_factor(dates.end if dates is not None else None, reference_date)
    if recency < 1.0:
        reasons = (*reasons, "stale")
    in_work = context in (_IN_WORK, "listed_in_position")
    return _Placed(mention, position, context, recency, dates is not None and in_work, reasons)


# ----------------------------------------------------------------------------- scoring context


@dataclass(frozen=True)
class _Context:
    """Everything a requirement needs, indexed once per resume.

    The memo dicts hold results shared by the levels (the same skill, quote or position is looked
    at by junior, mid and senior); they live as long as one ``score_profiles`` call.
    """

    text: str
    reference_date: date
    taxonomy: Taxonomy
    positions: tuple[Position, ...]
    experience: ExperienceSummary
    mentions: tuple[SkillMention, ...]
    skills: Mapping[str, SkillEvidence]
    credit_cache: dict[tuple[str, float, float | None], _NodeCredit | None] = field(
        default_factory=dict, repr=False, compare=False
    )
    evidence_cache: dict[tuple[int, str | None], Evidence] = field(
        default_factory=dict, repr=False, compare=False
    )
    position_evidence_cache: dict[tuple[int, float, str], Evidence] = field(
        default_factory=dict, repr=False, compare=False
    )
    describe_cache: dict[int, str] = field(default_factory=dict, repr=False, compare=False)
    experience_cache: dict[tuple[Any, ...], _WeightedYears] = field(
        default_factory=dict, repr=False, compare=False
    )

    @cached_property
    def position_by_index(self) -> Mapping[int, Position]:
        return {p.index: p for p in self.positions}

    @cached_property
    def by_node(self) -> Mapping[str, tuple[_Placed, ...]]:
        """Mentions per node, each placed (position, context, recency) once."""
        grouped: dict[str, list[_Placed]] = {}
        for mention in self.mentions:
            placed = _place(mention, self.position_of(mention), self.reference_date)
            grouped.setdefault(mention.node_id, []).append(placed)
        return {node: tuple(found) for node, found in grouped.items()}

    @cached_property
    def node_ids(self) -> frozenset[str]:
        return frozenset(self.by_node)

    @cached_property
    def default_relevant_years(self) -> float:
        """Relevance-weighted years with the default weights (for equivalent experience)."""
        return weighted_years(_DEFAULT_EXPERIENCE, self)[0]

    def position_of(self, mention: SkillMention) -> Position | None:
        if mention.position_index is None:
            return None
        return self.position_by_index.get(mention.position_index)

    def evidence_for(self, mention: SkillMention, note: str | None = None) -> Evidence:
        key = (id(mention), note)  # mentions live in self.mentions: ids are stable here
        cached = self.evidence_cache.get(key)
        if cached is None:
            cached = self.evidence_cache[key] = self._evidence(mention, note)
        return cached

    def _evidence(self, mention: SkillMention, note: str | None) -> Evidence:
        start, end = snippet_span(self.text, mention.start, mention.end)
        position = self.position_of(mention)
        return Evidence(
            text=self.text[start:end],
            start=start,
            end=end,
            section=mention.section,
            node_id=mention.node_id,
            dates=mention.dates or (position.dates if position is not None else None),
            note=note,
        )

    def name_of(self, node_id: str) -> str:
        node = self.taxonomy.nodes.get(node_id)
        if node is not None:
            return node.name
        found = self.by_node.get(node_id)
        return found[0].mention.name if found else node_id


# ----------------------------------------------------------------------------- skills and signals


@dataclass(frozen=True, slots=True)
class _NodeCredit:
    node_id: str
    name: str
    credit: float
    mention: SkillMention
    reasons: tuple[str, ...]
    last_used: date | None
    years: float
    note: str
    rank: tuple[float, str, str] = field(init=False)
    """Sort key in a group: best credit first, then by name."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "rank", (-self.credit, self.name.casefold(), self.node_id))


def _rank(item: _NodeCredit) -> tuple[float, str, str]:
    return item.rank


# Derived taxonomy facts (covered nodes, children) per taxonomy: profiles are scored many times
# against one taxonomy. The taxonomy object is stored with each entry so a recycled id() can never
# match a different taxonomy.
_TAXONOMY_CACHE: dict[tuple[int, str, tuple[str, ...], tuple[str, ...]], tuple[Taxonomy, Any]] = {}
_TAXONOMY_CACHE_LIMIT = 4096


def _cached(
    taxonomy: Taxonomy, key: tuple[str, tuple[str, ...], tuple[str, ...]], compute: Any
) -> Any:
    full_key = (id(taxonomy), *key)
    cached = _TAXONOMY_CACHE.get(full_key)
    if cached is not None and cached[0] is taxonomy:
        return cached[1]
    value = compute()
    if len(_TAXONOMY_CACHE) >= _TAXONOMY_CACHE_LIMIT:
        _TAXONOMY_CACHE.clear()
    _TAXONOMY_CACHE[full_key] = (taxonomy, value)
    return value


def _covered_nodes(
    nodes: Sequence[str], taxonomy: Taxonomy, exclude: Sequence[str] = ()
) -> tuple[str, ...]:
    """Nodes and their descendants, in a stable order, minus ``exclude`` and its descendants."""
    result: tuple[str, ...] = _cached(
        taxonomy,
        ("covered", tuple(nodes), tuple(exclude)),
        lambda: _compute_covered(nodes, taxonomy, exclude),
    )
    return result


def _compute_covered(
    nodes: Sequence[str], taxonomy: Taxonomy, exclude: Sequence[str]
) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for node_id in nodes:
        covered = taxonomy.covers(node_id) if node_id in taxonomy.nodes else (node_id,)
        for covered_id in covered:
            seen.setdefault(covered_id, None)
    if exclude:
        dropped = set(_covered_nodes(exclude, taxonomy))
        return tuple(n for n in seen if n not in dropped)
    return tuple(seen)


# What a requirement needs from the taxonomy, derived once per (taxonomy, requirement) and reused
# for every resume. Entries keep both objects alive, so their ids cannot be recycled meanwhile.
_REQUIREMENT_INDEX: dict[tuple[int, int], tuple[Taxonomy, object, Any]] = {}


def _requirement_index(taxonomy: Taxonomy, requirement: object, build: Any) -> Any:
    key = (id(taxonomy), id(requirement))
    cached = _REQUIREMENT_INDEX.get(key)
    if cached is not None and cached[0] is taxonomy and cached[1] is requirement:
        return cached[2]
    value = build()
    if len(_REQUIREMENT_INDEX) >= _TAXONOMY_CACHE_LIMIT:
        _REQUIREMENT_INDEX.clear()
    _REQUIREMENT_INDEX[key] = (taxonomy, requirement, value)
    return value


@dataclass(frozen=True, slots=True)
class _GroupIndex:
    covered: frozenset[str]
    """Every node that counts for the group."""
    listed: tuple[tuple[str, frozenset[str]], ...]
    """Each listed node with what it covers (minus exclusions), to name what was not found."""
    members: tuple[str, ...]
    """Direct children of the listed nodes, minus exclusions, without duplicates."""
    names: Mapping[str, str]
    """Taxonomy names of the listed nodes and members."""
    nothing_found: RequirementResult | None = None
    """The result when a resume shows none of the covered nodes (the same for every resume)."""


def _group_index(
    requirement: SkillsRequirement | SignalsRequirement, taxonomy: Taxonomy
) -> _GroupIndex:
    def build() -> _GroupIndex:
        exclude = requirement.exclude
        excluded = set(_covered_nodes(exclude, taxonomy))
        children = (
            child
            for node_id in requirement.nodes
            if node_id in taxonomy.nodes
            for child in _children(node_id, taxonomy)
            if child not in excluded
        )
        members = tuple(dict.fromkeys(children))
        index = _GroupIndex(
            covered=frozenset(_covered_nodes(requirement.nodes, taxonomy, exclude)),
            listed=tuple(
                (node_id, frozenset(_covered_nodes((node_id,), taxonomy, exclude)))
                for node_id in requirement.nodes
            ),
            members=members,
            names=_taxonomy_names((*requirement.nodes, *members), taxonomy),
        )
        if not all(node_id in taxonomy.nodes for node_id in requirement.nodes):
            return index  # names of unknown nodes come from the resume: no shared result
        nothing_found = _rank_group(requirement, index, _empty_context(taxonomy))
        return dataclasses.replace(index, nothing_found=nothing_found)

    index: _GroupIndex = _requirement_index(taxonomy, requirement, build)
    return index


def _node_credit(
    node_id: str, ctx: _Context, *, list_credit: float, min_years: float | None
) -> _NodeCredit | None:
    key = (node_id, list_credit, min_years)
    if key not in ctx.credit_cache:  # the same skill is looked up by several levels
        ctx.credit_cache[key] = _compute_node_credit(
            node_id, ctx, list_credit=list_credit, min_years=min_years
        )
    return ctx.credit_cache[key]


def _compute_node_credit(
    node_id: str, ctx: _Context, *, list_credit: float, min_years: float | None
) -> _NodeCredit | None:
    placed_mentions = ctx.by_node.get(node_id, ())
    if not placed_mentions:
        return None
    summary = ctx.skills.get(node_id)
    years = summary.years if summary is not None else 0.0
    factor = years_factor(years, min_years)
    best: _Placed | None = None
    best_credit = 0.0
    best_reasons: tuple[str, ...] = ()
    for placed in placed_mentions:
        credit = _context_credit(placed.context, list_credit) * placed.recency
        reasons = placed.reasons
        if placed.dated and factor < 1.0:
            credit *= factor
            reasons = (*reasons, "few_years")
        # Ties keep the earliest mention, so the quoted evidence is stable.
        if best is None or credit > best_credit:
            best, best_credit, best_reasons = placed, credit, reasons
    assert best is not None
    return _NodeCredit(
        node_id=node_id,
        name=ctx.name_of(node_id),
        credit=best_credit,
        mention=best.mention,
        reasons=best_reasons,
        last_used=summary.last_used if summary is not None else None,
        years=years,
        note=_credit_note(best_reasons),
    )


_REASON_NOTES = {
    "list_only": "skills list only",
    "listed_in_position": "listed under a dated position",
    "near_work": "mentioned outside a dated position",
    "outside_work": "mentioned outside work (summary or header)",
    "stale": "not used in the last 3 years",
    "few_years": "fewer years of use than expected",
}


def _credit_note(reasons: Sequence[str]) -> str:
    if not reasons:
        return "used in a described, dated position or project"
    return "; ".join(_REASON_NOTES[r] for r in reasons)


def _describe(item: _NodeCredit, ctx: _Context) -> str:
    key = id(item)  # node credits live in ctx.credit_cache: ids are stable here
    cached = ctx.describe_cache.get(key)
    if cached is None:
        position = ctx.position_of(item.mention)
        if not item.reasons and position is not None:
            where = position.title or position.organization or "a dated position"
            cached = f"{item.name} (in {where}, {_format_range(position.dates)})"
        else:
            cached = f"{item.name} ({item.note})"
        ctx.describe_cache[key] = cached
    return cached


def _score_group(
    requirement: SkillsRequirement | SignalsRequirement, ctx: _Context
) -> RequirementResult:
    index = _group_index(requirement, ctx.taxonomy)
    if index.nothing_found is not None and index.covered.isdisjoint(ctx.node_ids):
        return index.nothing_found
    return _rank_group(requirement, index, ctx)


def _rank_group(
    requirement: SkillsRequirement | SignalsRequirement, index: _GroupIndex, ctx: _Context
) -> RequirementResult:
    min_years = requirement.min_years if isinstance(requirement, SkillsRequirement) else None
    # A resume names far fewer nodes than a family covers; the sort below fixes the order.
    credits = [
        found
        for node_id in index.covered & ctx.node_ids
        if (
            found := _node_credit(
                node_id, ctx, list_credit=requirement.list_credit, min_years=min_years
            )
        )
        is not None
    ]
    credits.sort(key=_rank)
    counted = credits[: requirement.min_count]
    satisfaction = round(min(1.0, sum(c.credit for c in counted) / requirement.min_count), 4)
    status = status_for(satisfaction)
    not_found = _not_found(index, {c.node_id for c in credits}, ctx)
    shown = credits[: max(requirement.min_count, MAX_EVIDENCE)][:MAX_EVIDENCE]
    evidence = tuple(ctx.evidence_for(c.mention, note=c.note) for c in shown)
    return RequirementResult(
        id=requirement.id,
        kind=requirement.kind,
        label=requirement.label,
        importance=requirement.importance,
        weight=requirement.weight,
        satisfaction=satisfaction,
        status=status,
        evidence=evidence,
        missing=() if status == "met" else not_found,
        explanation=_group_explanation(requirement, counted, not_found, status, ctx),
        advice=None if status == "met" else _group_advice(requirement, counted, not_found),
    )


def _empty_context(taxonomy: Taxonomy) -> _Context:
    """The context of a resume without dates or skills: what every group scores on no evidence."""
    return _Context(
        text="",
        reference_date=date.min,
        taxonomy=taxonomy,
        positions=(),
        experience=ExperienceSummary(
            professional_years=0.0, internship_years=0.0, education_years=0.0, positions=0
        ),
        mentions=(),
        skills={},
    )


def _not_found(index: _GroupIndex, found: set[str], ctx: _Context) -> tuple[str, ...]:
    """Listed nodes with no evidence; for a listed family already partly shown (e.g. machine
    learning), its direct members without evidence, so advice can name concrete next steps."""
    known = index.names
    names = [
        known.get(node_id) or ctx.name_of(node_id)
        for node_id, covered in index.listed
        if covered.isdisjoint(found)
    ]
    if names:
        return tuple(names)
    return tuple(known.get(n) or ctx.name_of(n) for n in index.members if n not in found)


def _taxonomy_names(node_ids: Iterable[str], taxonomy: Taxonomy) -> dict[str, str]:
    nodes = taxonomy.nodes
    return {n: nodes[n].name for n in node_ids if n in nodes}


def _children(node_id: str, taxonomy: Taxonomy) -> tuple[str, ...]:
    result: tuple[str, ...] = _cached(
        taxonomy,
        ("children", (node_id,), ()),
        lambda: tuple(
            n for n in taxonomy.descendants(node_id) if node_id in taxonomy.nodes[n].parents
        ),
    )
    return result


def _group_explanation(
    requirement: SkillsRequirement | SignalsRequirement,
    counted: Sequence[_NodeCredit],
    not_found: Sequence[str],
    status: RequirementStatus,
    ctx: _Context,
) -> str:
    need = requirement.min_count
    if not counted:
        text = f"No evidence of {_in_sentence(requirement.label)}: looked for {_names(not_found)}."
        return f"{text} {requirement.gap}" if requirement.gap else text
    found = "; ".join(_describe(c, ctx) for c in counted)
    text = f"Found {found}."
    if len(counted) < need:
        text += (
            f" This level expects {need} distinct skills in {_in_sentence(requirement.label)};"
            f" {len(counted)} found."
        )
    text += _weakness_sentences(requirement, counted)
    if status != "met" and requirement.gap:
        text += f" {requirement.gap}"
    return text


def _weakness_sentences(
    requirement: SkillsRequirement | SignalsRequirement, counted: Sequence[_NodeCredit]
) -> str:
    text = ""
    list_only = [c.name for c in counted if "list_only" in c.reasons]
    if list_only:
        verb = "appears" if len(list_only) == 1 else "appear"
        text += (
            f" {_and_names(list_only)} {verb} only in a list, never in a described job or project."
        )
    stale = [c for c in counted if "stale" in c.reasons]
    if stale:
        parts = [
            f"{c.name} (last used {c.last_used.year})" if c.last_used else c.name for c in stale
        ]
        text += f" Not used in the last 3 years: {_and_names(parts)}."
    few = [c for c in counted if "few_years" in c.reasons]
    if few and isinstance(requirement, SkillsRequirement) and requirement.min_years:
        parts = [f"{c.name} about {c.years:.1f} years" for c in few]
        text += f" Expected about {requirement.min_years:g} years of use: {_and_names(parts)}."
    return text


def _group_advice(
    requirement: SkillsRequirement | SignalsRequirement,
    counted: Sequence[_NodeCredit],
    not_found: Sequence[str],
) -> str:
    parts: list[str] = []
    short = requirement.min_count - len(counted)
    if short > 0 or not counted:
        if requirement.advice:
            parts.append(requirement.advice)
        elif isinstance(requirement, SignalsRequirement):
            parts.append(
                f"Describe, in a dated role, where you did this ({_names(not_found)}): what you"
                " led or owned, for whom, and the result."
            )
        else:
            more = f"{short} more of" if counted else "use of"
            parts.append(
                f"Show {more} {_names(not_found)} in a described job or project: what you built"
                " with it and the result."
            )
    list_only = [c.name for c in counted if "list_only" in c.reasons]
    if list_only:
        parts.append(
            f"Add a sentence to a dated job or project that shows how you used "
            f"{_and_names(list_only)}: a list entry alone counts {requirement.list_credit:.0%}."
        )
    elsewhere = [c.name for c in counted if {"near_work", "outside_work"} & set(c.reasons)]
    if elsewhere:
        parts.append(f"Tie {_and_names(elsewhere)} to a dated job or project.")
    stale = [c.name for c in counted if "stale" in c.reasons]
    if stale:
        parts.append(f"Show recent use of {_and_names(stale)} (within the last 3 years).")
    few = [c.name for c in counted if "few_years" in c.reasons]
    if few:
        parts.append(
            f"Mention {_and_names(few)} in each position where you used it so the years add up."
        )
    if not parts and requirement.advice:
        parts.append(requirement.advice)
    return " ".join(parts) or "Describe stronger, recent evidence in a dated job or project."


# ----------------------------------------------------------------------------- experience


@functools.lru_cache(maxsize=64)
def _title_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    """Whole-word, case-insensitive alternation of the title terms (longest first)."""
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _WeightedPosition:
    position: Position
    weight: float
    relevance: str  # "title", "adjacent" or "other"


def _weighted_positions(
    requirement: ExperienceRequirement, ctx: _Context
) -> list[_WeightedPosition]:
    kind_weight = {
        "job": 1.0,
        "internship": requirement.internship_weight,
        "other": requirement.project_weight,
    }
    pattern = (
        _title_pattern(requirement.relevant_title_terms)
        if requirement.relevant_title_terms
        else None
    )
    ml_positions = {
        m.position_index
        for m in ctx.mentions
        if m.context == "prose"
        and m.node_id in ctx.taxonomy.nodes
        and ctx.taxonomy.nodes[m.node_id].category in requirement.relevant_categories
    }
    weighted: list[_WeightedPosition] = []
    for position in ctx.positions:
        base = kind_weight.get(position.kind, 0.0)
        if base <= 0.0:
            continue
        if pattern is not None and position.title and pattern.search(position.title):
            relevance, factor = "title", 1.0
        elif position.index in ml_positions:
            relevance, factor = "adjacent", requirement.adjacent_weight
        else:
            relevance, factor = "other", requirement.other_weight
        if base * factor > 0.0:
            weighted.append(_WeightedPosition(position, base * factor, relevance))
    return weighted


@dataclass(frozen=True, slots=True)
class _WeightedYears:
    positions: tuple[_WeightedPosition, ...]
    years: float
    breakdown: Mapping[str, float]


def _weighted(requirement: ExperienceRequirement, ctx: _Context) -> _WeightedYears:
    """Weighted positions and years, once per resume for each distinct set of weights (levels and
    the equivalent-experience default often share them)."""
    key = (
        requirement.internship_weight,
        requirement.project_weight,
        requirement.relevant_title_terms,
        requirement.relevant_categories,
        requirement.adjacent_weight,
        requirement.other_weight,
    )
    cached = ctx.experience_cache.get(key)
    if cached is None:
        positions = tuple(_weighted_positions(requirement, ctx))
        years, breakdown = _merge_weighted(positions, ctx.reference_date)
        cached = ctx.experience_cache[key] = _WeightedYears(positions, years, breakdown)
    return cached


def weighted_years(
    requirement: ExperienceRequirement, ctx: _Context
) -> tuple[float, dict[str, float]]:
    """Relevance-weighted years (each month counted once at its best weight) and a breakdown."""
    found = _weighted(requirement, ctx)
    return found.years, dict(found.breakdown)


def _merge_weighted(
    positions: Sequence[_WeightedPosition], reference_date: date
) -> tuple[float, dict[str, float]]:
    best: dict[int, _WeightedPosition] = {}
    for item in positions:
        for month in _months(item.position.dates, reference_date):
            current = best.get(month)
            if current is None or item.weight > current.weight:
                best[month] = item
    breakdown: dict[str, float] = defaultdict(float)
    for item in best.values():
        key = "internship" if item.position.kind == "internship" else item.relevance
        key = "project" if item.position.kind == "other" else key
        breakdown[key] += 1.0 / 12.0
    total = sum(item.weight for item in best.values()) / 12.0
    return total, dict(breakdown)


def _score_experience(requirement: ExperienceRequirement, ctx: _Context) -> RequirementResult:
    weighted = _weighted(requirement, ctx)
    years, breakdown = weighted.years, weighted.breakdown
    curve = requirement.curve
    satisfaction = round(
        years_curve(years, midpoint=curve.midpoint, spread=curve.spread, floor=curve.floor), 4
    )
    status = status_for(satisfaction)
    items = sorted(
        weighted.positions,
        key=lambda w: (
            -w.weight * len(_months(w.position.dates, ctx.reference_date)),
            w.position.index,
        ),
    )[:MAX_EVIDENCE]
    evidence = tuple(_position_evidence(item, ctx) for item in items)
    labels = {
        "title": "in ML roles",
        "adjacent": f"in roles that used ML (counted {requirement.adjacent_weight:.0%})",
        "other": f"in other roles (counted {requirement.other_weight:.0%})",
        "internship": f"in internships (counted up to {requirement.internship_weight:.0%})",
        "project": f"in dated projects (counted up to {requirement.project_weight:.0%})",
    }
    parts = [f"{breakdown[k]:.1f} years {labels[k]}" for k in labels if breakdown.get(k)]
    explanation = (
        f"About {years:.1f} weighted years count toward this level"
        + (f" ({'; '.join(parts)})" if parts else " (no dated positions found)")
        + f". {ctx.experience.professional_years:.1f} years of professional experience in total;"
        + f" this level typically has {requirement.typical_years} years."
    )
    if status != "met" and requirement.gap:
        explanation += f" {requirement.gap}"
    advice = None
    if status != "met":
        advice = requirement.advice or (
            "Give every position a start and end date (month and year) and describe the ML work"
            " in it: time in roles without ML counts only"
            f" {requirement.other_weight:.0%}."
        )
    return RequirementResult(
        id=requirement.id,
        kind="experience",
        label=requirement.label,
        importance=requirement.importance,
        weight=requirement.weight,
        satisfaction=satisfaction,
        status=status,
        evidence=evidence,
        missing=() if status == "met" else (f"{requirement.typical_years} years of ML experience",),
        explanation=explanation,
        advice=advice,
    )


def _position_evidence(item: _WeightedPosition, ctx: _Context) -> Evidence:
    key = (id(item.position), item.weight, item.relevance)  # positions live in ctx.positions
    cached = ctx.position_evidence_cache.get(key)
    if cached is None:
        cached = ctx.position_evidence_cache[key] = _quote_position(item, ctx)
    return cached


def _quote_position(item: _WeightedPosition, ctx: _Context) -> Evidence:
    position = item.position
    start, end = snippet_span(ctx.text, position.start, position.start)
    if end <= start:  # an empty first line: quote the date text instead
        start, end = position.start, min(position.end, position.start + SNIPPET_CHARS)
    kind = {"job": "job", "internship": "internship", "other": "project"}.get(position.kind, "")
    relevance = {"title": "ML title", "adjacent": "uses ML", "other": "not ML"}[item.relevance]
    return Evidence(
        text=ctx.text[start:end],
        start=start,
        end=end,
        section=position.section,
        dates=position.dates,
        note=f"{kind}, {relevance}: counts {item.weight:.0%}",
    )


# ----------------------------------------------------------------------------- education


@dataclass(frozen=True, slots=True)
class _EducationIndex:
    rungs: Mapping[str, int]
    """Node -> index of the highest ladder degree that covers it (e.g. MSc -> master's)."""
    core: frozenset[str]
    fields: frozenset[str]
    """Core and related fields together."""
    min_rung: int


def _education_index(requirement: EducationRequirement, taxonomy: Taxonomy) -> _EducationIndex:
    def build() -> _EducationIndex:
        rungs: dict[str, int] = {}
        for index, degree in enumerate(requirement.degrees):
            for node_id in _covered_nodes((degree,), taxonomy):
                rungs[node_id] = index
        core = frozenset(_covered_nodes(requirement.fields, taxonomy))
        related = frozenset(_covered_nodes(requirement.related_fields, taxonomy)) - core
        return _EducationIndex(
            rungs=rungs,
            core=core,
            fields=core | related,
            min_rung=requirement.degrees.index(requirement.min_degree),
        )

    index: _EducationIndex = _requirement_index(taxonomy, requirement, build)
    return index


def _near(a: SkillMention, b: SkillMention, text: str) -> bool:
    """Same line, or the next one: 'M.Sc.' on one line and the field on the same or next."""
    lo, hi = sorted((a.start, b.start))
    return text.count("\n", lo, hi) <= 1


def _same_line(a: SkillMention, b: SkillMention, text: str) -> bool:
    lo, hi = sorted((a.start, b.start))
    return text.count("\n", lo, hi) == 0


def _score_education(requirement: EducationRequirement, ctx: _Context) -> RequirementResult:
    index = _education_index(requirement, ctx.taxonomy)
    rungs, core = index.rungs, index.core
    degrees = [(rungs[m.node_id], m) for m in ctx.mentions if m.node_id in rungs]

    def in_education(m: SkillMention) -> bool:
        position = ctx.position_of(m)
        return (
            m.section in _EDUCATION_SECTIONS
            or (position is not None and position.kind == "education")
            # Outside an education block only the degree's own line counts: line adjacency
            # would let deleting an unrelated line pair a degree with a new field.
            or any(_same_line(m, d, ctx.text) for _, d in degrees)
        )

    fields = [m for m in ctx.mentions if m.node_id in index.fields and in_education(m)]
    min_rung = index.min_rung
    options: list[tuple[float, str, tuple[SkillMention, ...]]] = []
    for rung, degree in degrees:
        degree_credit = 1.0 if rung >= min_rung else requirement.below_min_credit
        # Every field counts (so adding evidence never lowers the credit); a field written next
        # to this degree is preferred for the quote.
        near_first = sorted(fields, key=lambda f: not _near(f, degree, ctx.text))
        field_credit, field_mention = _best_field(near_first, core, requirement)
        name = ctx.name_of(requirement.degrees[rung])
        field_name = ctx.name_of(field_mention.node_id) if field_mention else None
        label = f"{name} in {field_name}" if field_name else f"{name} (field not recognised)"
        used = (degree,) + ((field_mention,) if field_mention else ())
        options.append((degree_credit * field_credit, label, used))
    if not degrees and fields:
        credit, mention = _best_field(fields, core, requirement)
        if mention is not None:
            label = f"studies in {ctx.name_of(mention.node_id)} without a recognised degree"
            options.append((requirement.field_only_credit * credit, label, (mention,)))
    if requirement.equivalent_years is not None:
        years = ctx.default_relevant_years
        credit = requirement.equivalent_credit * min(1.0, years / requirement.equivalent_years)
        if credit > 0:
            label = f"about {years:.1f} relevant years as equivalent experience"
            options.append((credit, label, ()))
    options.sort(key=lambda o: -o[0])
    satisfaction = round(options[0][0], 4) if options else 0.0
    status = status_for(satisfaction)
    best_label = options[0][1] if options else None
    evidence = tuple(ctx.evidence_for(m) for m in (options[0][2] if options else ()))
    wanted = ctx.name_of(requirement.min_degree)
    field_names = [ctx.name_of(f) for f in requirement.fields]
    if best_label is None:
        explanation = f"No degree found; this level looks for a {wanted} or higher."
    else:
        explanation = f"Best match: {best_label}; this level looks for a {wanted} or higher"
        explanation += f" in {_names(field_names)}." if field_names else "."
    if status != "met" and requirement.gap:
        explanation += f" {requirement.gap}"
    advice = None
    if status != "met":
        advice = requirement.advice or (
            "Name the degree and its field in an Education section (for example 'B.Sc. Computer"
            " Science, 2019'); relevant work experience partly stands in for a degree."
        )
    return RequirementResult(
        id=requirement.id,
        kind="education",
        label=requirement.label,
        importance=requirement.importance,
        weight=requirement.weight,
        satisfaction=satisfaction,
        status=status,
        evidence=evidence,
        missing=() if status == "met" else (f"{wanted} in {_names(field_names)}",),
        explanation=explanation,
        advice=advice,
    )


def _best_field(
    fields: Sequence[SkillMention], core: frozenset[str], requirement: EducationRequirement
) -> tuple[float, SkillMention | None]:
    for mention in fields:
        if mention.node_id in core:
            return 1.0, mention
    if fields:
        return requirement.related_field_credit, fields[0]
    return requirement.unknown_field_credit, None


# ----------------------------------------------------------------------------- levels


def _score_requirement(requirement: Requirement, ctx: _Context) -> RequirementResult:
    if isinstance(requirement, SkillsRequirement | SignalsRequirement):
        return _score_group(requirement, ctx)
    if isinstance(requirement, ExperienceRequirement):
        return _score_experience(requirement, ctx)
    return _score_education(requirement, ctx)


def _level_score(
    profile: Profile, results: Sequence[RequirementResult]
) -> tuple[float, str | None]:
    total = sum(r.weight for r in results)
    raw = 100.0 * sum(r.weight * r.satisfaction for r in results) / total
    missing_musts = [r.label for r in results if r.importance == "must" and r.status == "missing"]
    cap = 100.0
    if len(missing_musts) == 1:
        cap = profile.thresholds.strong - 1.0
    elif len(missing_musts) > 1:
        cap = profile.thresholds.partial - 1.0
    score = round(min(raw, max(cap, 0.0)), 1)
    note = None
    if raw > cap:
        note = (
            f"Score capped at {cap:g} (from {raw:.0f}) because must-have requirement(s) are"
            f" missing: {_and_names(missing_musts)}."
        )
    return score, note


def _summary(
    profile: Profile,
    score: float,
    verdict: Verdict,
    results: Sequence[RequirementResult],
    cap_note: str | None,
) -> str:
    counts = {s: sum(1 for r in results if r.status == s) for s in ("met", "partial", "missing")}
    text = (
        f"{verdict.capitalize()} fit for {profile.title}: {score:.0f}/100."
        f" {counts['met']} of {len(results)} requirements met, {counts['partial']} partly met,"
        f" {counts['missing']} missing."
    )
    gaps = [r.label for r in results if r.status == "missing" and r.importance == "must"]
    gaps += [r.label for r in results if r.status == "missing" and r.importance == "nice"]
    if gaps:
        text += f" Main gaps: {_and_names(gaps[:3])}."
    if cap_note:
        text += f" {cap_note}"
    return text


def _score_profile(profile: Profile, ctx: _Context) -> LevelFit:
    results = tuple(_score_requirement(r, ctx) for r in profile.requirements)
    score, cap_note = _level_score(profile, results)
    verdict = verdict_for(score, profile)
    return LevelFit(
        level=profile.level,
        title=profile.title,
        score=score,
        verdict=verdict,
        requirements=results,
        summary=_summary(profile, score, verdict, results, cap_note),
    )


def choose_best_fit(fits: Sequence[tuple[Profile, LevelFit]]) -> str | None:
    """Highest strong level; else the best-scoring partial level (ties: higher); else None."""
    strong = [(p.level_rank, f.level) for p, f in fits if f.verdict == "strong"]
    if strong:
        return max(strong)[1]
    partial = [(f.score, p.level_rank, f.level) for p, f in fits if f.verdict == "partial"]
    if partial:
        return max(partial)[2]
    return None


def score_profiles(
    profiles: Sequence[Profile],
    *,
    document: ExtractedDocument,
    positions: Sequence[Position],
    experience: ExperienceSummary,
    mentions: Sequence[SkillMention],
    skills: Sequence[SkillEvidence],
    taxonomy: Taxonomy,
    reference_date: date,
) -> tuple[tuple[LevelFit, ...], str | None]:
    """Score every profile (ordered junior to senior) and pick the best-fit level."""
    ctx = _Context(
        text=document.text,
        reference_date=reference_date,
        taxonomy=taxonomy,
        positions=tuple(positions),
        experience=experience,
        mentions=tuple(m for m in mentions if m.assertion == "asserted"),
        skills={s.node_id: s for s in skills},
    )
    ordered = sorted(profiles, key=lambda p: (p.level_rank, p.id))
    scored = [(profile, _score_profile(profile, ctx)) for profile in ordered]
    return tuple(fit for _, fit in scored), choose_best_fit(scored)
