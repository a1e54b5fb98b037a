"""Skill extraction on hand-written snippets with the small test taxonomy."""

from __future__ import annotations

import pickle
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from matcher.models import (
    DateRange,
    DocumentInfo,
    ExtractedDocument,
    MediaType,
    Position,
    Section,
    SectionKind,
    SkillMention,
)
from skills.extract import SkillExtractor, make_tokenizer_pipeline, normalise_whitespace
from skills.taxonomy import Taxonomy, load_taxonomy

DATA = Path(__file__).parent / "data"
SNIPPETS: list[dict[str, Any]] = yaml.safe_load(
    (DATA / "snippets" / "snippets.yaml").read_text("utf-8")
)["snippets"]
HEADINGS = {
    "SKILLS": SectionKind.SKILLS,
    "EXPERIENCE": SectionKind.EXPERIENCE,
    "PROJECTS": SectionKind.PROJECTS,
    "EDUCATION": SectionKind.EDUCATION,
}


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(DATA / "taxonomy_small")


@pytest.fixture(scope="module")
def extractor(taxonomy: Taxonomy, tmp_path_factory: pytest.TempPathFactory) -> SkillExtractor:
    return SkillExtractor(taxonomy, cache_dirs=[tmp_path_factory.mktemp("extractor-cache")])


def document(text: str) -> ExtractedDocument:
    """Sections from lines that are exactly a known heading (a stand-in for matcher.sections)."""
    starts: list[tuple[int, SectionKind, str | None]] = [(0, SectionKind.HEADER, None)]
    offset = 0
    for line in text.splitlines(keepends=True):
        kind = HEADINGS.get(line.strip())
        if kind is not None:
            starts.append((offset, kind, line.strip()))
        offset += len(line)
    if len(starts) > 1 and starts[1][0] == 0:
        starts.pop(0)
    sections = tuple(
        Section(kind=kind, heading=heading, start=start, end=nxt[0] if nxt else len(text))
        for (start, kind, heading), nxt in zip(starts, [*starts[1:], None], strict=True)
    )
    return ExtractedDocument(
        info=DocumentInfo(media_type=MediaType.TXT, characters=len(text)),
        text=text,
        sections=sections,
    )


def check_offsets(doc: ExtractedDocument, mentions: tuple[SkillMention, ...]) -> None:
    for mention in mentions:
        assert doc.text[mention.start : mention.end] == mention.text


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s["id"] for s in SNIPPETS])
def test_snippet(extractor: SkillExtractor, snippet: dict[str, Any]) -> None:
    doc = document(snippet["text"])
    mentions = extractor.extract(doc)
    check_offsets(doc, mentions)
    for expected in snippet.get("found", []):
        hits = [m for m in mentions if m.node_id == expected["node"] and m.text == expected["text"]]
        assert hits, f"{expected} not in {[(m.node_id, m.text) for m in mentions]}"
        for field in ("context", "assertion", "match"):
            if field in expected:
                assert {getattr(m, field) for m in hits} == {expected[field]}, (field, hits)
    found_nodes = {m.node_id for m in mentions}
    for node in snippet.get("absent", []):
        assert node not in found_nodes, f"{node} wrongly found: {mentions}"


def test_enough_snippets() -> None:
    assert len(SNIPPETS) >= 25
    assert sum(1 for s in SNIPPETS if s.get("absent")) >= 10


