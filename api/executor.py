"""Where matching runs, behind one call: ``await executor.run(job)``.

Two stages, both off the event loop:

1. parsing: uploaded file bytes become an ``ExtractedDocument`` in ``matcher.sandbox``'s
   resource-limited parser processes (memory, CPU and wall-clock caps; a crashing or hanging
   parser costs only that document). Text sent as JSON needs no parser.
2. matching: the document is matched in a pool of worker processes that each hold a loaded
   matcher (spaCy, taxonomy, profiles). A thread mode exists for development and tests.

Time limits: each stage gets ``timeout`` seconds. The sandbox enforces its own. For matching,
the clock starts when a worker takes the job; inside the worker a SIGALRM interrupts Python code
at the limit, and if a native call hangs past a short grace period the pool is killed and
replaced (the other jobs that were running in it are retried once in the new pool).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol

from api.jobs import MatchJob, init_in_worker, run_in_worker, timeout_message
from api.settings import Settings
from matcher.errors import ParseTimeoutError, ResourceLimitError
from matcher.loaders import IngestLimits
from matcher.sandbox import DocumentParser, ParserPool, SandboxLimits

__all__ = [
    "MatchExecutor",
    "ProcessMatchExecutor",
    "SandboxedParsing",
    "ThreadMatchExecutor",
    "build_executor",
]

logger = logging.getLogger("api.executor")

# Extra time the API process waits past the worker's own alarm before it kills the worker.
HARD_KILL_GRACE_SECONDS = 2.0

ParserFactory = Callable[[], DocumentParser]


class MatchExecutor(Protocol):
    async def start(self) -> None: ...

    async def run(self, job: MatchJob) -> str: ...

    async def close(self) -> None: ...

    @property
    def ready(self) -> bool: ...


class SandboxedParsing:
    """Stage 1: turn a job's file bytes into a document with a ``DocumentParser``."""

    def __init__(self, factory: ParserFactory | None, workers: int) -> None:
        self.factory = factory
        self.parser: DocumentParser | None = None
        # The parser blocks a thread per document; bound the threads to the parser's workers.
        self._slots = asyncio.Semaphore(workers)

    async def start(self) -> None:
        if self.factory is not None:
            self.parser = await asyncio.to_thread(self.factory)

    async def parse(self, job: MatchJob) -> MatchJob:
        if self.parser is None or job.data is None:
            return job
        async with self._slots:
            document = await asyncio.to_thread(self.parser.parse, job.data, filename=job.filename)
        return dataclasses.replace(job, data=None, document=document)

    def close(self) -> None:
        parser, self.parser = self.parser, None
        close = getattr(parser, "close", None)
        if callable(close):
            close()


class ProcessMatchExecutor:
    """A process pool whose workers each hold a loaded matcher."""

    def __init__(
        self,
        *,
        workers: int,
        timeout: float,
        max_upload_bytes: int,
        parser_factory: ParserFactory | None = None,
    ) -> None:
        self.workers = workers
        self.timeout = timeout
        self.max_upload_bytes = max_upload_bytes
        self.parsing = SandboxedParsing(parser_factory, workers)
        # forkserver: workers fork from a clean single-threaded server that has already
        # loaded the matcher, so they start fast without inheriting the API's threads.
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["api.worker", "api.worker_preload"])
        self._pool: ProcessPoolExecutor | None = None
        # Holding a slot while a job runs means a job starts as soon as it is submitted,
        # so its deadline measures its own run time, not time spent queuing behind others.
        self._slots = asyncio.Semaphore(workers)
        self.recycled = 0

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=self._context,
            initializer=init_in_worker,
            initargs=(self.max_upload_bytes, True),
        )

    async def start(self) -> None:
        self._pool = self._new_pool()
        # One probe per worker starts every worker now, not on the first requests.
        probes = [asyncio.wrap_future(self._pool.submit(_probe)) for _ in range(self.workers)]
        await asyncio.gather(self.parsing.start(), *probes)

    @property
    def ready(self) -> bool:
        return self._pool is not None

    async def run(self, job: MatchJob) -> str:
        job = await self.parsing.parse(job)
        async with self._slots:
            try:
                return await self._run_once(job)
            except BrokenProcessPool:
                # Another job's worker was killed (timeout) or crashed and took the pool
                # with it; this job did nothing wrong, so it gets one more try.
                try:
                    return await self._run_once(job)
                except BrokenProcessPool:
                    raise ResourceLimitError(
                        "matching this document made the worker crash; check that the file "
                        "opens normally and export it again"
                    ) from None

    async def _run_once(self, job: MatchJob) -> str:
        pool = self._current_pool()
        try:
            # submit() itself raises BrokenProcessPool once the pool has noticed a dead worker.
            future = asyncio.wrap_future(pool.submit(run_in_worker, job, self.timeout))
            return await asyncio.wait_for(future, self.timeout + HARD_KILL_GRACE_SECONDS)
        except TimeoutError:
            logger.warning("match worker exceeded %.1f s; replacing the pool", self.timeout)
            self._replace_pool(pool)
            raise ParseTimeoutError(timeout_message(self.timeout)) from None
        except BrokenProcessPool:
            self._replace_pool(pool)
            raise

    def _current_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            raise RuntimeError("the match executor is not started")
        return self._pool

    def _replace_pool(self, broken: ProcessPoolExecutor) -> None:
        if self._pool is not broken:
            return  # a concurrent failure already replaced it
        self._pool = self._new_pool()
        self.recycled += 1
        _kill(broken)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        self.parsing.close()
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)


