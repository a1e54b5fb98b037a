"""Where matching runs, behind one call: ``await executor.run(job)``.

Matching is CPU-bound (PDF text, tokenising, fuzzy matching), so it never runs on the event
loop. The default is a pool of worker processes that each load the matcher once; a thread
mode exists for development and tests. Swapping in another isolation scheme (for example a
sandboxed pool) means writing one more class with the same three methods.

Time limits: each job gets ``timeout`` seconds from the moment a worker takes it. Inside the
worker a SIGALRM interrupts Python code at the limit; if a native call hangs past a short
grace period, the pool is killed and replaced, and the other jobs that were running in it are
retried once in the new pool.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol

from api.worker import MatchJob, init_worker, run_job, timeout_message
from matcher.errors import ParseTimeoutError, ResourceLimitError

__all__ = ["MatchExecutor", "ProcessMatchExecutor", "ThreadMatchExecutor", "build_executor"]

logger = logging.getLogger("api.executor")

# Extra time the API process waits past the worker's own alarm before it kills the worker.
HARD_KILL_GRACE_SECONDS = 2.0


class MatchExecutor(Protocol):
    async def start(self) -> None: ...

    async def run(self, job: MatchJob) -> str: ...

    async def close(self) -> None: ...

    @property
    def ready(self) -> bool: ...


class ProcessMatchExecutor:
    """A process pool whose workers each hold a loaded matcher."""

    def __init__(self, *, workers: int, timeout: float, max_upload_bytes: int) -> None:
        self.workers = workers
        self.timeout = timeout
        self.max_upload_bytes = max_upload_bytes
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
            initializer=init_worker,
            initargs=(self.max_upload_bytes, True),
        )

    async def start(self) -> None:
        self._pool = self._new_pool()
        # Submitting one probe per worker starts every worker (and loads its matcher) now,
        # not on the first requests.
        probes = [asyncio.wrap_future(self._pool.submit(_probe)) for _ in range(self.workers)]
        await asyncio.gather(*probes)

    @property
    def ready(self) -> bool:
        return self._pool is not None

    async def run(self, job: MatchJob) -> str:
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
                        "the document made the parser crash; check that the file opens "
                        "normally and export it again"
                    ) from None

    async def _run_once(self, job: MatchJob) -> str:
        pool = self._current_pool()
        try:
            # submit() itself raises BrokenProcessPool once the pool has noticed a dead worker.
            future = asyncio.wrap_future(pool.submit(run_job, job, self.timeout))
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
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)


def _kill(pool: ProcessPoolExecutor) -> None:
    # ProcessPoolExecutor cannot cancel a running job; killing its processes is the only way
    # to stop a hung native parser. shutdown() then reaps them without waiting on the jobs.
    for process in list(pool._processes.values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def _probe() -> bool:
    return True


class ThreadMatchExecutor:
    """One background thread (PDF parsing is not thread-safe). For development and tests.

    A timed-out job cannot be stopped in a thread: the request gets its 422 on time, but the
    thread stays busy until the job ends. Use the process executor in production.
    """

    def __init__(self, *, timeout: float, max_upload_bytes: int) -> None:
        self.timeout = timeout
        self.max_upload_bytes = max_upload_bytes
        self._threads: Executor | None = None
        self._slots = asyncio.Semaphore(1)

    async def start(self) -> None:
        self._threads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="matcher")
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._threads, init_worker, self.max_upload_bytes)

    @property
    def ready(self) -> bool:
        return self._threads is not None

    async def run(self, job: MatchJob) -> str:
        if self._threads is None:
            raise RuntimeError("the match executor is not started")
        loop = asyncio.get_running_loop()
        async with self._slots:
            future = loop.run_in_executor(self._threads, run_job, job)
            try:
                return await asyncio.wait_for(asyncio.shield(future), self.timeout)
            except TimeoutError:
                raise ParseTimeoutError(timeout_message(self.timeout)) from None

    async def close(self) -> None:
        threads, self._threads = self._threads, None
        if threads is not None:
            await asyncio.to_thread(threads.shutdown, wait=True, cancel_futures=True)


def build_executor(
    kind: str, *, workers: int, timeout: float, max_upload_bytes: int
) -> MatchExecutor:
    if kind == "thread":
        return ThreadMatchExecutor(timeout=timeout, max_upload_bytes=max_upload_bytes)
    return ProcessMatchExecutor(workers=workers, timeout=timeout, max_upload_bytes=max_upload_bytes)
