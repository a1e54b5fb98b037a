"""Shared fixtures: the fixture resumes, a fixed reference date, one loaded matcher."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

TESTS_DIR = Path(__file__).resolve().parent
RESUME_DIR = TESTS_DIR / "data" / "resumes"
REPO_ROOT = TESTS_DIR.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
REFERENCE_DATE = date(2026, 12, 1)

# Tests build caches for many small taxonomies; keep them out of the shipped cache folder so
# cache pruning never evicts the real taxonomy's compiled matcher. Subprocesses inherit this.
os.environ.setdefault("ML_MATCHER_CACHE_DIR", tempfile.mkdtemp(prefix="ml-matcher-test-cache-"))


@pytest.fixture(scope="session")
def reference_date() -> date:
    return REFERENCE_DATE


@pytest.fixture(scope="session")
def resume_expectations() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((RESUME_DIR / "expected.yaml").read_text("utf-8"))
    return data


def load_fixture_resume(name: str) -> str:
    """The text of a fixture resume; two-column fixtures are joined left then right."""
    expected = yaml.safe_load((RESUME_DIR / "expected.yaml").read_text("utf-8"))
    files = expected["resumes"][name]["files"]
    return "\n\n".join((RESUME_DIR / f).read_text("utf-8") for f in files)


@pytest.fixture(scope="session")
def fixture_text() -> Callable[[str], str]:
    return load_fixture_resume


@pytest.fixture(scope="session")
def default_matcher() -> Any:
    from matcher.pipeline import Matcher

    return Matcher.default()
