"""Match many resumes, in order, one record per input, optionally in parallel processes.

A file that fails becomes an error record and never stops the batch. Worker processes return
small JSON-ready dicts (shipping spaCy objects between processes costs more than the work).
If a worker process dies (a hostile file can abort a native parser), the files it held are
retried alone in a fresh worker; a file that kills a worker twice gets a ``resource_limit``
error and the batch goes on.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from matcher.errors import MatcherError, ResourceLimitError

__all__ = ["BatchItem", "BatchSettings", "run_batch"]


@dataclass(frozen=True)
class BatchSettings:
    profile_paths: tuple[Path, ...] | None = None
    levels: tuple[str, ...] | None = None
    reference_date: date | None = None
    include_text: bool = False
    jobs: int = 1
    sandbox: bool = True
    """Parse each file in a resource-limited worker process (``matcher.sandbox``)."""

    def validate(self) -> None:
        """Fail fast (before any file is read) on a bad profile or level name."""
        if self.sandbox and self.jobs <= 1:
            from matcher.loaders import IngestLimits

            # The parser worker starts in the background while the matcher loads.
            _parser_for_process(IngestLimits())
        _matcher_for(self.profile_paths).select_profiles(self.options())

    def options(self) -> Any:
        from matcher.pipeline import MatchOptions

        return MatchOptions(
            reference_date=self.reference_date or date.today(),
            levels=self.levels,
            include_text=self.include_text,
        )


@dataclass(frozen=True)
class BatchItem:
    index: int
    source: str
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None

    def to_record(self) -> dict[str, Any]:
        if self.error is not None:
            return {"source": self.source, "ok": False, "error": self.error}
        return {"source": self.source, "ok": True, "result": self.result}


@functools.cache
def _matcher_for(profile_paths: tuple[Path, ...] | None) -> Any:
    from matcher.pipeline import Matcher

    if profile_paths is None:
        return Matcher.default()
    return Matcher.create(profile_paths=profile_paths)


Outcome = tuple[dict[str, Any] | None, dict[str, Any] | None]


def match_one(path: Path, settings: BatchSettings) -> Outcome:
    """Match one file; expected failures become an error record, never an exception."""
    try:
        matcher = _matcher_for(settings.profile_paths)
        parser = _parser_for_process(matcher.limits) if settings.sandbox else None
        result = matcher.match_file(path, options=settings.options(), parser=parser)
    except MatcherError as exc:
        return None, dict(exc.to_record())
    except MemoryError:
        error = ResourceLimitError("the document needed more memory than allowed while parsing")
        return None, dict(error.to_record())
    return result.model_dump(mode="json"), None


_parsers: dict[tuple[int, Any], Any] = {}


def _parser_for_process(limits: Any) -> Any:
    """One sandboxed parser worker per batch process, started on first use. Keyed by pid (a
    forked batch worker must not share its parent's pipes) and by the matcher's limits."""
    from matcher.sandbox import ParserPool

    key = (os.getpid(), limits)
    if key not in _parsers:
        _parsers.clear()
        _parsers[key] = ParserPool(workers=1, ingest_limits=limits)
    return _parsers[key]


def _worker_init(profile_paths: tuple[Path, ...] | None) -> None:
    _matcher_for(profile_paths)


def _item(index: int, path: Path, outcome: Outcome) -> BatchItem:
    result, error = outcome
    return BatchItem(index=index, source=str(path), result=result, error=error)


def run_batch(
    paths: Sequence[Path],
    settings: BatchSettings,
    *,
    on_done: Callable[[bool], None] | None = None,
) -> Iterator[BatchItem]:
    """Yield one BatchItem per path, in input order."""
    notify = on_done or (lambda ok: None)
    # The reference date is fixed once so every file in a batch is judged against the same day.
    settings = BatchSettings(
        profile_paths=settings.profile_paths,
        levels=settings.levels,
        reference_date=settings.reference_date or date.today(),
        include_text=settings.include_text,
        jobs=settings.jobs,
        sandbox=settings.sandbox,
    )
    if settings.jobs <= 1 or len(paths) <= 1:
        for index, path in enumerate(paths):
            item = _item(index, path, match_one(path, settings))
            notify(item.error is None)
            yield item
        return
    yield from _run_parallel(paths, settings, notify)


def _run_parallel(
    paths: Sequence[Path], settings: BatchSettings, notify: Callable[[bool], None]
) -> Iterator[BatchItem]:
    finished: dict[int, BatchItem] = {}
    next_to_yield = 0
    pending = list(enumerate(paths))
    suspects: list[tuple[int, Path]] = []
    window = settings.jobs * 4  # bounded in-flight work keeps memory flat on huge batches

    def new_pool(workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=workers, initializer=_worker_init, initargs=(settings.profile_paths,)
        )

    pool = new_pool(settings.jobs)
    in_flight: dict[Future[Any], tuple[int, Path]] = {}
    try:
        while pending or in_flight or suspects:
            while pending and len(in_flight) < window:
                index, path = pending.pop(0)
                in_flight[pool.submit(match_one, path, settings)] = (index, path)
            if not in_flight:
                index, path = suspects.pop(0)
                finished[index] = _run_isolated(index, path, settings)
                notify(finished[index].error is None)
            else:
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    index, path = in_flight.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        suspects.append((index, path))
                        broken = True
                        continue
                    finished[index] = _item(index, path, outcome)
                    notify(finished[index].error is None)
                if broken:
                    # Which in-flight file killed the worker is unknown: retry each one alone.
                    suspects.extend(in_flight.values())
                    in_flight.clear()
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = new_pool(settings.jobs)
            while next_to_yield in finished:
                yield finished.pop(next_to_yield)
                next_to_yield += 1
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _run_isolated(index: int, path: Path, settings: BatchSettings) -> BatchItem:
    with ProcessPoolExecutor(
        max_workers=1, initializer=_worker_init, initargs=(settings.profile_paths,)
    ) as pool:
        try:
            return _item(index, path, pool.submit(match_one, path, settings).result())
        except BrokenProcessPool:
            error = ResourceLimitError(
                "parsing this file crashed the parser process (a damaged or hostile file): "
                "re-export it as PDF or DOCX and try again"
            )
            return BatchItem(index=index, source=str(path), error=dict(error.to_record()))
