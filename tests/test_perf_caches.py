"""The speed-ups must never change a result: caches shared between resumes, levels and processes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from matcher.pipeline import Matcher, MatchOptions
from skills import taxonomy as taxonomy_module

RESUMES = Path(__file__).parent / "data" / "resumes"
TEST_TAXONOMY_DIR = (Path(__file__).parent / "data" / "scoring" / "taxonomy").resolve()
OPTIONS = MatchOptions(reference_date=date(2026, 12, 1))


def _fits_json(matcher: Matcher, name: str, options: MatchOptions = OPTIONS) -> str:
    result = matcher.match_text((RESUMES / name).read_text("utf-8"), options=options)
    return result.model_dump_json(include={"skills", "fits", "best_fit"})


def test_scoring_other_resumes_in_between_changes_nothing() -> None:
    """Per-requirement indexes and shared results are reused across resumes: no state leaks."""
    first_matcher = Matcher.create()  # a fresh matcher: its profiles have never been scored
    alone = _fits_json(first_matcher, "mid_ml.txt")
    for name in ("non_tech.txt", "senior_ml.txt", "junior_ml.txt"):
        _fits_json(first_matcher, name)
    assert _fits_json(first_matcher, "mid_ml.txt") == alone
    assert _fits_json(Matcher.default(), "mid_ml.txt") == alone


def test_one_level_scores_as_it_does_among_all_levels() -> None:
    matcher = Matcher.default()
    both = matcher.match_text((RESUMES / "senior_ml.txt").read_text("utf-8"), options=OPTIONS)
    only = matcher.match_text(
        (RESUMES / "senior_ml.txt").read_text("utf-8"),
        options=MatchOptions(reference_date=OPTIONS.reference_date, levels=("senior",)),
    )
    senior = next(fit for fit in both.fits if fit.level == "senior")
    assert only.fits == (senior,)


def test_a_group_with_no_evidence_explains_what_was_looked_for() -> None:
    """The shared 'nothing found' result still names the listed skills and gives advice."""
    result = Matcher.default().match_text(
        (RESUMES / "non_tech.txt").read_text("utf-8"), options=OPTIONS
    )
    empty = [r for fit in result.fits for r in fit.requirements if r.kind == "skills"]
    assert empty and all(r.satisfaction == 0.0 and r.status == "missing" for r in empty)
    assert all(r.missing and r.advice and "looked for" in r.explanation for r in empty)


def _only_cache_dir(directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``directory`` the first cache place and the others empty temporary folders."""
    monkeypatch.setenv("ML_MATCHER_CACHE_DIR", str(directory))
    monkeypatch.setenv("XDG_CACHE_HOME", str(directory.parent / "xdg"))
    monkeypatch.setattr(taxonomy_module, "DATA_DIR", directory.parent / "shipped")


def test_taxonomy_cache_round_trip_and_corrupt_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _only_cache_dir(tmp_path, monkeypatch)
    load = taxonomy_module._load_cached.__wrapped__  # the disk cache, without the process cache
    fresh = taxonomy_module._load_uncached(TEST_TAXONOMY_DIR)

    def same(loaded: taxonomy_module.Taxonomy) -> bool:
        return (
            dict(loaded.nodes) == dict(fresh.nodes)
            and dict(loaded.forms) == dict(fresh.forms)
            and dict(loaded.categories) == dict(fresh.categories)
            and (loaded.version, loaded.name, loaded.attribution)
            == (fresh.version, fresh.name, fresh.attribution)
        )

    assert same(load(TEST_TAXONOMY_DIR))  # builds and stores
    (stored,) = tmp_path.glob("taxonomy-*.pickle")
    assert same(load(TEST_TAXONOMY_DIR))  # read back
    stored.write_bytes(b"not a pickle")
    assert same(load(TEST_TAXONOMY_DIR))  # a broken cache falls back to the YAML


def test_taxonomy_cache_key_follows_the_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Editing a data file must never serve the old taxonomy from the cache."""
    _only_cache_dir(tmp_path / "cache", monkeypatch)
    data = tmp_path / "taxonomy"
    (data / "nodes").mkdir(parents=True)
    (data / "taxonomy.yaml").write_bytes((TEST_TAXONOMY_DIR / "taxonomy.yaml").read_bytes())
    for path in (TEST_TAXONOMY_DIR / "nodes").glob("*.yaml"):
        (data / "nodes" / path.name).write_bytes(path.read_bytes())
    load = taxonomy_module._load_cached.__wrapped__
    before = load(data)
    header = (data / "taxonomy.yaml").read_text("utf-8")
    assert f"version: {before.version}" in header or f'version: "{before.version}"' in header
    (data / "taxonomy.yaml").write_text(
        header.replace(before.version, before.version + "-edited", 1), "utf-8"
    )
    assert load(data).version == before.version + "-edited"
