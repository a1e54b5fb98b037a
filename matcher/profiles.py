"""Requirement profiles: what a junior, mid or senior ML engineer is expected to show.

A profile is data (``skills/profiles/*.yaml``, or a user's own YAML/JSON file with the same
schema), validated on load with the pydantic models below. Every taxonomy id a profile names must
exist in the taxonomy it is loaded against; errors name the file and the key. The schema, the
shipped choices and the scoring knobs are documented in ``skills/profiles/README.md``.

A profile holds requirement groups of four kinds:

- ``skills``: "any ``min_count`` of these taxonomy nodes" (evidence for a node's descendants counts
  through ``Taxonomy.covers``), optionally with ``min_years`` of use for full credit;
- ``signals``: seniority signals (mentoring, code review, owning production systems ...) as taxonomy
  nodes; the same arithmetic as skills, but a bare list entry is worth much less than prose;
- ``experience``: professional years through a smooth logistic curve, weighted by relevance;
- ``education``: a degree ladder, fields with full and partial credit, and equivalent experience.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from matcher.errors import ProfileError
from matcher.models import Level
from skills.taxonomy import Taxonomy

__all__ = [
    "DEFAULT_RELEVANT_TITLE_TERMS",
    "PROFILE_DIR",
    "EducationRequirement",
    "ExperienceCurve",
    "ExperienceRequirement",
    "Profile",
    "Requirement",
    "SignalsRequirement",
    "SkillsRequirement",
    "Thresholds",
    "load_profile",
    "load_profiles",
]

PROFILE_DIR = Path(__file__).resolve().parent.parent / "skills" / "profiles"
ID_PATTERN = r"^[a-z0-9][a-z0-9_]*$"

# Words in a job title that make the whole position count as ML experience. Matched as whole words,
# case-insensitively; a profile may replace the list.
DEFAULT_RELEVANT_TITLE_TERMS: tuple[str, ...] = (
    "machine learning",
    "ml",
    "mlops",
    "ai",
    "artificial intelligence",
    "deep learning",
    "data scientist",
    "applied scientist",
    "research scientist",
    "research engineer",
    "computer vision",
    "nlp",
)

# Levels the project knows, in order; a custom level must state its own rank.
_LEVEL_RANKS: Mapping[str, int] = {Level.JUNIOR: 1, Level.MID: 2, Level.SENIOR: 3}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class _RequirementBase(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1, description="Short name shown in reports.")
    importance: Literal["must", "nice"]
    weight: float = Field(gt=0.0, le=100.0, description="Relative weight in the level score.")
    gap: str | None = Field(
        default=None,
        description="Why the level needs this, in plain words; shown when it is not met.",
    )
    advice: str | None = Field(
        default=None,
        description="What would close the gap; replaces the generic advice when given.",
    )


class _GroupBase(_RequirementBase):
    nodes: tuple[str, ...] = Field(min_length=1)
    exclude: tuple[str, ...] = Field(
        default=(), description="Nodes (and their descendants) that do not count for this group."
    )
    min_count: int = Field(default=1, ge=1)


class SkillsRequirement(_GroupBase):
    """Any ``min_count`` distinct skills among everything ``nodes`` cover."""

    kind: Literal["skills"]
    min_years: float | None = Field(
        default=None, gt=0.0, description="Years of use (from dated positions) for full credit."
    )
    list_credit: Fraction = Field(default=0.6, description="Credit for a bare skills-list entry.")


class SignalsRequirement(_GroupBase):
    """Seniority signals: the same arithmetic as skills, with a lower credit for list entries."""

    kind: Literal["signals"]
    list_credit: Fraction = Field(
        default=0.3, description="Credit for a signal named only in a list."
    )


class ExperienceCurve(_Strict):
    """satisfaction = floor + (1 - floor) * logistic((years - midpoint) / spread)."""

    midpoint: float = Field(ge=0.0, le=50.0, description="Years at which the logistic part is 0.5.")
    spread: float = Field(gt=0.0, le=20.0, description="Years per logistic unit (steepness).")
    floor: float = Field(default=0.0, ge=0.0, lt=1.0, description="Satisfaction at zero years.")


class ExperienceRequirement(_RequirementBase):
    kind: Literal["experience"]
    typical_years: str = Field(description="How the level is described to people, e.g. '3-6'.")
    curve: ExperienceCurve
    internship_weight: Fraction = 0.25
    project_weight: Fraction = Field(
        default=0.0, description="Weight of dated personal/course projects."
    )
    relevant_title_terms: tuple[str, ...] = DEFAULT_RELEVANT_TITLE_TERMS
    relevant_categories: tuple[str, ...] = ("ml_frameworks", "ml_methods")
    adjacent_weight: Fraction = Field(
        default=0.4, description="A position whose title is not ML but whose text uses ML skills."
    )
    other_weight: Fraction = Field(default=0.2, description="Any other professional position.")


class EducationRequirement(_RequirementBase):
    kind: Literal["education"]
    degrees: tuple[str, ...] = Field(min_length=1, description="Degree nodes, lowest first.")
    min_degree: str
    fields: tuple[str, ...] = ()
    related_fields: tuple[str, ...] = ()
    related_field_credit: Fraction = 0.7
    unknown_field_credit: Fraction = Field(
        default=0.6, description="A degree whose field was not found."
    )
    below_min_credit: Fraction = Field(
        default=0.5, description="A degree one or more rungs below the min."
    )
    field_only_credit: Fraction = Field(
        default=0.5, description="A field of study without a degree."
    )
    equivalent_years: float | None = Field(
        default=4.0,
        gt=0.0,
        description="Relevant years that stand in for the degree (None: never).",
    )
    equivalent_credit: Fraction = 0.7

    @model_validator(mode="after")
    def _min_degree_on_ladder(self) -> EducationRequirement:
        if self.min_degree not in self.degrees:
            raise ValueError(f"min_degree {self.min_degree!r} is not one of degrees")
        return self


Requirement = Annotated[
    SkillsRequirement | SignalsRequirement | ExperienceRequirement | EducationRequirement,
    Field(discriminator="kind"),
]


class Thresholds(_Strict):
    strong: float = Field(default=70.0, gt=0.0, le=100.0)
    partial: float = Field(default=45.0, ge=0.0, le=100.0)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.partial >= self.strong:
            raise ValueError("partial must be below strong")
        return self


class Profile(_Strict):
    """One level of one role; see ``skills/profiles/README.md``."""

    id: str = Field(pattern=ID_PATTERN)
    level: str = Field(pattern=ID_PATTERN)
    rank: int | None = Field(
        default=None, ge=0, description="Order among levels; defaults to junior=1, mid=2, senior=3."
    )
    title: str = Field(min_length=1)
    version: str = Field(min_length=1)
    description: str
    thresholds: Thresholds = Thresholds()
    requirements: tuple[Requirement, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids_and_rank(self) -> Profile:
        seen: set[str] = set()
        for requirement in self.requirements:
            if requirement.id in seen:
                raise ValueError(f"requirement id {requirement.id!r} is used twice")
            seen.add(requirement.id)
        if self.rank is None and self.level not in _LEVEL_RANKS:
            raise ValueError(
                f"level {self.level!r} is not junior/mid/senior: give the profile a 'rank'"
            )
        return self

    @property
    def level_rank(self) -> int:
        """Position of the level in the career ladder; higher is more senior."""
        return self.rank if self.rank is not None else _LEVEL_RANKS[self.level]


# ----------------------------------------------------------------------------- loading


def load_profile(path_or_mapping: Path | str | Mapping[str, Any], *, taxonomy: Taxonomy) -> Profile:
    """Load and validate one profile from a YAML/JSON file or an already parsed mapping."""
    if isinstance(path_or_mapping, Mapping):
        return _validate(path_or_mapping, "profile", taxonomy)
    path = Path(path_or_mapping)
    return _validate(_read(path), str(path), taxonomy)


def load_profiles(
    paths: Sequence[Path] | None = None, *, taxonomy: Taxonomy
) -> tuple[Profile, ...]:
    """The given profiles (or the shipped junior/mid/senior), ordered from junior to senior."""
    if paths is None:
        paths = sorted(PROFILE_DIR.glob("*.yaml"))
        if not paths:
            raise ProfileError(f"no profile files found in {PROFILE_DIR}")
    profiles = [load_profile(path, taxonomy=taxonomy) for path in paths]
    _check_distinct(profiles)
    return tuple(sorted(profiles, key=lambda p: (p.level_rank, p.id)))


def _read(path: Path) -> Any:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"cannot read profile file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ProfileError(f"profile file {path} is not UTF-8 text") from exc
    try:
        if path.suffix.lower() == ".json":
            return json.loads(raw)
        # libyaml's loader when present: a third of the start-up cost of the pure-Python one.
        return yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
        raise ProfileError(f"profile file {path} is not valid {kind}: {exc}") from exc


def _validate(data: Any, source: str, taxonomy: Taxonomy) -> Profile:
    if not isinstance(data, Mapping):
        raise ProfileError(f"{source}: a profile must be a mapping with id, level, requirements …")
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_format_location(err['loc'])}: {err['msg']}" for err in exc.errors()[:10]
        )
        raise ProfileError(f"{source} is not a valid profile: {problems}") from exc
    _check_references(profile, source, taxonomy)
    return profile


def _format_location(loc: tuple[int | str, ...]) -> str:
    """('requirements', 2, 'skills', 'nodes', 1) -> 'requirements[2].nodes[1]'."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in ("skills", "signals", "experience", "education") and text.endswith("]"):
            continue  # the discriminator tag pydantic inserts, not a key in the file
        else:
            text += f".{part}" if text else part
    return text or "(top level)"