def _kill(pool: ProcessPoolExecutor) -> None:
    # ProcessPoolExecutor cannot cancel a running job; killing its processes is the only way
    # to stop a hung native call. shutdown() then reaps them without waiting on the jobs.
    for process in list(pool._processes.values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def _probe() -> bool:
    return True


class ThreadMatchExecutor:
    """Matching in one background thread (spaCy work is not shared between threads here).

    A timed-out match cannot be stopped in a thread: the request gets its 422 on time, but the
    thread stays busy until the job ends. Use the process executor in production.
    """

    def __init__(
        self, *, timeout: float, max_upload_bytes: int, parser_factory: ParserFactory | None = None
    ) -> None:
        self.timeout = timeout
        self.max_upload_bytes = max_upload_bytes
        self.parsing = SandboxedParsing(parser_factory, 1)
        self._threads: Executor | None = None
        self._slots = asyncio.Semaphore(1)

    async def start(self) -> None:
        self._threads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="matcher")
        loop = asyncio.get_running_loop()
        await asyncio.gather(
            self.parsing.start(),
            loop.run_in_executor(self._threads, init_in_worker, self.max_upload_bytes),
        )

    @property
    def ready(self) -> bool:
        return self._threads is not None

    async def run(self, job: MatchJob) -> str:
        if self._threads is None:
            raise RuntimeError("the match executor is not started")
        job = await self.parsing.parse(job)
        loop = asyncio.get_running_loop()
        async with self._slots:
            future = loop.run_in_executor(self._threads, run_in_worker, job)
            try:
                return await asyncio.wait_for(asyncio.shield(future), self.timeout)
            except TimeoutError:
                raise ParseTimeoutError(timeout_message(self.timeout)) from None

    async def close(self) -> None:
        threads, self._threads = self._threads, None
        self.parsing.close()
        if threads is not None:
            await asyncio.to_thread(threads.shutdown, wait=True, cancel_futures=True)


def sandbox_factory(settings: Settings) -> ParserFactory:
    """Parser processes with the service's limits: one per matching worker."""
    limits = SandboxLimits(
        memory_bytes=settings.parser_memory_bytes,
        cpu_seconds=max(1, math.ceil(settings.parse_timeout)),
        wall_seconds=settings.parse_timeout,
    )
    ingest = dataclasses.replace(IngestLimits(), max_bytes=settings.max_upload_bytes)
    workers = settings.effective_pool_size if settings.executor == "process" else 1

    def factory() -> DocumentParser:
        return ParserPool(workers=workers, limits=limits, ingest_limits=ingest)

    return factory


def build_executor(settings: Settings) -> MatchExecutor:
    factory = sandbox_factory(settings) if settings.sandbox else None
    if settings.executor == "thread":
        return ThreadMatchExecutor(
            timeout=settings.parse_timeout,
            max_upload_bytes=settings.max_upload_bytes,
            parser_factory=factory,
        )
    return ProcessMatchExecutor(
        workers=settings.effective_pool_size,
        timeout=settings.parse_timeout,
        max_upload_bytes=settings.max_upload_bytes,
        parser_factory=factory,
    )
