"""The shipped taxonomy is consistent, large enough and linked to real ESCO/O*NET entries; the
loader rejects broken data with messages that name the file."""

from __future__ import annotations

import csv
import shutil
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from matcher.errors import TaxonomyError
from skills.taxonomy import DATA_DIR, Taxonomy, _load_cached, load_taxonomy, normalize_form

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
ESCO_FILES = (
    SHARED_DATA / "esco" / "digitalSkillsCollection_en.csv",
    SHARED_DATA / "esco" / "skillsHierarchy_en.csv",
)
ONET_FILE = SHARED_DATA / "onet" / "Technology Skills.csv"

MIN_NODES = 400
MIN_FORMS = 1500


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


@pytest.fixture(scope="module")
def header() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DATA_DIR / "taxonomy.yaml").read_text("utf-8"))
    return data


# ----------------------------------------------------------------------------- helpers


def write_taxonomy(
    root: Path,
    nodes: list[dict[str, Any]],
    *,
    ambiguous: list[dict[str, Any]] | None = None,
    categories: tuple[str, ...] = ("tools",),
) -> Path:
    """A minimal taxonomy directory under ``root`` with one node file."""
    (root / "nodes").mkdir(parents=True)
    header = {
        "version": "0.0.1",
        "name": "test taxonomy",
        "categories": [{"id": c, "name": c} for c in categories],
        "ambiguous": ambiguous or [],
    }
    (root / "taxonomy.yaml").write_text(yaml.safe_dump(header), "utf-8")
    (root / "nodes" / "a.yaml").write_text(yaml.safe_dump({"nodes": nodes}), "utf-8")
    return root


