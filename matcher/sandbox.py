"""Parse untrusted documents in resource-limited worker processes.

A hostile file can make a native parser allocate gigabytes (a 3 KB PDF whose content stream is
Flate inside Flate inflates to 1 GiB), run for many seconds, or abort the whole process. So
parsing (bytes -> ``ExtractedDocument``) runs in small worker processes that import only
``matcher.loaders`` and live under hard limits:

    RLIMIT_AS      address space (default 512 MiB; a worker needs about 80 MiB after imports)
    RLIMIT_CPU     CPU seconds per document (raised before each document; SIGXCPU ends it)
    RLIMIT_FSIZE   0: a parser has no reason to write a file
    RLIMIT_NOFILE  a handful of descriptors: parsing works on bytes in memory
    RLIMIT_CORE    0: an aborting parser leaves no core file behind
    wall clock     the parent waits ``wall_seconds``, then kills the worker

A worker that crashes, aborts, runs out of memory or time fails only the document it held, with
``ResourceLimitError`` or ``ParseTimeoutError``; it is replaced and the next document parses as
usual. Workers are reused (no process start per document) and recycled after
``documents_per_worker`` documents, so slow leaks in native code cannot add up.

Results come back as JSON and are validated into ``ExtractedDocument`` by the parent: nothing the
worker sends is ever unpickled, so even a parser compromised by a crafted file cannot hand the
parent an object to execute. Matching itself (spaCy, scoring) stays in the caller.

Workers are plain ``python -c`` processes started with ``subprocess`` and connected through a
``multiprocessing`` socket pair. Unlike multiprocessing's spawn/forkserver start methods this
never re-imports the caller's ``__main__`` (which for the API or the CLI would pull spaCy into
every worker), and starting one is thread-safe and cheap (about 0.2 s, in the background).

    with ParserPool(workers=2) as pool:
        document = pool.parse(data, filename="resume.pdf")
"""

from __future__ import annotations

import importlib
import json
import logging
import math
import os
import pickle
import queue
import resource
import signal
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, Pipe
from types import TracebackType
from typing import Protocol, cast

from pydantic import ValidationError

from matcher.errors import (
    DocumentTooLargeError,
    MalformedDocumentError,
    MatcherError,
    ParseTimeoutError,
    ResourceLimitError,
    error_classes,
)
from matcher.loaders import IngestLimits
from matcher.models import ExtractedDocument

__all__ = [
    "DocumentParser",
    "InProcessParser",
    "ParserPool",
    "PoolStats",
    "SandboxError",
    "SandboxLimits",
]

logger = logging.getLogger("matcher.sandbox")

MIB = 1024 * 1024
DEFAULT_LOADER = "matcher.loaders:load_document"


@dataclass(frozen=True)
class SandboxLimits:
    """Hard limits for one parsing worker; the defaults fit 1-30 page resumes with room."""

    memory_bytes: int = 512 * MIB
    """RLIMIT_AS of a worker: its whole address space, interpreter and libraries included."""
    cpu_seconds: int = 10
    """CPU time one document may use; the kernel ends the worker with SIGXCPU past it."""
    wall_seconds: float = 15.0
    """How long the caller waits for one document before it kills the worker."""
    open_files: int = 32
    documents_per_worker: int = 200
    """A worker is replaced after this many documents, even when all went well."""
    start_seconds: float = 30.0
    """How long a new worker may take to import its libraries and report ready."""

    def __post_init__(self) -> None:
        if self.memory_bytes < 128 * MIB:
            raise ValueError("memory_bytes below 128 MiB leaves no room for the interpreter")
        if self.cpu_seconds < 1 or self.wall_seconds <= 0 or self.documents_per_worker < 1:
            raise ValueError("cpu_seconds, wall_seconds and documents_per_worker must be positive")


@dataclass(frozen=True)
class PoolStats:
    """Counters for monitoring; never anything about document content."""

    parsed: int = 0
    failed: int = 0
    crashed: int = 0
    timed_out: int = 0
    started: int = 0
    recycled: int = 0


class SandboxError(RuntimeError):
    """The sandbox itself does not work (a worker cannot start): a server fault, not the file's."""


class DocumentParser(Protocol):
    """Anything that turns file bytes into an ``ExtractedDocument`` (e.g. a ``ParserPool``)."""

    def parse(self, data: bytes, *, filename: str | None = None) -> ExtractedDocument: ...


