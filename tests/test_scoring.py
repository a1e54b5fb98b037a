"""Scoring: unit tests on hand-built mentions/positions, property tests, end-to-end fixtures."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_support import REFERENCE, Block, Resume, build, mini_taxonomy, score, scores

from matcher.models import (
    DateRange,
    LevelFit,
    Position,
    RequirementResult,
    SectionKind,
    SkillMention,
)
from matcher.profiles import Profile, load_profile, load_profiles
from matcher.scoring import (
    choose_best_fit,
    mention_credit,
    recency_factor,
    summarize_skills,
    years_curve,
)
from skills.taxonomy import Taxonomy

PROFILE_DIR = Path(__file__).parent / "data" / "scoring" / "profiles"
EXP = SectionKind.EXPERIENCE
TAXONOMY = mini_taxonomy()


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return TAXONOMY


def _profiles() -> tuple[Profile, ...]:
    return load_profiles(sorted(PROFILE_DIR.glob("*.yaml")), taxonomy=TAXONOMY)


PROFILES = _profiles()


def _fit(fits: tuple[LevelFit, ...], level: str) -> LevelFit:
    return next(f for f in fits if f.level == level)


def _req(fit: LevelFit, requirement_id: str) -> RequirementResult:
    return next(r for r in fit.requirements if r.id == requirement_id)


# ----------------------------------------------------------------------------- resumes


def ml_resume(
    name: str = "Alex Doe",
    email: str = "alex.doe@example.com",
    address: str = "1 Main Street, Springfield",
    pronoun: str = "I",
    start: str = "2019-01",
) -> Resume:
    return Resume(
        header=[name, f"{email} | {address}"],
        blocks=[
            Block(SectionKind.SUMMARY, [f"Machine learning engineer; {pronoun} build models."]),
            Block(
                EXP,
                [
                    "Trained [[pytorch|PyTorch]] models for [[computer_vision|image recognition]]"
                    " in [[python|Python]].",
                    "Built [[supervised_learning|classification]] models with"
                    " [[scikit_learn|scikit-learn]], [[pandas|pandas]] and [[numpy|NumPy]].",
                    "Deployed them with [[docker|Docker]] on [[kubernetes|Kubernetes]] through"
                    " [[ci_cd|CI/CD]] and [[model_monitoring|monitored drift]].",
                    "Designed the [[system_design|system architecture]] of the serving stack.",
                    f"{pronoun} [[mentoring|mentored]] two engineers and"
                    " [[technical_leadership|led the team]].",
                    "Ran [[code_review|code reviews]]; [[stakeholder_communication|presented to"
                    " executives]].",
                ],
                kind="job",
                title="Machine Learning Engineer",
                start=start,
                end="present",
            ),
            Block(
                EXP,
                ["Wrote [[sql|SQL]] pipelines in [[airflow|Airflow]] with [[git|Git]]."],
                kind="job",
                title="Data Analyst",
                start="2017-01",
                end="2018-12",
            ),
            Block(
                SectionKind.SKILLS, ["[[python|Python]], [[tensorflow|TensorFlow]], [[aws|AWS]]"]
            ),
            Block(
                SectionKind.EDUCATION,
                ["[[bachelors_degree|B.Sc.]] [[field_computer_science|Computer Science]], 2016"],
            ),
        ],
    )


def data_engineer_resume() -> Resume:
    return Resume(
        header=["Robin Roe", "robin@example.com"],
        blocks=[
            Block(SectionKind.SUMMARY, ["Data engineer; I build batch and streaming pipelines."]),
            Block(
                EXP,
                [
                    "Built streaming ingestion with [[kafka|Kafka]] and [[apache_spark|Spark]]"
                    " in [[python|Python]].",
                    "Orchestrated 300 [[sql|SQL]] jobs in [[airflow|Airflow]]; shipped them with"
                    " [[docker|Docker]] and [[ci_cd|CI/CD]].",
                    "Loaded tables with [[pandas|pandas]] and kept them fresh on [[aws|AWS]].",
                    "Designed the [[system_design|platform architecture]] for 2 billion events.",
                    "I [[mentoring|mentored]] two engineers and [[technical_leadership|led the"
                    " team]].",
                    "[[production_ownership|Owned the platform in production]]; ran"
                    " [[code_review|code reviews]].",
                ],
                kind="job",
                title="Senior Data Engineer",
                start="2019-01",
                end="present",
            ),
            Block(
                EXP,
                ["Wrote [[sql|SQL]] loads with [[git|Git]]."],
                kind="job",
                title="ETL Developer",
                start="2017-01",
                end="2018-12",
            ),
            Block(
                SectionKind.SKILLS, ["[[python|Python]], [[sql|SQL]], [[kubernetes|Kubernetes]]"]
            ),
            Block(
                SectionKind.EDUCATION,
                ["[[bachelors_degree|B.Eng.]] [[field_computer_science|Computer Science]], 2016"],
            ),
        ],
    )


def fullstack_resume() -> Resume:
    return Resume(
        header=["Sam Poe", "sam@example.com"],
        blocks=[
            Block(SectionKind.SUMMARY, ["Full-stack engineer; I build web products."]),
            Block(
                EXP,
                [
                    "Built the checkout in [[react|React]] and [[javascript|JavaScript]].",
                    "Wrote [[python|Python]] APIs backed by [[sql|SQL]] databases.",
                    "Shipped with [[docker|Docker]] and [[ci_cd|CI/CD]] on [[aws|AWS]].",
                    "Designed the [[system_design|service architecture]] for the storefront.",
                    "I [[mentoring|mentored]] juniors and [[technical_leadership|led the team]].",
                    "Ran [[code_review|code reviews]] and wrote [[unit_testing|unit tests]].",
                ],
                kind="job",
                title="Senior Software Engineer",
                start="2019-01",
                end="present",
            ),
            Block(
                EXP,
                ["Built pages in [[javascript|JavaScript]] with [[git|Git]]."],
                kind="job",
                title="Web Developer",
                start="2017-01",
                end="2018-12",
            ),
            Block(
                SectionKind.SKILLS,
                ["[[react|React]], [[python|Python]], [[kubernetes|Kubernetes]]"],
            ),
            Block(
                SectionKind.EDUCATION,
                ["[[bachelors_degree|B.Sc.]] [[field_computer_science|Computer Science]], 2016"],
            ),
        ],
    )


def junior_resume() -> Resume:
    return Resume(
        header=["Jo Example", "jo@example.com"],
        blocks=[
            Block(
                EXP,
                [
                    "Trained a [[supervised_learning|classifier]] with"
                    " [[scikit_learn|scikit-learn]] in [[python|Python]] using [[pandas|pandas]]"
                    " and [[numpy|NumPy]].",
                    "Added [[unit_testing|unit tests]] and kept the code in [[git|Git]].",
                ],
                kind="job",
                title="Junior Machine Learning Engineer",
                start="2026-01",
                end="present",
            ),
            Block(
                EXP,
                ["Built a [[computer_vision|image classifier]] in [[pytorch|PyTorch]]."],
                kind="internship",
                title="Machine Learning Intern",
                start="2025-06",
                end="2025-08",
            ),
            Block(
                SectionKind.EDUCATION,
                ["[[bachelors_degree|B.Sc.]] [[field_computer_science|Computer Science]], 2025"],
            ),
        ],
    )


# ----------------------------------------------------------------------------- small functions


def _mention(
    node_id: str = "pytorch",
    *,
    context: str = "prose",
    section: SectionKind = EXP,
    position_index: int | None = None,
    dates: DateRange | None = None,
    assertion: str = "asserted",
) -> SkillMention:
    return SkillMention.model_validate(
        {
            "node_id": node_id,
            "name": TAXONOMY.nodes[node_id].name,
            "text": node_id,
            "start": 0,
            "end": len(node_id),
            "section": section,
            "position_index": position_index,
            "dates": dates,
            "context": context,
            "assertion": assertion,
        }
    )


def _position(index: int, start: date, end: date, kind: str = "job") -> Position:
    dates = DateRange(start=start, end=end, text="x")
    return Position.model_validate(
        {"index": index, "kind": kind, "dates": dates, "section": EXP, "start": 0, "end": 1}
    )


def test_prose_in_dated_work_gets_full_credit() -> None:
    job = _position(0, date(2024, 1, 1), date(2026, 6, 1))
    credit = mention_credit(
        _mention(position_index=0), job, list_credit=0.6, reference_date=REFERENCE
    )
    assert credit.credit == 1.0
    assert credit.reasons == ()


@pytest.mark.parametrize(
    ("context", "section", "in_job", "expected"),
    [
        ("list", SectionKind.SKILLS, False, 0.6),  # bare skills-list item
        ("list", EXP, True, 0.8),  # "Stack: ..." line under a dated job
        ("prose", SectionKind.SUMMARY, False, 0.7),  # a summary sentence
        ("prose", SectionKind.PROJECTS, False, 0.8),  # undated project text
    ],
)
def test_context_credit(context: str, section: SectionKind, in_job: bool, expected: float) -> None:
    job = _position(0, date(2024, 1, 1), date(2026, 6, 1))
    mention = _mention(context=context, section=section, position_index=0 if in_job else None)
    credit = mention_credit(
        mention, job if in_job else None, list_credit=0.6, reference_date=REFERENCE
    )
    assert credit.credit == pytest.approx(expected)


def test_recency_full_for_three_years_then_smooth_decay() -> None:
    assert recency_factor(date(2024, 1, 1), REFERENCE) == 1.0
    assert recency_factor(None, REFERENCE) == 1.0
    ages = [recency_factor(date(year, 12, 1), REFERENCE) for year in range(2023, 1995, -1)]
    assert all(a >= b for a, b in zip(ages, ages[1:], strict=False))
    assert ages[-1] > 0.5
    # Just after the three-year mark the factor is still almost 1: no cliff.
    assert recency_factor(date(2023, 11, 1), REFERENCE) > 0.97


def test_years_curve_is_smooth_and_increasing() -> None:
    values = [years_curve(y / 10, midpoint=2.5, spread=0.6) for y in range(0, 150)]
    assert all(a < b for a, b in zip(values, values[1:], strict=False))
    assert max(b - a for a, b in zip(values, values[1:], strict=False)) < 0.05
    assert years_curve(2.5, midpoint=2.5, spread=0.6) == pytest.approx(0.5)
    assert years_curve(0, midpoint=0.5, spread=0.5, floor=0.4) > 0.4


def test_summarize_skills_merges_overlapping_positions() -> None:
    positions = (
        _position(0, date(2020, 1, 1), date(2021, 12, 1)),
        _position(1, date(2021, 1, 1), date(2022, 12, 1)),  # overlaps 2021
        _position(2, date(2010, 1, 1), date(2010, 12, 1), kind="education"),
    )
    mentions = (
        _mention("python", position_index=0, dates=positions[0].dates),
        _mention("python", position_index=1, dates=positions[1].dates, context="list"),
        _mention("python", position_index=2, dates=positions[2].dates),
        _mention("pytorch", section=SectionKind.SKILLS, context="list"),
        _mention("tensorflow", assertion="negated"),
    )
    skills = {
        s.node_id: s
        for s in summarize_skills(mentions, positions, taxonomy=TAXONOMY, reference_date=REFERENCE)
    }
    assert set(skills) == {"python", "pytorch"}
    assert skills["python"].years == pytest.approx(3.0)  # 2020-01..2022-12, education excluded
    assert skills["python"].in_work
    assert skills["python"].last_used == date(2022, 12, 1)
    assert skills["python"].mentions == 3
    assert not skills["pytorch"].in_work
    assert skills["pytorch"].last_used is None
    assert skills["python"].category == "programming_languages"


# ----------------------------------------------------------------------------- requirement groups


def test_list_only_skill_is_partial_with_actionable_advice() -> None:
    resume = Resume(
        header=["A"],
        blocks=[Block(SectionKind.SKILLS, ["[[python|Python]], [[pytorch|PyTorch]]"])],
    )
    fits, _ = score(build(resume, TAXONOMY), PROFILES, TAXONOMY)
    libs = _req(_fit(fits, "junior"), "ml_libraries")
    assert libs.satisfaction == pytest.approx(0.6)
    assert libs.status == "partial"
    assert "PyTorch appears only in a list" in libs.explanation
    assert libs.advice is not None and "dated job or project" in libs.advice
    assert libs.evidence[0].text == "PyTorch, Python" or "PyTorch" in libs.evidence[0].text


def test_any_n_of_group_gives_partial_credit_per_skill() -> None:
    resume = Resume(
        header=["A"],
        blocks=[
            Block(
                EXP,
                ["Used [[pytorch|PyTorch]] daily."],
                kind="job",
                title="ML Engineer",
                start="2024-01",
                end="present",
            )
        ],
    )
    fits, _ = score(build(resume, TAXONOMY), PROFILES, TAXONOMY)
    frameworks = _req(_fit(fits, "mid"), "ml_frameworks")  # needs 2 of 3
    assert frameworks.satisfaction == pytest.approx(0.5)
    assert frameworks.status == "partial"
    assert set(frameworks.missing) == {"TensorFlow", "scikit-learn"}
    assert frameworks.advice is not None and "1 more of" in frameworks.advice


def test_descendant_evidence_counts_for_ancestor_node() -> None:
    # The group names only machine_learning; computer vision and supervised learning are
    # descendants in the test taxonomy, so both count as distinct skills.
    resume = Resume(
        header=["A"],
        blocks=[
            Block(
                EXP,
                [
                    "Built [[computer_vision|image recognition]] and"
                    " [[supervised_learning|classification]] models."
                ],
                kind="job",
                title="ML Engineer",
                start="2024-01",
                end="present",
            )
        ],
    )
    fits, _ = score(build(resume, TAXONOMY), PROFILES, TAXONOMY)
    methods = _req(_fit(fits, "junior"), "ml_methods")
    assert methods.satisfaction == 1.0
    assert {e.node_id for e in methods.evidence} == {"computer_vision", "supervised_learning"}


def test_negated_and_aspirational_mentions_do_not_count() -> None:
    resume = Resume(
        header=["A"],
        blocks=[
            Block(
                SectionKind.SUMMARY,
                [
                    "No experience with [[pytorch|PyTorch]|negated]] yet.",
                    "Learning [[tensorflow|TensorFlow|aspirational]] now.",
                ],
            )
        ],
    )
    resume.blocks[0].lines[0] = "No experience with [[pytorch|PyTorch|negated]] yet."
    fits, _ = score(build(resume, TAXONOMY), PROFILES, TAXONOMY)
    assert _req(_fit(fits, "junior"), "ml_libraries").satisfaction == 0.0


def test_old_skill_is_discounted_and_explained() -> None:
    resume = Resume(
        header=["A"],
        blocks=[
            Block(
                EXP,
                ["Trained models in [[pytorch|PyTorch]]."],
                kind="job",
                title="ML Engineer",
                start="2012-01",
                end="2015-12",
            )
        ],
    )
    fits, _ = score(build(resume, TAXONOMY), PROFILES, TAXONOMY)
    libs = _req(_fit(fits, "junior"), "ml_libraries")
    assert 0.5 < libs.satisfaction < 0.7
    assert "last used 2015" in libs.explanation
    assert libs.advice is not None and "recent use of PyTorch" in libs.advice


def test_min_years_scales_credit_by_years_of_use() -> None:
    def resume(start: str) -> Resume:
        return Resume(
            header=["A"],
            blocks=[
                Block(
                    EXP,
                    ["Wrote [[python|Python]] services."],
                    kind="job",
                    title="ML Engineer",
                    start=start,
                    end="present",
                )
            ],
        )

    short = _req(
        _fit(score(build(resume("2026-01"), TAXONOMY), PROFILES, TAXONOMY)[0], "senior"), "python"
    )
    long = _req(
        _fit(score(build(resume("2018-01"), TAXONOMY), PROFILES, TAXONOMY)[0], "senior"), "python"
    )
    assert long.satisfaction == 1.0
    assert 0.7 <= short.satisfaction < 0.8
    assert "Expected about 4 years of use" in short.explanation


# ----------------------------------------------------------------------------- experience/education


def test_experience_weights_relevant_titles_over_other_roles() -> None:
    def resume(title: str, lines: list[str]) -> Resume:
        return Resume(
            header=["A"],
            blocks=[Block(EXP, lines, kind="job", title=title, start="2021-01", end="2024-12")],
        )

    ml = build(resume("Machine Learning Engineer", ["Built models."]), TAXONOMY)
    adjacent = build(
        resume("Data Analyst", ["Built [[supervised_learning|classifiers]]."]), TAXONOMY
    )
    other = build(resume("Accountant", ["Closed the books."]), TAXONOMY)
    sat = {
        name: _req(_fit(score(b, PROFILES, TAXONOMY)[0], "mid"), "experience").satisfaction
        for name, b in {"ml": ml, "adjacent": adjacent, "other": other}.items()
    }
    assert sat["ml"] > sat["adjacent"] > sat["other"]
    explanation = _req(
        _fit(score(adjacent, PROFILES, TAXONOMY)[0], "mid"), "experience"
    ).explanation
    assert "4.0 years in roles that used ML (counted 40%)" in explanation


def test_internships_count_partially_for_junior_only() -> None:
    resume = Resume(
        header=["A"],
        blocks=[
            Block(
                EXP,
                ["Built models."],
                kind="internship",
                title="ML Intern",
                start="2025-01",
                end="2025-12",
            )
        ],
    )
    fits, _ = score(build(resume, TAXONOMY), PROFILES, TAXONOMY)
    junior = _req(_fit(fits, "junior"), "experience")
    senior = _req(_fit(fits, "senior"), "experience")
    expected = years_curve(0.5, midpoint=0.5, spread=0.5, floor=0.4)  # 12 months at 50%
    assert junior.satisfaction == pytest.approx(expected, abs=1e-3)
    assert senior.satisfaction == pytest.approx(
        years_curve(0.0, midpoint=5.0, spread=0.8), abs=1e-3
    )


@pytest.mark.parametrize(
    ("education_line", "expected"),
    [
        ("[[masters_degree|M.Sc.]] [[field_computer_science|Computer Science]], 2016", 1.0),
        ("[[bachelors_degree|B.Sc.]] [[field_physics|Physics]], 2016", 0.7),
        ("[[bachelors_degree|B.A.]] [[field_history|History]], 2016", 0.6),
        ("Studied [[field_computer_science|Computer Science]], 2016", 0.5),
        ("High school diploma, 2012", 0.0),
    ],
)
def test_education_credit(education_line: str, expected: float) -> None:
    resume = Resume(header=["A"], blocks=[Block(SectionKind.EDUCATION, [education_line])])
    fits, _ = score(build(resume, TAXONOMY), PROFILES, TAXONOMY)
    education = _req(_fit(fits, "junior"), "education")
    assert education.satisfaction == pytest.approx(expected)


def test_equivalent_experience_stands_in_for_a_degree() -> None:
    resume = Resume(
        header=["A"],
        blocks=[
            Block(
                EXP,
                ["Built models."],
                kind="job",
                title="ML Engineer",
                start="2020-01",
                end="present",
            )
        ],
    )
    education = _req(
        _fit(score(build(resume, TAXONOMY), PROFILES, TAXONOMY)[0], "junior"), "education"
    )
    assert education.satisfaction == pytest.approx(0.8)
    assert "equivalent experience" in education.explanation


# ----------------------------------------------------------------------------- levels


def test_missing_must_haves_cap_the_score() -> None:
    profile = load_profile(
        {
            "id": "cap",
            "level": "mid",
            "title": "Cap test",
            "version": "1",
            "description": "",
            "requirements": [
                {
                    "id": "a",
                    "label": "A",
                    "kind": "skills",
                    "importance": "nice",
                    "weight": 10,
                    "nodes": ["python"],
                },
                {
                    "id": "b",
                    "label": "B",
                    "kind": "skills",
                    "importance": "must",
                    "weight": 1,
                    "nodes": ["pytorch"],
                },
                {
                    "id": "c",
                    "label": "C",
                    "kind": "skills",
                    "importance": "must",
                    "weight": 1,
                    "nodes": ["docker"],
                },
            ],
        },
        taxonomy=TAXONOMY,
    )

    def with_lines(lines: list[str]) -> float:
        resume = Resume(
            header=["A"],
            blocks=[
                Block(EXP, lines, kind="job", title="ML Engineer", start="2024-01", end="present")
            ],
        )
        fits, _ = score(build(resume, TAXONOMY), (profile,), TAXONOMY)
        return fits[0].score

    assert with_lines(["[[python|Python]]"]) == 44.0  # two musts missing: at most weak
    assert with_lines(["[[python|Python]] [[pytorch|PyTorch]]"]) == 69.0  # one missing
    assert with_lines(["[[python|Python]] [[pytorch|PyTorch]] [[docker|Docker]]"]) == 100.0


def _level_fit(level: str, score_value: float, verdict: str) -> tuple[Profile, LevelFit]:
    profile = next(p for p in PROFILES if p.level == level)
    fit = LevelFit.model_validate(
        {
            "level": level,
            "title": level,
            "score": score_value,
            "verdict": verdict,
            "requirements": (),
            "summary": "",
        }
    )
    return profile, fit


@pytest.mark.parametrize(
    ("fits", "expected"),
    [
        ([("junior", 90, "strong"), ("mid", 80, "strong"), ("senior", 75, "strong")], "senior"),
        ([("junior", 95, "strong"), ("mid", 72, "strong"), ("senior", 60, "partial")], "mid"),
        ([("junior", 68, "partial"), ("mid", 50, "partial"), ("senior", 30, "weak")], "junior"),
        ([("junior", 40, "weak"), ("mid", 50, "partial"), ("senior", 50, "partial")], "senior"),
        ([("junior", 40, "weak"), ("mid", 30, "weak"), ("senior", 20, "weak")], None),
    ],
)
def test_best_fit_rule(fits: list[tuple[str, float, str]], expected: str | None) -> None:
    assert choose_best_fit([_level_fit(*f) for f in fits]) == expected


def test_level_results_are_ordered_and_explained() -> None:
    fits, best = score(build(ml_resume(), TAXONOMY), PROFILES, TAXONOMY)
    assert [f.level for f in fits] == ["junior", "mid", "senior"]
    assert best == "senior"
    for fit in fits:
        assert fit.summary.startswith(fit.verdict.capitalize())
        for result in fit.requirements:
            assert result.explanation
            assert (result.advice is None) == (result.status == "met")


def test_evidence_quotes_the_document_exactly() -> None:
    built = build(ml_resume(), TAXONOMY)
    fits, _ = score(built, PROFILES, TAXONOMY)
    quoted = [e for f in fits for r in f.requirements for e in r.evidence]
    assert quoted
    for evidence in quoted:
        assert built.document.text[evidence.start : evidence.end] == evidence.text
        assert len(evidence.text) <= 160
    mlops = _req(_fit(fits, "senior"), "production_mlops")
    assert any(e.dates is not None and e.dates.is_current for e in mlops.evidence)


def test_junior_resume_is_best_fit_junior() -> None:
    fits, best = score(build(junior_resume(), TAXONOMY), PROFILES, TAXONOMY)
    assert best == "junior", [(f.level, f.score) for f in fits]
    assert _fit(fits, "senior").verdict == "weak"


# ----------------------------------------------------------------------------- properties

EXTRA_LINES = [
    "Tuned [[tensorflow|TensorFlow]] models.",
    "Served models on [[sagemaker|SageMaker]].",
    "Streamed events with [[kafka|Kafka]] and [[apache_spark|Spark]].",
    "[[production_ownership|Owned the service in production]].",
    "Used [[natural_language_processing|NLP]] for tickets.",
    "Stack: [[mlflow|MLflow]], [[docker|Docker]]",
    "[[mentoring|Mentored]] interns.",
    "Wrote [[unit_testing|unit tests]].",
    "[[bachelors_degree|B.Sc.]] [[field_physics|Physics]]",
    "[[masters_degree|M.Sc.]] thesis",
    "Studied [[field_computer_science|Computer Science]] and [[field_history|History]].",
]
BASE_LINES = [
    "Wrote [[python|Python]] code.",
    "Trained [[pytorch|PyTorch]] models for [[computer_vision|vision]].",
    "Used [[scikit_learn|scikit-learn]] for [[supervised_learning|classification]].",
    "Deployed with [[kubernetes|Kubernetes]].",
    "Ran [[code_review|code reviews]].",
    "Designed [[system_design|the architecture]].",
    "[[technical_leadership|Led the team]].",
]


def _resume_with(lines: list[str], start: str = "2020-01") -> Resume:
    return Resume(
        header=["A"],
        blocks=[Block(EXP, lines, kind="job", title="ML Engineer", start=start, end="present")],
    )


@settings(max_examples=40, deadline=None)
@given(
    base=st.lists(st.sampled_from(BASE_LINES + EXTRA_LINES), max_size=8),
    extra=st.sampled_from(BASE_LINES + EXTRA_LINES),
)
def test_adding_evidence_never_lowers_a_score(base: list[str], extra: str) -> None:
    before = scores(build(_resume_with(base), TAXONOMY), PROFILES, TAXONOMY)
    after = scores(build(_resume_with([*base, extra]), TAXONOMY), PROFILES, TAXONOMY)
    for level in before:
        assert after[level] >= before[level], (level, base, extra)


@settings(max_examples=40, deadline=None)
@given(
    lines=st.lists(st.sampled_from(BASE_LINES + EXTRA_LINES), min_size=1, max_size=10),
    drop=st.integers(0, 9),
)
def test_removing_evidence_never_raises_a_score(lines: list[str], drop: int) -> None:
    fewer = [line for i, line in enumerate(lines) if i != drop % len(lines)]
    full = scores(build(_resume_with(lines), TAXONOMY), PROFILES, TAXONOMY)
    reduced = scores(build(_resume_with(fewer), TAXONOMY), PROFILES, TAXONOMY)
    for level in full:
        assert reduced[level] <= full[level]


@settings(max_examples=25, deadline=None)
@given(
    name=st.sampled_from(
        ["Alex Doe", "Maria Garcia-Lopez", "Wei Zhang", "Oluwaseun Adeyemi", "J."]
    ),
    email=st.emails(),
    address=st.sampled_from(["1 Main Street, Springfield", "Remote", "Lagos, Nigeria", ""]),
    pronoun=st.sampled_from(["I", "She", "He", "They"]),
)
def test_identity_never_changes_scores(name: str, email: str, address: str, pronoun: str) -> None:
    reference = score(build(ml_resume(), TAXONOMY), PROFILES, TAXONOMY)
    varied = score(
        build(ml_resume(name=name, email=email, address=address, pronoun=pronoun), TAXONOMY),
        PROFILES,
        TAXONOMY,
    )
    assert [(f.level, f.score, f.verdict) for f in varied[0]] == [
        (f.level, f.score, f.verdict) for f in reference[0]
    ]
    assert [r.satisfaction for f in varied[0] for r in f.requirements] == [
        r.satisfaction for f in reference[0] for r in f.requirements
    ]
    assert varied[1] == reference[1]


def test_more_years_never_lowers_the_senior_score() -> None:
    previous = -math.inf
    for start_year in range(2026, 2004, -1):
        current = scores(build(ml_resume(start=f"{start_year}-01"), TAXONOMY), PROFILES, TAXONOMY)
        assert current["senior"] >= previous
        previous = current["senior"]
    assert previous >= 70


@pytest.mark.parametrize(
    "other", [data_engineer_resume, fullstack_resume], ids=["data_engineer", "fullstack"]
)
def test_non_ml_resumes_score_below_ml_resume_on_every_level(other: Any) -> None:
    ml_built = build(ml_resume(), TAXONOMY)
    other_built = build(other(), TAXONOMY)
    # Similar length: the comparison is about content, not volume.
    assert abs(len(ml_built.document.text) - len(other_built.document.text)) < 0.3 * len(
        ml_built.document.text
    )
    ml_scores = scores(ml_built, PROFILES, TAXONOMY)
    other_scores = scores(other_built, PROFILES, TAXONOMY)
    for level, value in ml_scores.items():
        assert other_scores[level] < value, level
    _, best = score(other_built, PROFILES, TAXONOMY)
    assert best is None


# ----------------------------------------------------------------------------- end to end


def _pipeline_or_skip() -> Any:
    try:
        from matcher.pipeline import Matcher
    except ImportError as exc:  # pragma: no cover - only while the pipeline is being written
        pytest.skip(f"pipeline not available yet: {exc}")
    try:
        return Matcher.default()
    except Exception as exc:  # pragma: no cover - taxonomy/profiles still in flux
        pytest.skip(f"matcher cannot load yet: {exc}")


FIXTURES = [
    "junior_ml",
    "mid_ml",
    "senior_ml",
    "lead_ml_two_column",
    "data_engineer",
    "fullstack",
    "non_tech",
    "career_switcher",
]


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_resume_best_fit(
    name: str, fixture_text: Any, resume_expectations: dict[str, Any], reference_date: date
) -> None:
    from matcher.pipeline import MatchOptions

    matcher = _pipeline_or_skip()
    expected = resume_expectations["resumes"][name]
    result = matcher.match_text(
        fixture_text(name), options=MatchOptions(reference_date=reference_date)
    )
    acceptable = {None if level == "none" else level for level in expected["best_fit_acceptable"]}
    assert result.best_fit in acceptable, [(f.level, f.score, f.verdict) for f in result.fits]


def test_fixture_ml_resumes_outscore_non_ml_on_every_level(
    fixture_text: Any, reference_date: date
) -> None:
    from matcher.pipeline import MatchOptions

    matcher = _pipeline_or_skip()
    options = MatchOptions(reference_date=reference_date)
    by_name = {
        name: {
            f.level: f.score for f in matcher.match_text(fixture_text(name), options=options).fits
        }
        for name in ("mid_ml", "senior_ml", "data_engineer", "fullstack")
    }
    for other in ("data_engineer", "fullstack"):
        for level in ("junior", "mid", "senior"):
            assert by_name[other][level] < by_name["mid_ml"][level], (other, level)
            assert by_name[other][level] < by_name["senior_ml"][level], (other, level)


@pytest.mark.parametrize("name", ["senior_ml", "junior_ml"])
def test_fixture_identity_change_keeps_scores(
    name: str, fixture_text: Any, reference_date: date
) -> None:
    from matcher.pipeline import MatchOptions

    matcher = _pipeline_or_skip()
    options = MatchOptions(reference_date=reference_date)
    original = fixture_text(name)
    lines = original.split("\n")
    # A different (and longer) name; a credential after the name ("…, PhD") is kept.
    lines[0] = "Zainab Okonkwo-Van Der Berg" + lines[0][len(lines[0].split(",")[0]) :]
    contact = next(i for i, line in enumerate(lines) if "@" in line)
    lines[contact] = "z.okonkwo@mail.example.org | +44 20 7946 0000 | 221B Example Street, Leeds"
    varied = "\n".join(lines).replace(" I ", " she ").replace("\nI ", "\nShe ")
    first = matcher.match_text(original, options=options)
    second = matcher.match_text(varied, options=options)
    assert [(f.level, f.score) for f in second.fits] == [(f.level, f.score) for f in first.fits]
    assert second.best_fit == first.best_fit