def test_sections_positions_and_dates(extractor: SkillExtractor) -> None:
    text = (
        "Asha Verma\n"
        "SKILLS\n"
        "Python, Kubernetes\n"
        "EXPERIENCE\n"
        "ML Platform Lead, Nimbus, 2021 - 2024\n"
        "• Moved training jobs to Kubernetes and MLflow.\n"
        "Data Analyst, Orbit, 2018 - 2021\n"
        "• Forecasts in Python and SQL.\n"
    )
    doc = document(text)
    first = text.index("ML Platform Lead")
    second = text.index("Data Analyst")
    positions = (
        Position(
            index=0,
            kind="job",
            title="ML Platform Lead",
            dates=DateRange(start=date(2021, 1, 1), end=date(2024, 12, 31), text="2021 - 2024"),
            section=SectionKind.EXPERIENCE,
            start=first,
            end=second,
        ),
        Position(
            index=1,
            kind="job",
            title="Data Analyst",
            dates=DateRange(start=date(2018, 1, 1), end=date(2021, 12, 31), text="2018 - 2021"),
            section=SectionKind.EXPERIENCE,
            start=second,
            end=len(text),
        ),
    )
    mentions = extractor.extract(doc, positions)
    check_offsets(doc, mentions)
    by_place = {(m.node_id, m.position_index): m for m in mentions}
    skills_python = [m for m in mentions if m.node_id == "python" and m.position_index is None]
    assert skills_python and skills_python[0].section is SectionKind.SKILLS
    assert skills_python[0].context == "list" and skills_python[0].dates is None
    k8s = by_place[("kubernetes", 0)]
    assert k8s.section is SectionKind.EXPERIENCE and k8s.context == "prose"
    assert k8s.dates is not None and k8s.dates.start == date(2021, 1, 1)
    assert by_place[("mlflow", 0)].dates == positions[0].dates
    assert by_place[("python", 1)].dates == positions[1].dates
    assert by_place[("sql", 1)].position_index == 1
    # "ML Platform Lead": a job title, so no machine-learning mention from it
    assert not [m for m in mentions if m.node_id == "machine_learning"]


def test_offsets_map_back_through_whitespace(extractor: SkillExtractor) -> None:
    text = "  Tools:\t\tPyTorch ,   scikit-learn\r\n\n\n  •   Kubernetes   and\u00a0Docker  "
    doc = document(text)
    mentions = extractor.extract(doc)
    check_offsets(doc, mentions)
    assert [m.node_id for m in mentions] == ["pytorch", "scikit_learn", "kubernetes", "docker"]


def test_mentions_are_in_text_order_and_deduplicated(extractor: SkillExtractor) -> None:
    mentions = extractor.extract_text("Python, python, PYTHON and Python3")
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)
    assert len({(m.start, m.end) for m in mentions}) == len(mentions) == 4


def test_fuzzy_scores(extractor: SkillExtractor) -> None:
    (typo,) = [m for m in extractor.extract_text("Models in Pytroch.") if m.node_id == "pytorch"]
    assert typo.match == "fuzzy" and 80 <= typo.score < 100
    (exact,) = extractor.extract_text("Models in PyTorch.")
    assert exact.match == "exact" and exact.score == 100


def test_empty_and_symbol_only_text(extractor: SkillExtractor) -> None:
    assert extractor.extract_text("") == ()
    assert extractor.extract_text(" \n\n•••  ---  \n") == ()


def test_known_forms(extractor: SkillExtractor) -> None:
    assert extractor.known_forms("Python scripting") == ("python",)
    assert extractor.known_forms("r programming") == ("r programming",)
    assert extractor.known_forms("go") == ()  # case-sensitive form "Go"


def test_tokenizer_splits_resume_compounds() -> None:
    nlp = make_tokenizer_pipeline()
    assert [t.text for t in nlp.make_doc("Java(8 years)")][:3] == ["Java", "(", "8"]
    assert [t.text for t in nlp.make_doc("C++/Qt")] == ["C++", "/", "Qt"]
    assert [t.text for t in nlp.make_doc("node.js/JS")] == ["node.js", "/", "JS"]
    assert len(nlp.make_doc("https://github.com/someone/pytorch-demo")) == 1
    assert nlp.tokenizer.rules == {}


def test_normalise_whitespace_maps_offsets() -> None:
    text = "a  b\n\n c\td"
    norm = normalise_whitespace(text)
    assert norm.text == "a b c d"
    for norm_offset, char in enumerate(norm.text):
        if char != " ":
            assert text[norm.to_original(norm_offset)] == char
    assert len(norm.breaks) == 1 and norm.breaks[0] in norm.blank_breaks


def test_cache_is_written_then_loaded(taxonomy: Taxonomy, tmp_path: Path) -> None:
    began = time.perf_counter()
    built = SkillExtractor(taxonomy, cache_dirs=[tmp_path])
    build_time = time.perf_counter() - began
    assert not built.loaded_from_cache and built.cache_path is not None
    assert built.cache_path.is_file()
    began = time.perf_counter()
    loaded = SkillExtractor(taxonomy, cache_dirs=[tmp_path])
    load_time = time.perf_counter() - began
    assert loaded.loaded_from_cache
    assert load_time < build_time
    text = "Built models with PyTorch and Pytroch on Kubernetes; no experience with Go."
    assert loaded.extract_text(text) == built.extract_text(text)