@dataclass(frozen=True)
class InProcessParser:
    """Parse in the calling process: no isolation, for trusted input and tests."""

    ingest_limits: IngestLimits = field(default_factory=IngestLimits)

    def parse(self, data: bytes, *, filename: str | None = None) -> ExtractedDocument:
        from matcher.loaders import load_document

        return load_document(data, filename=filename, limits=self.ingest_limits)


# ----------------------------------------------------------------------------- the pool


class ParserPool:
    """A fixed number of reusable, resource-limited parsing processes. ``parse`` is thread-safe.

    Callers beyond ``workers`` wait for a free worker (that is the back-pressure). ``loader``
    names the function a worker calls as ``module:function`` with the signature of
    ``matcher.loaders.load_document``; tests use it to run parsers that crash or hang on purpose.
    """

    def __init__(
        self,
        *,
        workers: int = 2,
        limits: SandboxLimits = SandboxLimits(),
        ingest_limits: IngestLimits = IngestLimits(),  # noqa: B008 - frozen, immutable
        loader: str = DEFAULT_LOADER,
    ) -> None:
        if workers < 1:
            raise ValueError("a parser pool needs at least one worker")
        self.workers = workers
        self.limits = limits
        self.ingest_limits = ingest_limits
        self.loader = loader
        self._config = pickle.dumps((limits, ingest_limits, loader))
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._counts: dict[str, int] = dict.fromkeys(PoolStats.__dataclass_fields__, 0)
        self._closed = False
        # Workers also stop when the pool is garbage-collected or the interpreter exits.
        self._finalizer = weakref.finalize(self, _stop_idle, self._idle)
        for _ in range(workers):
            self._idle.put(self._start_worker())

    # ------------------------------------------------------------------ public API

    def parse(self, data: bytes, *, filename: str | None = None) -> ExtractedDocument:
        """Parse one file in a worker; raises the same ``MatcherError``s as ``load_document``."""
        if len(data) > self.ingest_limits.max_bytes:
            # Refused here, before the bytes are copied to a worker; same check as the loader.
            raise DocumentTooLargeError(
                f"the file is {len(data) / MIB:.1f} MB and the limit is "
                f"{self.ingest_limits.max_bytes / MIB:.1f} MB: upload a shorter resume, "
                "or export it again without embedded images"
            )
        for attempt in range(2):
            worker = self._acquire()
            keep = False
            try:
                outcome = worker.run(data, filename, self.limits)
                keep = outcome.worker_usable
            except _WorkerLost:
                # The worker died before it got the document (killed while idle): not this
                # file's fault, so it gets one fresh worker.
                if attempt == 0:
                    continue
                raise SandboxError("parser workers keep dying before they receive work") from None
            finally:
                self._release(worker, keep=keep)
            self._count_outcome(outcome)
            if outcome.error is not None:
                raise outcome.error
            assert outcome.document is not None
            return outcome.document
        raise AssertionError("unreachable")  # pragma: no cover

    def stats(self) -> PoolStats:
        with self._lock:
            return PoolStats(**self._counts)

    def close(self) -> None:
        """Stop the idle workers now; busy ones stop when their current document is done."""
        self._closed = True
        self._finalizer()

    def __enter__(self) -> ParserPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ internals

    def _start_worker(self) -> _Worker:
        worker = _Worker.start(self._config)
        with self._lock:
            self._counts["started"] += 1
        return worker

    def _acquire(self) -> _Worker:
        while True:
            if self._closed:
                raise SandboxError("the parser pool is closed")
            try:
                worker = self._idle.get(timeout=_IDLE_POLL_SECONDS)
            except queue.Empty:
                continue
            if self._closed:
                worker.stop()
                continue
            if worker.exited():  # died while idle (killed from outside): replace it quietly
                worker.stop()
                return self._start_worker()
            return worker

    def _release(self, worker: _Worker, *, keep: bool) -> None:
        worn_out = worker.documents >= self.limits.documents_per_worker
        if keep and not worn_out and not self._closed:
            self._idle.put(worker)
            return
        worker.stop()
        if self._closed:
            return
        if keep and worn_out:
            with self._lock:
                self._counts["recycled"] += 1
        self._idle.put(self._start_worker())

    def _count_outcome(self, outcome: _Outcome) -> None:
        with self._lock:
            if outcome.error is None:
                self._counts["parsed"] += 1
            else:
                self._counts["failed"] += 1
            if outcome.crashed:
                self._counts["crashed"] += 1
            if isinstance(outcome.error, ParseTimeoutError):
                self._counts["timed_out"] += 1


