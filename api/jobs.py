"""A unit of matching work, and the two functions the worker pool is handed.

This module stays light (no spaCy, no PDF libraries) because the API process imports it: the
API process only routes work, and the heavy modules live in the workers. The pool functions
below import ``api.worker`` when they run, which happens inside a worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from matcher.models import ExtractedDocument

__all__ = ["MatchJob", "init_in_worker", "run_in_worker", "timeout_message"]


@dataclass(frozen=True)
class MatchJob:
    """One resume to match: file bytes, a parsed document or text, plus the options."""

    data: bytes | None = None
    text: str | None = None
    filename: str | None = None
    levels: tuple[str, ...] | None = None
    reference_date: date | None = None
    include_text: bool = False
    profile: str | Mapping[str, Any] | None = None
    """A custom requirement profile: a JSON/YAML document, or an already parsed mapping."""
    document: ExtractedDocument | None = None
    """The file already parsed (in the sandbox); takes the place of ``data``."""


def init_in_worker(max_upload_bytes: int, in_child_process: bool = False) -> None:
    """Pool initializer: load the matcher once per worker."""
    from api.worker import init_worker

    init_worker(max_upload_bytes, in_child_process)


def run_in_worker(job: MatchJob, timeout: float | None = None) -> str:
    """Match one job in a worker; returns the ``MatchResult`` JSON text."""
    from api.worker import run_job

    return run_job(job, timeout)


def timeout_message(seconds: float) -> str:
    return (
        f"parsing and matching took longer than {seconds:g} s; the file may be damaged or "
        "unusually complex: try a simpler export (e.g. 'Save as PDF' from a word processor)"
    )