def _check_references(profile: Profile, source: str, taxonomy: Taxonomy) -> None:
    """Every node and category a profile names must exist in the taxonomy it is used with."""
    for index, requirement in enumerate(profile.requirements):
        where = f"{source}: requirements[{index}] ({requirement.id})"
        references: list[tuple[str, str]] = []
        if isinstance(requirement, SkillsRequirement | SignalsRequirement):
            references += [(f"nodes[{i}]", node) for i, node in enumerate(requirement.nodes)]
            references += [(f"exclude[{i}]", node) for i, node in enumerate(requirement.exclude)]
        elif isinstance(requirement, EducationRequirement):
            references += [(f"degrees[{i}]", n) for i, n in enumerate(requirement.degrees)]
            references += [(f"fields[{i}]", n) for i, n in enumerate(requirement.fields)]
            references += [
                (f"related_fields[{i}]", n) for i, n in enumerate(requirement.related_fields)
            ]
        else:
            for i, category in enumerate(requirement.relevant_categories):
                if category not in taxonomy.categories:
                    raise ProfileError(
                        f"{where}.relevant_categories[{i}]: unknown taxonomy category {category!r}"
                    )
        for key, node_id in references:
            if node_id not in taxonomy.nodes:
                raise ProfileError(
                    f"{where}.{key}: unknown taxonomy node {node_id!r} "
                    f"(taxonomy {taxonomy.version})"
                )
        if isinstance(requirement, SkillsRequirement | SignalsRequirement):
            # "Any N of" may count descendants, so N is checked against everything covered.
            covered = {c for node in requirement.nodes for c in taxonomy.covers(node)}
            covered -= {c for node in requirement.exclude for c in taxonomy.covers(node)}
            if requirement.min_count > len(covered):
                raise ProfileError(
                    f"{where}.min_count: {requirement.min_count} is more than the "
                    f"{len(covered)} skill(s) its nodes cover"
                )


def _check_distinct(profiles: Sequence[Profile]) -> None:
    for attribute in ("id", "level"):
        values = [getattr(p, attribute) for p in profiles]
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise ProfileError(f"two profiles share the {attribute} {', '.join(duplicates)}")