def _stop_idle(idle: queue.SimpleQueue[_Worker]) -> None:
    while True:
        try:
            worker = idle.get_nowait()
        except queue.Empty:
            return
        worker.stop()


_IDLE_POLL_SECONDS = 0.5  # how often a caller waiting for a worker checks for close()


# ----------------------------------------------------------------------------- one worker


class _WorkerLost(Exception):
    """The worker was gone before the document reached it."""


@dataclass
class _Outcome:
    document: ExtractedDocument | None = None
    error: MatcherError | None = None
    worker_usable: bool = True
    crashed: bool = False


_ERRORS_BY_CODE: dict[str, type[MatcherError]] = {cls.code: cls for cls in error_classes()}
_BOOTSTRAP = (
    "import sys; sys.path[:] = __import__('json').loads(sys.argv[2]);"
    " from matcher.sandbox import serve; serve(int(sys.argv[1]))"
)


class _Worker:
    """The parent's handle on one worker process."""

    def __init__(self, process: subprocess.Popen[bytes], connection: Connection) -> None:
        self.process = process
        self.connection = connection
        self.documents = 0
        self.ready = False

    @classmethod
    def start(cls, config: bytes) -> _Worker:
        ours, theirs = Pipe(duplex=True)
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", _BOOTSTRAP, str(theirs.fileno()), json.dumps(_sys_path())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                env=_worker_environment(),
            )
        except OSError as error:
            ours.close()
            raise SandboxError(f"cannot start a parser worker: {error.strerror}") from error
        finally:
            theirs.close()
        ours.send_bytes(config)  # buffered by the socket until the worker reads it
        return cls(process, ours)

    def exited(self) -> bool:
        return self.process.poll() is not None

    def run(self, data: bytes, filename: str | None, limits: SandboxLimits) -> _Outcome:
        """Hand one document to the worker and wait for the answer, within the limits."""
        if not self.ready:
            self._wait_ready(limits.start_seconds)
        try:
            self.connection.send_bytes(json.dumps({"filename": filename}).encode())
            self.connection.send_bytes(data)
        except OSError:
            raise _WorkerLost from None
        self.documents += 1
        try:
            if not self.connection.poll(limits.wall_seconds):
                self.kill()
                return _Outcome(error=_timeout_error(limits), worker_usable=False)
            reply = self.connection.recv_bytes()
        except (EOFError, OSError):
            return _Outcome(error=self._crash_error(limits), worker_usable=False, crashed=True)
        except BaseException:
            # Interrupted while waiting (e.g. a SIGALRM deadline in the caller): the worker is
            # still busy with this document, so it cannot be reused.
            self.kill()
            raise
        return _decode_reply(reply)

    def _wait_ready(self, timeout: float) -> None:
        try:
            if self.connection.poll(timeout):
                message = json.loads(self.connection.recv_bytes())
                if message.get("ready"):
                    self.ready = True
                    return
        except (EOFError, OSError, ValueError):
            pass
        self.kill()
        raise SandboxError(
            "a parser worker did not start (see its error output above); check that the "
            "matcher package and its PDF/DOCX libraries import cleanly"
        )

    def _crash_error(self, limits: SandboxLimits) -> MatcherError:
        code = self._reap()
        if code == -signal.SIGXCPU:
            return _timeout_error(limits)
        cause = _describe_exit(code)
        logger.warning(
            "parser worker %d died (%s) while parsing a document", self.process.pid, cause
        )
        return ResourceLimitError(
            f"parsing this file crashed the parser ({cause}), which a damaged or hostile file "
            "does: open it and export it again as PDF or DOCX, then retry"
        )

    def _reap(self) -> int | None:
        try:
            return self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            return self.process.returncode

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not ignorable
            logger.error("parser worker %d survived SIGKILL", self.process.pid)
        self.connection.close()

    def stop(self) -> None:
        """Ask politely (end of input), then insist."""
        try:
            self.connection.close()
        except OSError:  # pragma: no cover - already closed
            pass
        try:
            self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def _timeout_error(limits: SandboxLimits) -> ParseTimeoutError:
    return ParseTimeoutError(
        f"reading this file took longer than allowed ({limits.wall_seconds:g} s wall, "
        f"{limits.cpu_seconds} s CPU); it may be damaged or unusually complex: export it again "
        "as a simple PDF or DOCX and retry"
    )


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hints = {"SIGABRT": "out of memory", "SIGKILL": "killed", "SIGSEGV": "invalid memory"}
        return f"{name}, {hints[name]}" if name in hints else name
    return f"exit status {code}"


