"""Requirement profiles: the shipped files, the schema and the error messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from scoring_support import mini_taxonomy

from matcher.errors import ProfileError
from matcher.profiles import (
    PROFILE_DIR,
    ExperienceRequirement,
    Profile,
    SignalsRequirement,
    SkillsRequirement,
    load_profile,
    load_profiles,
)
from skills.taxonomy import Taxonomy, load_taxonomy

MINI = mini_taxonomy()


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


@pytest.fixture(scope="module")
def shipped(taxonomy: Taxonomy) -> tuple[Profile, ...]:
    return load_profiles(taxonomy=taxonomy)


def _minimal(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "custom",
        "level": "mid",
        "title": "Custom",
        "version": "1",
        "description": "",
        "requirements": [
            {
                "id": "python",
                "label": "Python",
                "kind": "skills",
                "importance": "must",
                "weight": 1,
                "nodes": ["python"],
            }
        ],
    }
    data.update(overrides)
    return data


# ----------------------------------------------------------------------------- shipped profiles


def test_shipped_profiles_load_in_level_order(shipped: tuple[Profile, ...]) -> None:
    assert [p.level for p in shipped] == ["junior", "mid", "senior"]
    assert len({p.id for p in shipped}) == 3
    for profile in shipped:
        assert profile.version
        assert profile.title
        assert any(r.importance == "must" for r in profile.requirements)


def test_every_level_has_each_kind_of_requirement(shipped: tuple[Profile, ...]) -> None:
    for profile in shipped:
        kinds = {r.kind for r in profile.requirements}
        assert kinds == {"skills", "signals", "experience", "education"}, profile.id


def test_expectations_grow_with_level(shipped: tuple[Profile, ...]) -> None:
    def experience(profile: Profile) -> ExperienceRequirement:
        return next(r for r in profile.requirements if isinstance(r, ExperienceRequirement))

    midpoints = [experience(p).curve.midpoint for p in shipped]
    assert midpoints == sorted(midpoints) and len(set(midpoints)) == 3
    # Internships count for juniors, not for seniors.
    assert experience(shipped[0]).internship_weight > experience(shipped[2]).internship_weight
    # Leadership signals are a must only at senior level.
    must_signals = [
        any(isinstance(r, SignalsRequirement) and r.importance == "must" for r in p.requirements)
        for p in shipped
    ]
    assert must_signals == [False, False, True]


def test_shipped_signals_use_leadership_or_engineering_nodes(
    shipped: tuple[Profile, ...], taxonomy: Taxonomy
) -> None:
    for profile in shipped:
        for requirement in profile.requirements:
            if isinstance(requirement, SignalsRequirement):
                categories = {taxonomy.nodes[n].category for n in requirement.nodes}
                assert categories <= {"leadership", "software_engineering"}, requirement.id


def test_readme_documents_every_shipped_requirement(shipped: tuple[Profile, ...]) -> None:
    readme = (PROFILE_DIR / "README.md").read_text("utf-8")
    for profile in shipped:
        assert profile.id in readme
        for requirement in profile.requirements:
            assert f"`{requirement.id}`" in readme, requirement.id
    assert "ESCO" in readme and "artificial intelligence engineer" in readme


def test_missing_profile_wording_comes_from_data(shipped: tuple[Profile, ...]) -> None:
    senior = shipped[2]
    mlops = next(r for r in senior.requirements if r.id == "production_mlops")
    assert isinstance(mlops, SkillsRequirement)
    assert mlops.gap is not None and "production MLOps" in mlops.gap
    assert mlops.advice is not None and "serves a model" in mlops.advice


# ----------------------------------------------------------------------------- loading and errors


def test_unknown_node_names_file_and_key(tmp_path: Path, taxonomy: Taxonomy) -> None:
    data = yaml.safe_load((PROFILE_DIR / "mid.yaml").read_text("utf-8"))
    data["requirements"][1]["nodes"][0] = "pytorh"
    path = tmp_path / "typo.yaml"
    path.write_text(yaml.safe_dump(data), "utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile(path, taxonomy=taxonomy)
    message = str(caught.value)
    assert str(path) in message
    assert "requirements[1]" in message and "nodes[0]" in message and "'pytorh'" in message


def test_user_profile_as_json_loads_like_yaml(tmp_path: Path, taxonomy: Taxonomy) -> None:
    data = yaml.safe_load((PROFILE_DIR / "senior.yaml").read_text("utf-8"))
    data["id"] = "my_senior"
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(data), "utf-8")
    profile = load_profile(path, taxonomy=taxonomy)
    assert profile.id == "my_senior"
    assert (
        profile.requirements
        == load_profile(PROFILE_DIR / "senior.yaml", taxonomy=taxonomy).requirements
    )


def test_mapping_and_string_path_inputs() -> None:
    assert load_profile(_minimal(), taxonomy=MINI).id == "custom"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"level": "staff"}, "give the profile a 'rank'"),
        ({"requirements": []}, "requirements"),
        ({"id": "Not An Id"}, "id"),
        (
            {
                "requirements": [
                    {
                        "id": "a",
                        "label": "A",
                        "kind": "skills",
                        "importance": "must",
                        "weight": 1,
                        "nodes": ["python"],
                    },
                    {
                        "id": "a",
                        "label": "B",
                        "kind": "skills",
                        "importance": "nice",
                        "weight": 1,
                        "nodes": ["sql"],
                    },
                ]
            },
            "used twice",
        ),
        (
            {
                "requirements": [
                    {"id": "a", "label": "A", "kind": "vibes", "importance": "must", "weight": 1}
                ]
            },
            "requirements[0]",
        ),
        (
            {
                "requirements": [
                    {
                        "id": "a",
                        "label": "A",
                        "kind": "skills",
                        "importance": "must",
                        "weight": 0,
                        "nodes": ["python"],
                    }
                ]
            },
            "requirements[0].weight",
        ),
        (
            {
                "requirements": [
                    {
                        "id": "a",
                        "label": "A",
                        "kind": "skills",
                        "importance": "must",
                        "weight": 1,
                        "nodes": ["python", "sql"],
                        "min_count": 3,
                    }
                ]
            },
            "min_count",
        ),
        (
            {
                "requirements": [
                    {
                        "id": "e",
                        "label": "E",
                        "kind": "education",
                        "importance": "must",
                        "weight": 1,
                        "degrees": ["bachelors_degree"],
                        "min_degree": "phd",
                    }
                ]
            },
            "min_degree",
        ),
        (
            {
                "requirements": [
                    {
                        "id": "x",
                        "label": "X",
                        "kind": "experience",
                        "importance": "must",
                        "weight": 1,
                        "typical_years": "3",
                        "curve": {"midpoint": 2, "spread": 1},
                        "relevant_categories": ["astrology"],
                    }
                ]
            },
            "unknown taxonomy category 'astrology'",
        ),
        ({"thresholds": {"strong": 40, "partial": 60}}, "partial must be below strong"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_invalid_profiles_raise_profile_error(change: dict[str, Any], expected: str) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile(_minimal(**change), taxonomy=MINI)
    assert expected in str(caught.value)


def test_custom_level_with_rank_is_accepted_and_ordered() -> None:
    staff = load_profile(_minimal(id="staff", level="staff", rank=4), taxonomy=MINI)
    junior = load_profile(_minimal(id="j", level="junior"), taxonomy=MINI)
    assert staff.level_rank == 4 > junior.level_rank


def test_bad_files_raise_profile_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed\n", "utf-8")
    with pytest.raises(ProfileError, match="broken.yaml is not valid YAML"):
        load_profile(broken, taxonomy=MINI)
    with pytest.raises(ProfileError, match="cannot read profile file"):
        load_profile(tmp_path / "absent.yaml", taxonomy=MINI)
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n", "utf-8")
    with pytest.raises(ProfileError, match="must be a mapping"):
        load_profile(listing, taxonomy=MINI)


def test_two_profiles_for_one_level_are_rejected(tmp_path: Path) -> None:
    paths = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(_minimal(id=name)), "utf-8")
        paths.append(path)
    with pytest.raises(ProfileError, match="share the level mid"):
        load_profiles(paths, taxonomy=MINI)


def test_excluded_nodes_are_validated_and_shrink_the_group() -> None:
    with pytest.raises(ProfileError, match="exclude\\[0\\]"):
        load_profile(
            _minimal(
                requirements=[
                    {
                        "id": "m",
                        "label": "M",
                        "kind": "skills",
                        "importance": "must",
                        "weight": 1,
                        "nodes": ["machine_learning"],
                        "exclude": ["nope"],
                    }
                ]
            ),
            taxonomy=MINI,
        )
    # machine_learning covers 6 nodes in the test taxonomy; excluding deep learning drops 2.
    with pytest.raises(ProfileError, match="more than the 4 skill"):
        load_profile(
            _minimal(
                requirements=[
                    {
                        "id": "m",
                        "label": "M",
                        "kind": "skills",
                        "importance": "must",
                        "weight": 1,
                        "nodes": ["machine_learning"],
                        "exclude": ["deep_learning"],
                        "min_count": 5,
                    }
                ]
            ),
            taxonomy=MINI,
        )