def test_unreadable_cache_is_rebuilt(taxonomy: Taxonomy, tmp_path: Path) -> None:
    first = SkillExtractor(taxonomy, cache_dirs=[tmp_path])
    assert first.cache_path is not None
    first.cache_path.write_bytes(b"not a pickle")
    again = SkillExtractor(taxonomy, cache_dirs=[tmp_path])
    assert not again.loaded_from_cache
    assert again.extract_text("PyTorch")[0].node_id == "pytorch"


def test_unwritable_cache_falls_back_to_memory(taxonomy: Taxonomy, tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    extractor = SkillExtractor(taxonomy, cache_dirs=[blocked / "cache"])
    assert extractor.cache_path is None and not extractor.loaded_from_cache
    assert extractor.extract_text("Docker")[0].node_id == "docker"


def test_cache_key_changes_with_taxonomy(taxonomy: Taxonomy, tmp_path: Path) -> None:
    shipped_like = load_taxonomy(DATA / "taxonomy_small")
    assert (
        SkillExtractor(shipped_like, use_cache=False).cache_key
        == SkillExtractor(taxonomy, use_cache=False).cache_key
    )
    copy = tmp_path / "taxonomy"
    copy.mkdir()
    (copy / "taxonomy.yaml").write_text((DATA / "taxonomy_small" / "taxonomy.yaml").read_text())
    (copy / "nodes").mkdir()
    for path in (DATA / "taxonomy_small" / "nodes").glob("*.yaml"):
        (copy / "nodes" / path.name).write_text(path.read_text())
    extra = "  - id: jax\n    name: JAX\n    category: ml_frameworks\n"
    (copy / "nodes" / "ml.yaml").write_text((copy / "nodes" / "ml.yaml").read_text() + extra)
    changed = SkillExtractor(load_taxonomy(copy), use_cache=False)
    assert changed.cache_key != SkillExtractor(taxonomy, use_cache=False).cache_key
    assert changed.extract_text("Research code in JAX")[0].node_id == "jax"


def test_compiled_matcher_pickles(extractor: SkillExtractor) -> None:
    clone = pickle.loads(pickle.dumps(extractor._compiled))
    assert clone.plain_keys == extractor._compiled.plain_keys


def test_company_names_are_dropped(extractor: SkillExtractor) -> None:
    text = "Platform engineer at Docker Inc, then at Kubernetes Cloud Pvt Ltd."
    assert extractor.extract_text(text) == ()
    assert [m.node_id for m in extractor.extract_text("Docker, Kubernetes Ltd")] == ["docker"]


def test_old_caches_are_pruned(taxonomy: Taxonomy, tmp_path: Path) -> None:
    for number in range(6):
        (tmp_path / f"extractor-old{number}.pickle").write_bytes(b"stale")
    SkillExtractor(taxonomy, cache_dirs=[tmp_path])
    assert len(list(tmp_path.glob("extractor-*.pickle"))) == 4


# ----------------------------------------------------------------------------- fixture resumes
# The shipped taxonomy through the whole pipeline (matcher.pipeline.Matcher), checked against
# tests/data/resumes/expected.yaml: skills_present asserted, not_skills never asserted, and every
# seniority signal found as an asserted mention of the node (or of a node it covers).

FIXTURE_NAMES = sorted(
    yaml.safe_load((DATA / "resumes" / "expected.yaml").read_text("utf-8"))["resumes"]
)


@pytest.fixture(scope="module")
def fixture_results(
    default_matcher: Any, fixture_text: Any, reference_date: date
) -> dict[str, Any]:
    from matcher.pipeline import MatchOptions

    options = MatchOptions(reference_date=reference_date)
    return {
        name: default_matcher.match_text(fixture_text(name), options=options)
        for name in FIXTURE_NAMES
    }


def _asserted(result: Any) -> list[SkillMention]:
    return [m for m in result.mentions if m.assertion == "asserted"]


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_skills_present_are_asserted(
    name: str, fixture_results: dict[str, Any], resume_expectations: dict[str, Any]
) -> None:
    found = {m.name for m in _asserted(fixture_results[name])}
    missing = set(resume_expectations["resumes"][name].get("skills_present") or ()) - found
    assert not missing, f"{name}: not found as asserted: {sorted(missing)}"


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_not_skills_are_never_asserted(
    name: str, fixture_results: dict[str, Any], resume_expectations: dict[str, Any]
) -> None:
    found = {m.name for m in _asserted(fixture_results[name])}
    wrong = set(resume_expectations["resumes"][name].get("not_skills") or ()) & found
    assert not wrong, f"{name}: asserted although listed as not_skills: {sorted(wrong)}"


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_seniority_signals_are_found(
    name: str, fixture_results: dict[str, Any], resume_expectations: dict[str, Any]
) -> None:
    taxonomy = load_taxonomy()
    found = {m.node_id for m in _asserted(fixture_results[name])}
    expected = resume_expectations["resumes"][name].get("signals") or ()
    missing = [s for s in expected if not found & set(taxonomy.covers(s))]
    assert not missing, f"{name}: seniority signals not found: {missing}"


def test_currently_learning_list_is_aspirational(fixture_results: dict[str, Any]) -> None:
    """ "Currently learning: Kubernetes, Docker, AWS." is a label, then what is not known yet."""
    mentions = fixture_results["career_switcher"].mentions
    by_name = {m.text: m.assertion for m in mentions if m.text in {"Kubernetes", "Docker", "AWS"}}
    assert by_name == {
        "Kubernetes": "aspirational",
        "Docker": "aspirational",
        "AWS": "aspirational",
    }


def test_signal_phrases_survive_the_job_title_rule() -> None:
    extractor = SkillExtractor(load_taxonomy())
    mentions = extractor.extract_text(
        "Tech lead for the ranking team. Mentored junior engineers and reviewed code.\n"
        "Team Lead - Search Platform"
    )
    found = {(m.text, m.node_id, m.kind) for m in mentions}
    assert ("Tech lead", "technical_leadership", "signal") in found
    assert ("Mentored junior engineers", "mentoring", "signal") in found
    assert ("reviewed code", "code_review", "signal") in found
    assert ("Team Lead", "team_leadership", "signal") in found
    assert all(m.kind == "skill" for m in extractor.extract_text("Python, PyTorch and SQL"))


@pytest.mark.parametrize(
    ("text", "absent", "present"),
    [
        ("Application Developer - SAP ABAP\nKolkata, West Bengal", "abap", None),
        ("Application Developer\n\nSAP ABAP - Kolkata, West Bengal -\nJuly 2016", "abap", None),
        ("Oracle - Bengaluru, Karnataka\nJune 2015 to Present", "oracle_db", None),
        ("Python - Advanced, Expert", None, "python"),
        ("Kumar, RL, and Lee, K. (2019). Deep learning for text.", "reinforcement_learning", None),
        ("Built RL agents with PyTorch for pricing.", None, "reinforcement_learning"),
        ("Configured ASR901 routers with Python scripts.", "speech_recognition", None),
        ("Rewrote the service in Python3.11 on SQL Server 2019.", None, "python"),
        ("Defined clustering keys for large tables in Snowflake.", "clustering", None),
        ("Customer segments by clustering with k-means in scikit-learn.", None, "clustering"),
        ("B.E. in Computer and Communication, Anna University, 2005", "communication", None),
        ("Bachelor degree in Computer Science", None, "field_computer_science"),
        ("Purchase tax reports, C/F forms and ledgers", "c_language", None),
    ],
)
def test_titles_employers_citations_and_senses(
    text: str, absent: str | None, present: str | None
) -> None:
    found = {m.node_id for m in SkillExtractor(load_taxonomy()).extract_text(text)}
    if absent is not None:
        assert absent not in found
    if present is not None:
        assert present in found


def test_text_over_spacy_default_length_is_extracted():
    """spaCy refuses over 1,000,000 characters by default (E088); ingestion's cap may be raised."""
    from matcher.loaders import IngestLimits, document_from_text
    from skills.extract import get_extractor

    line = "Built models with PyTorch and scikit-learn.\n"
    text = line * (1_100_000 // len(line))
    document = document_from_text(text, limits=IngestLimits(max_bytes=10**8, max_chars=10**7))
    mentions = get_extractor().extract(document)
    assert {m.node_id for m in mentions} >= {"pytorch", "scikit_learn"}
