"""Resume to Machine Learning Engineer role matcher.

    >>> import matcher
    >>> result = matcher.match_file("resume.pdf")          # doctest: +SKIP
    >>> result.best_fit, [(f.level, f.score) for f in result.fits]  # doctest: +SKIP

Heavy parts (spaCy, PDF/DOCX libraries) load on first use, so ``import matcher`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from datetime import date
    from pathlib import Path

    from matcher.models import MatchResult
    from matcher.pipeline import Matcher, MatchOptions

__all__ = [
    "MatchOptions",
    "Matcher",
    "__version__",
    "match_bytes",
    "match_file",
    "match_text",
]


def __getattr__(name: str) -> Any:
    if name in {"Matcher", "MatchOptions"}:
        from matcher import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'matcher' has no attribute {name!r}")


def _options(reference_date: date | None, levels: tuple[str, ...] | None) -> MatchOptions:
    from matcher.pipeline import MatchOptions

    return MatchOptions(reference_date=reference_date, levels=levels)


def match_file(
    path: str | Path, *, reference_date: date | None = None, levels: tuple[str, ...] | None = None
) -> MatchResult:
    """Match a resume file with the shipped taxonomy and profiles."""
    from matcher.pipeline import Matcher

    return Matcher.default().match_file(path, options=_options(reference_date, levels))


def match_bytes(
    data: bytes,
    *,
    filename: str | None = None,
    reference_date: date | None = None,
    levels: tuple[str, ...] | None = None,
) -> MatchResult:
    """Match a resume given as file bytes (type detected from the content)."""
    from matcher.pipeline import Matcher

    return Matcher.default().match_bytes(
        data, filename=filename, options=_options(reference_date, levels)
    )


def match_text(
    text: str, *, reference_date: date | None = None, levels: tuple[str, ...] | None = None
) -> MatchResult:
    """Match a resume given as plain text."""
    from matcher.pipeline import Matcher

    return Matcher.default().match_text(text, options=_options(reference_date, levels))