def _decode_reply(reply: bytes) -> _Outcome:
    """Validate what a worker sent: a document as JSON, or an error code and message."""
    kind, payload = reply[:1], reply[1:]
    try:
        if kind == b"D":
            return _Outcome(document=ExtractedDocument.model_validate_json(payload))
        if kind == b"E":
            message = json.loads(payload)
            error_class = _ERRORS_BY_CODE.get(str(message["code"]), MalformedDocumentError)
            return _Outcome(
                error=error_class(str(message["message"])),
                worker_usable=not message.get("recycle", False),
            )
    except (ValidationError, ValueError, KeyError, TypeError):
        pass
    logger.error("parser worker sent an unreadable reply (%d bytes); replacing it", len(reply))
    return _Outcome(
        error=MalformedDocumentError("the file could not be read: export it again and retry"),
        worker_usable=False,
    )


def _sys_path() -> list[str]:
    return [entry for entry in sys.path if entry]


def _worker_environment() -> dict[str, str]:
    env = dict(os.environ)
    # One thread per worker: PDFium is not thread-safe, and a thread-pool in a native library
    # would multiply the address space that RLIMIT_AS has to cover.
    env.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"})
    env.pop("PYTHONSTARTUP", None)
    return env


# ----------------------------------------------------------------------------- worker side


def serve(fd: int) -> None:
    """The worker's main loop: read a document, parse it, answer; exit at end of input."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which stops us
    connection = Connection(fd)
    limits, ingest_limits, loader_name = pickle.loads(connection.recv_bytes())  # from our parent
    loader = _import_loader(loader_name)
    _warm_up()
    _apply_limits(limits)
    connection.send_bytes(json.dumps({"ready": True, "pid": os.getpid()}).encode())
    while True:
        try:
            header = json.loads(connection.recv_bytes())
            data = connection.recv_bytes()
        except (EOFError, OSError):
            return
        _allow_cpu_seconds(limits.cpu_seconds)
        reply = _parse_to_reply(loader, data, header.get("filename"), ingest_limits)
        del data
        connection.send_bytes(reply)
        if reply.startswith(b"E") and b'"recycle": true' in reply:
            return


def _import_loader(name: str) -> Callable[..., ExtractedDocument]:
    module_name, _, attribute = name.partition(":")
    module = importlib.import_module(module_name)
    return cast(Callable[..., ExtractedDocument], getattr(module, attribute))


def _warm_up() -> None:
    """Import the parsers now (the loader imports them lazily) so the first document is fast
    and the address-space limit applies to a process that already holds them."""
    for module in _PARSER_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:  # pragma: no cover - the loader reports a missing parser itself
            pass


_PARSER_MODULES = ("pypdfium2", "docx", "lxml.etree")


def _apply_limits(limits: SandboxLimits) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    _lower(resource.RLIMIT_NOFILE, limits.open_files)
    _lower(resource.RLIMIT_AS, limits.memory_bytes)


def _lower(which: int, value: int) -> None:
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, hard if hard != resource.RLIM_INFINITY else value))


def _allow_cpu_seconds(seconds: int) -> None:
    """RLIMIT_CPU counts the process's whole life, so each document gets 'used so far + N'."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime) + seconds
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _parse_to_reply(
    loader: Callable[..., ExtractedDocument],
    data: bytes,
    filename: str | None,
    ingest_limits: IngestLimits,
) -> bytes:
    try:
        document = loader(data, filename=filename, limits=ingest_limits)
        return b"D" + document.model_dump_json().encode()
    except MatcherError as error:
        return _error_reply(error.code, error.message)
    except MemoryError:
        # The heap may be fragmented or a native library half-way through: start afresh.
        return _error_reply(
            ResourceLimitError.code,
            "reading this file needed more memory than allowed; it may be damaged or hostile: "
            "export it again as PDF or DOCX and retry",
            recycle=True,
        )
    except RecursionError:
        return _error_reply(
            ResourceLimitError.code,
            "the file is nested too deeply to read safely: export it again as PDF and retry",
            recycle=True,
        )
    except Exception as error:  # noqa: BLE001 - a parser bug on odd input is still a bad file
        # Only the exception type is logged: its message may quote document content.
        logger.error("parser raised %s; reported as a malformed document", type(error).__name__)
        return _error_reply(
            MalformedDocumentError.code,
            "the file could not be read (it looks damaged): export it again and retry",
            recycle=True,
        )


def _error_reply(code: str, message: str, *, recycle: bool = False) -> bytes:
    return b"E" + json.dumps({"code": code, "message": message, "recycle": recycle}).encode()
