"""What runs inside a matching worker: one job in, the result's JSON out.

Only worker processes (and the thread executor) import this module: it pulls in the matcher,
spaCy included. The result travels back as the JSON text of ``MatchResult`` (exactly what the
API returns), which is far cheaper to pickle than the model.
"""

from __future__ import annotations

import dataclasses
import signal
import threading
from collections.abc import Mapping
from types import FrameType
from typing import Any

import yaml

from api.jobs import MatchJob, timeout_message
from matcher.errors import ParseTimeoutError, ProfileError, ResourceLimitError
from matcher.pipeline import Matcher, MatchOptions
from matcher.profiles import Profile, load_profile

__all__ = ["configured_matcher", "init_worker", "parse_profile_document", "run_job"]


_matcher: Matcher | None = None
_load_lock = threading.Lock()


def init_worker(max_upload_bytes: int, in_child_process: bool = False) -> None:
    """Load the matcher once per worker (a pool initializer)."""
    global _matcher
    if in_child_process:
        # Ctrl-C reaches the whole process group; the API process handles shutdown.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _matcher = configured_matcher(max_upload_bytes)


def configured_matcher(max_upload_bytes: int) -> Matcher:
    """The shared default matcher with the service's upload cap as its byte limit."""
    with _load_lock:  # two threads of one process may ask at once: load only once
        base = Matcher.default()
    return dataclasses.replace(
        base, limits=dataclasses.replace(base.limits, max_bytes=max_upload_bytes)
    )


def run_job(job: MatchJob, timeout: float | None = None) -> str:
    """Match one resume; returns ``MatchResult`` as JSON text. Raises ``MatcherError``.

    ``timeout`` arms an alarm in the calling thread when it is the main thread (a worker
    process); elsewhere the caller has to enforce its own deadline.
    """
    matcher = _matcher or Matcher.default()
    try:
        with _time_limit(timeout):
            options = MatchOptions(
                reference_date=job.reference_date,
                levels=job.levels,
                profiles=_custom_profiles(job.profile, matcher),
                include_text=job.include_text,
            )
            if job.document is not None:
                result = matcher.match_document(job.document, options=options)
            elif job.data is not None:
                result = matcher.match_bytes(job.data, filename=job.filename, options=options)
            else:
                result = matcher.match_text(job.text or "", options=options)
            return result.model_dump_json()
    except MemoryError:
        raise ResourceLimitError(
            "the document needed more memory than allowed while parsing"
        ) from None


def _custom_profiles(
    profile: str | Mapping[str, Any] | None, matcher: Matcher
) -> tuple[Profile, ...] | None:
    if profile is None:
        return None
    mapping = parse_profile_document(profile) if isinstance(profile, str) else profile
    return (load_profile(mapping, taxonomy=matcher.taxonomy),)


class _NoAliasLoader(yaml.SafeLoader):
    """YAML without anchors and aliases: a profile has no use for them, and nested aliases
    make a few hundred bytes expand into billions of nodes once validated."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in a profile", event.start_mark
            )
        return super().compose_node(parent, index)


def parse_profile_document(document: str) -> Mapping[str, Any]:
    """A profile sent as JSON or YAML text (JSON is YAML) -> mapping, or ``ProfileError``."""
    try:
        parsed = yaml.load(document, Loader=_NoAliasLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}, column {where.column + 1}" if where else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ProfileError(f"the profile is not valid JSON or YAML{at}: {problem}") from None
    if not isinstance(parsed, Mapping):
        raise ProfileError("the profile must be a JSON object / YAML mapping of profile fields")
    return parsed


class _time_limit:
    """Raise ``ParseTimeoutError`` after ``seconds`` via SIGALRM (main thread only).

    Only pure-Python work is interrupted; a native call that never returns is caught by the
    API process, which kills the worker after a grace period.
    """

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.armed = False

    def __enter__(self) -> None:
        if self.seconds is None or threading.current_thread() is not threading.main_thread():
            return
        signal.signal(signal.SIGALRM, self._expire)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        self.armed = True

    def __exit__(self, *exc: object) -> None:
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def _expire(self, signum: int, frame: FrameType | None) -> None:
        raise ParseTimeoutError(timeout_message(self.seconds or 0.0))
