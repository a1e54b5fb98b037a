"""The library facade: load data once, then match resumes.

    file bytes -> ExtractedDocument (loaders) -> positions (timeline) -> mentions (skills.extract)
    -> skill evidence + level fits (scoring) -> MatchResult

A ``Matcher`` is immutable after construction and safe to share between threads that only call
its ``match_*`` methods (PDF parsing itself is not thread-safe; see ``matcher.sandbox``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from matcher import __version__
from matcher.errors import DocumentError, DocumentTooLargeError, OptionError
from matcher.loaders import IngestLimits, document_from_text, load_document
from matcher.models import ExtractedDocument, MatchResult, MediaType, Versions
from matcher.profiles import Profile, load_profiles
from matcher.scoring import score_profiles, summarize_skills
from matcher.timeline import find_positions, summarize_experience
from skills.extract import SkillExtractor, get_extractor
from skills.taxonomy import Taxonomy, load_taxonomy

if TYPE_CHECKING:
    from matcher.sandbox import DocumentParser

__all__ = ["MatchOptions", "Matcher"]


@dataclass(frozen=True)
class MatchOptions:
    """Per-call choices. ``None`` means the default (today, all levels, shipped profiles)."""

    reference_date: date | None = None
    levels: tuple[str, ...] | None = None
    profiles: tuple[Profile, ...] | None = None
    include_text: bool = False


@dataclass(frozen=True)
class Matcher:
    """Holds the taxonomy, extractor and profiles; build once and reuse."""

    taxonomy: Taxonomy
    extractor: SkillExtractor
    profiles: tuple[Profile, ...]
    limits: IngestLimits = field(default_factory=IngestLimits)

    @classmethod
    def create(
        cls,
        *,
        taxonomy_dir: Path | None = None,
        profile_paths: Sequence[Path] | None = None,
        limits: IngestLimits | None = None,
    ) -> Matcher:
        taxonomy = load_taxonomy(taxonomy_dir)
        return cls(
            taxonomy=taxonomy,
            extractor=get_extractor(taxonomy),
            profiles=load_profiles(profile_paths, taxonomy=taxonomy),
            limits=limits or IngestLimits(),
        )

    @classmethod
    def default(cls) -> Matcher:
        """The process-wide matcher over the shipped taxonomy and profiles."""
        return _default_matcher()

    # ------------------------------------------------------------------ entry points

    def match_file(
        self,
        path: str | Path,
        *,
        options: MatchOptions | None = None,
        parser: DocumentParser | None = None,
    ) -> MatchResult:
        """Read a resume file (PDF, DOCX, TXT, MD, HTML) and match it."""
        source = Path(path)
        try:
            size = source.stat().st_size
        except OSError as exc:
            raise DocumentError(f"cannot read {source.name}: {exc.strerror}") from exc
        if size > self.limits.max_bytes:
            raise DocumentTooLargeError(_too_large_message(size, self.limits.max_bytes))
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise DocumentError(f"cannot read {source.name}: {exc.strerror}") from exc
        return self.match_bytes(data, filename=source.name, options=options, parser=parser)

    def match_bytes(
        self,
        data: bytes,
        *,
        filename: str | None = None,
        options: MatchOptions | None = None,
        parser: DocumentParser | None = None,
    ) -> MatchResult:
        """Match a resume given as the bytes of a file; the type is read from the bytes.

        ``parser`` (e.g. a ``matcher.sandbox.ParserPool``) reads the file instead of this
        process, under its own limits; matching still runs here.
        """
        if parser is None:
            document = load_document(data, filename=filename, limits=self.limits)
        else:
            document = parser.parse(data, filename=filename)
        return self.match_document(document, options=options)

    def match_text(
        self,
        text: str,
        *,
        media_type: MediaType = MediaType.TXT,
        options: MatchOptions | None = None,
    ) -> MatchResult:
        """Match a resume given as text (plain or Markdown)."""
        document = document_from_text(text, media_type=media_type, limits=self.limits)
        return self.match_document(document, options=options)

    def match_document(
        self, document: ExtractedDocument, *, options: MatchOptions | None = None
    ) -> MatchResult:
        """Run every step after ingestion on an already extracted document."""
        options = options or MatchOptions()
        reference = options.reference_date or date.today()
        profiles = self.select_profiles(options)
        positions = find_positions(document, reference_date=reference)
        experience = summarize_experience(positions)
        mentions = self.extractor.extract(document, positions)
        skills = summarize_skills(
            mentions, positions, taxonomy=self.taxonomy, reference_date=reference
        )
        fits, best_fit = score_profiles(
            profiles,
            document=document,
            positions=positions,
            experience=experience,
            mentions=mentions,
            skills=skills,
            taxonomy=self.taxonomy,
            reference_date=reference,
        )
        return MatchResult(
            versions=Versions(
                matcher=__version__,
                taxonomy=self.taxonomy.version,
                profiles={p.id: p.version for p in profiles},
            ),
            reference_date=reference,
            document=document.info,
            sections=document.sections,
            positions=positions,
            experience=experience,
            mentions=mentions,
            skills=skills,
            fits=fits,
            best_fit=best_fit,
            text=document.text if options.include_text else None,
        )

    def select_profiles(self, options: MatchOptions) -> tuple[Profile, ...]:
        """Custom profiles replace the shipped ones; ``levels`` filters either set."""
        profiles = options.profiles if options.profiles is not None else self.profiles
        if options.levels is None:
            return profiles
        known = {p.level for p in profiles} | {p.id for p in profiles}
        unknown = [level for level in options.levels if level not in known]
        if unknown:
            raise OptionError(
                f"unknown level(s) {', '.join(unknown)}: choose from {', '.join(sorted(known))}"
            )
        wanted = set(options.levels)
        return tuple(p for p in profiles if p.level in wanted or p.id in wanted)


def _too_large_message(size: int, limit: int) -> str:
    return (
        f"the file is {size / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.0f} MB: "
        "send a shorter resume (1-3 pages is typical)"
    )


@functools.cache
def _default_matcher() -> Matcher:
    return Matcher.create()