def node(node_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": node_id, "name": node_id.replace("_", " "), "category": "tools", **extra}


def copy_shipped(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


@cache
def esco_uris() -> frozenset[str]:
    uris: set[str] = set()
    with ESCO_FILES[0].open(newline="", encoding="utf-8") as handle:
        uris.update(row["conceptUri"] for row in csv.DictReader(handle))
    with ESCO_FILES[1].open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            uris.update(row[f"Level {level} URI"] for level in range(4))
    return frozenset(u for u in uris if u)


@cache
def onet_entries() -> frozenset[tuple[int, str, str]]:
    with ONET_FILE.open(newline="", encoding="utf-8") as handle:
        return frozenset(
            (int(row["Commodity Code"]), row["Commodity Title"], row["Example"])
            for row in csv.DictReader(handle)
        )


def require_shared_data() -> None:
    if not all(path.is_file() for path in (*ESCO_FILES, ONET_FILE)):
        pytest.skip(f"reference data not found under {SHARED_DATA}")


# ----------------------------------------------------------------------------- shipped data


def test_shipped_taxonomy_meets_minimum_size(taxonomy: Taxonomy) -> None:
    assert len(taxonomy.nodes) >= MIN_NODES
    assert len(taxonomy.forms) >= MIN_FORMS


def test_every_alias_maps_to_its_node(taxonomy: Taxonomy) -> None:
    missing = [
        (node.id, alias.text)
        for node in taxonomy.nodes.values()
        for alias in node.aliases
        if node.id not in taxonomy.forms[normalize_form(alias.text)].node_ids
    ]
    assert missing == []


def test_shared_forms_are_exactly_the_declared_ambiguous_ones(
    taxonomy: Taxonomy, header: dict[str, Any]
) -> None:
    declared = {normalize_form(entry["text"]): set(entry["nodes"]) for entry in header["ambiguous"]}
    shared = {key: set(form.node_ids) for key, form in taxonomy.forms.items() if form.ambiguous}
    assert shared == declared
    for key, form in taxonomy.forms.items():
        if form.ambiguous and form.default is not None:
            assert form.default in form.node_ids, key


def test_parents_exist_and_are_acyclic(taxonomy: Taxonomy) -> None:
    for node in taxonomy.nodes.values():
        assert all(parent in taxonomy.nodes for parent in node.parents), node.id
        assert node.id not in taxonomy.ancestors(node.id), node.id


def test_every_category_is_declared_and_used(taxonomy: Taxonomy) -> None:
    used = {node.category for node in taxonomy.nodes.values()}
    assert used <= set(taxonomy.categories)
    assert set(taxonomy.categories) - used == set(), "declared categories without nodes"


def test_nodes_of_core_categories_have_descriptions(taxonomy: Taxonomy) -> None:
    core = {
        "programming_languages",
        "ml_frameworks",
        "data_tools",
        "math_stats",
        "ml_methods",
        "model_evaluation",
    }
    undocumented = [
        n.id for n in taxonomy.nodes.values() if n.category in core and not n.description
    ]
    assert undocumented == []


def test_short_forms_in_core_categories_are_not_fuzzy(taxonomy: Taxonomy) -> None:
    # A typo-tolerant two-letter form would match half the dictionary.
    core = {"programming_languages", "ml_frameworks", "data_tools", "math_stats", "ml_methods"}
    fuzzy_short = [
        form.text
        for key, form in taxonomy.forms.items()
        if len(key) <= 4
        and form.fuzzy
        and any(taxonomy.nodes[i].category in core for i in form.node_ids)
    ]
    assert fuzzy_short == []


@pytest.mark.parametrize(
    ("text", "node_id"),
    [("R", "r_language"), ("C", "c_language"), ("Go", "go"), ("CV", "computer_vision")],
)
def test_risky_one_word_forms_are_guarded(taxonomy: Taxonomy, text: str, node_id: str) -> None:
    form = taxonomy.forms[normalize_form(text)]
    assert form.node_ids == (node_id,)
    assert form.case_sensitive and form.needs_context and not form.fuzzy


@pytest.mark.parametrize(
    ("text", "node_id"),
    [
        ("sklearn", "scikit_learn"),
        ("scikit learn", "scikit_learn"),
        ("torch", "pytorch"),
        ("TF2", "tensorflow"),
        ("k means", "k_means"),
        ("NLP", "natural_language_processing"),
        ("LLMs", "large_language_models"),
        ("neural networks", "neural_networks"),
        ("Golang", "go"),
        ("A/B testing", "ab_testing"),
    ],
)
def test_common_spellings_resolve(taxonomy: Taxonomy, text: str, node_id: str) -> None:
    assert taxonomy.forms[normalize_form(text)].node_ids == (node_id,)


def test_hierarchy_rolls_evidence_up(taxonomy: Taxonomy) -> None:
    assert "pytorch" in taxonomy.ancestors("pytorch_lightning")
    assert "pytorch_lightning" in taxonomy.descendants("pytorch")
    assert "grid_search" in taxonomy.covers("model_evaluation")
    assert "lstm" in taxonomy.covers("machine_learning")
    assert taxonomy.covers("pytorch")[0] == "pytorch"


def test_esco_uris_exist_in_esco(taxonomy: Taxonomy) -> None:
    require_shared_data()
    known = esco_uris()
    unknown = [
        (n.id, n.esco_uri)
        for n in taxonomy.nodes.values()
        if n.esco_uri and n.esco_uri not in known
    ]
    assert unknown == []


def test_onet_links_exist_in_onet(taxonomy: Taxonomy) -> None:
    require_shared_data()
    entries = onet_entries()
    commodities = {(code, title) for code, title, _ in entries}
    unknown = [
        (n.id, link.commodity_code, link.example)
        for n in taxonomy.nodes.values()
        for link in n.onet
        if (link.commodity_code, link.commodity_title) not in commodities
        or (
            link.example is not None
            and (link.commodity_code, link.commodity_title, link.example) not in entries
        )
    ]
    assert unknown == []


def test_uncached_load_time(record_property: Callable[[str, object], None]) -> None:
    # Reported, not asserted: the figure depends on the machine.
    started = time.perf_counter()
    fresh = _load_cached.__wrapped__(DATA_DIR.resolve())
    elapsed_ms = (time.perf_counter() - started) * 1000
    record_property("taxonomy_load_ms", round(elapsed_ms, 1))
    print(
        f"taxonomy load: {elapsed_ms:.0f} ms for {len(fresh.nodes)} nodes, {len(fresh.forms)} forms"
    )
    assert len(fresh.nodes) == len(load_taxonomy().nodes)


# ----------------------------------------------------------------------------- loader behaviour


def test_duplicate_id_names_the_file(tmp_path: Path) -> None:
    data = copy_shipped(tmp_path)
    duplicate = data / "nodes" / "zz_duplicate.yaml"
    duplicate.write_text(
        yaml.safe_dump(
            {"nodes": [{"id": "python", "name": "Python again", "category": "ml_methods"}]}
        ),
        "utf-8",
    )
    with pytest.raises(TaxonomyError, match=r"zz_duplicate\.yaml.*'python'.*defined twice"):
        load_taxonomy(data)


def test_parent_cycle_is_rejected(tmp_path: Path) -> None:
    root = write_taxonomy(
        tmp_path,
        [node("a", parents=["c"]), node("b", parents=["a"]), node("c", parents=["b"])],
    )
    with pytest.raises(TaxonomyError, match="parent cycle"):
        load_taxonomy(root)


def test_self_parent_is_rejected(tmp_path: Path) -> None:
    root = write_taxonomy(tmp_path, [node("a", parents=["a"])])
    with pytest.raises(TaxonomyError, match="lists itself"):
        load_taxonomy(root)


def test_unknown_parent_is_rejected(tmp_path: Path) -> None:
    root = write_taxonomy(tmp_path, [node("a", parents=["nowhere"])])
    with pytest.raises(TaxonomyError, match="parent 'nowhere' does not exist"):
        load_taxonomy(root)


def test_undeclared_category_is_rejected(tmp_path: Path) -> None:
    root = write_taxonomy(tmp_path, [{"id": "a", "name": "A", "category": "mystery"}])
    with pytest.raises(TaxonomyError, match="unknown category 'mystery'"):
        load_taxonomy(root)


def test_undeclared_shared_alias_names_both_nodes(tmp_path: Path) -> None:
    root = write_taxonomy(tmp_path, [node("a", aliases=["Shared"]), node("b", aliases=["shared"])])
    with pytest.raises(TaxonomyError, match="'shared' is claimed by a, b"):
        load_taxonomy(root)


def test_declared_shared_alias_loads_with_default(tmp_path: Path) -> None:
    root = write_taxonomy(
        tmp_path,
        [node("a", aliases=["Shared"]), node("b", aliases=["shared"])],
        ambiguous=[{"text": "shared", "nodes": ["a", "b"], "default": "b"}],
    )
    form = load_taxonomy(root).forms["shared"]
    assert form.node_ids == ("a", "b")
    assert form.default == "b"


def test_stale_ambiguous_declaration_is_rejected(tmp_path: Path) -> None:
    root = write_taxonomy(
        tmp_path,
        [node("a", aliases=["solo"]), node("b")],
        ambiguous=[{"text": "solo", "nodes": ["a", "b"]}],
    )
    with pytest.raises(TaxonomyError, match="declared but not shared"):
        load_taxonomy(root)


def test_alias_spelled_like_the_name_sets_the_name_flags(tmp_path: Path) -> None:
    root = write_taxonomy(
        tmp_path,
        [
            {
                "id": "r",
                "name": "R",
                "category": "tools",
                "aliases": [
                    {"text": "R", "case_sensitive": True, "needs_context": True, "fuzzy": False},
                ],
            }
        ],
    )
    form = load_taxonomy(root).forms["r"]
    assert (form.case_sensitive, form.needs_context, form.fuzzy) == (True, True, False)


def test_grouping_node_name_is_not_a_form(tmp_path: Path) -> None:
    root = write_taxonomy(tmp_path, [node("group_of_things", match_name=False), node("thing")])
    forms = load_taxonomy(root).forms
    assert "group of things" not in forms
    assert "thing" in forms


def test_invalid_node_names_file_and_key(tmp_path: Path) -> None:
    root = write_taxonomy(tmp_path, [{"id": "Bad Id", "name": "x", "category": "tools"}])
    with pytest.raises(TaxonomyError, match=r"a\.yaml is invalid: nodes\.0\.id"):
        load_taxonomy(root)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    root = write_taxonomy(tmp_path, [node("a")])
    (root / "nodes" / "broken.yaml").write_text("nodes: [unclosed\n", "utf-8")
    with pytest.raises(TaxonomyError, match=r"broken\.yaml is not valid YAML"):
        load_taxonomy(root)


def test_empty_node_directory_is_rejected(tmp_path: Path) -> None:
    root = write_taxonomy(tmp_path, [node("a")])
    (root / "nodes" / "a.yaml").unlink()
    with pytest.raises(TaxonomyError, match="no node files"):
        load_taxonomy(root)


# ----------------------------------------------------------------------------- signal phrases


@pytest.mark.parametrize(
    ("text", "node_id"),
    [
        ("mentored junior engineers", "mentoring"),
        ("led a team of", "team_leadership"),
        ("tech lead", "technical_leadership"),
        ("reviewed code", "code_review"),
        ("on-call rotation", "incident_management"),
        ("presented to stakeholders", "stakeholder_communication"),
        ("owned the roadmap", "roadmap_planning"),
    ],
)
def test_signal_phrases_resolve_as_signals(taxonomy: Taxonomy, text: str, node_id: str) -> None:
    form = taxonomy.forms[normalize_form(text)]
    assert form.node_ids == (node_id,)
    assert form.signal


def test_skill_names_are_not_signals(taxonomy: Taxonomy) -> None:
    for text in ("mentorship", "stakeholder management", "Python", "code review", "Mentoring"):
        assert not taxonomy.forms[normalize_form(text)].signal, text


def test_signal_phrases_never_collide_with_names(taxonomy: Taxonomy) -> None:
    names = {
        normalize_form(text)
        for node in taxonomy.nodes.values()
        for text in (
            *(a.text for a in node.aliases),
            *((node.name,) if node.match_name else ()),
        )
    }
    signals = {normalize_form(s.text) for n in taxonomy.nodes.values() for s in n.signal_phrases}
    assert signals, "the shipped taxonomy has signal phrases"
    assert not signals & names


def test_signal_phrase_equal_to_an_alias_is_rejected(tmp_path: Path) -> None:
    root = write_taxonomy(
        tmp_path,
        [node("a", aliases=["mentorship"]), node("b", signal_phrases=["Mentorship"])],
    )
    with pytest.raises(TaxonomyError, match="signal phrase 'Mentorship'.*node 'a'"):
        load_taxonomy(root)


def test_signal_phrase_shared_by_two_nodes_needs_a_declaration(tmp_path: Path) -> None:
    root = write_taxonomy(
        tmp_path,
        [node("a", signal_phrases=["led a team"]), node("b", signal_phrases=["led a team"])],
    )
    with pytest.raises(TaxonomyError, match="declare it under 'ambiguous'"):
        load_taxonomy(root)
