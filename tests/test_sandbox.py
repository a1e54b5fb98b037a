"""The parsing sandbox: limits hold, a failing worker costs one document, the pool recovers.

Misbehaviour is injected with the loaders of ``hostile`` (abort, hang, spin, hog memory, write
files, ...), so every reaction of the pool is tested without depending on a particular exploit
of a particular PDF library version; ``test_hostile.py`` runs the real hostile files.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import hostile
import pytest

from matcher.errors import (
    DocumentTooLargeError,
    MalformedDocumentError,
    ParseTimeoutError,
    ResourceLimitError,
)
from matcher.loaders import IngestLimits, load_document
from matcher.sandbox import (
    InProcessParser,
    ParserPool,
    SandboxError,
    SandboxLimits,
    _decode_reply,
)

MISBEHAVING = "hostile:well_behaved_loader"
GOOD_TEXT = b"Alex Example\nMachine learning engineer\nSkills: Python, PyTorch, SQL\n"


@pytest.fixture(scope="module")
def pool():
    with ParserPool(workers=2, limits=SandboxLimits(wall_seconds=5, cpu_seconds=3)) as shared:
        yield shared


@pytest.fixture(scope="module")
def test_pool():
    """A one-worker pool running the misbehaving loader, with short limits (shared: tests look
    at changes of its counters, not their values)."""
    limits = SandboxLimits(wall_seconds=1.5, cpu_seconds=1, memory_bytes=256 * 1024 * 1024)
    with ParserPool(workers=1, limits=limits, loader=MISBEHAVING) as fresh:
        yield fresh


def worker_pids(pool: ParserPool) -> set[int]:
    """Pids of the idle workers (peeks at the queue, puts them back)."""
    workers = []
    while True:
        try:
            workers.append(pool._idle.get_nowait())
        except Exception:
            break
    for worker in workers:
        pool._idle.put(worker)
    return {worker.process.pid for worker in workers}


# ----------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("filename", "build"),
    [
        ("resume.pdf", hostile.reportlab_pdf),
        ("resume.docx", hostile.docx_with),
        ("resume.txt", lambda: GOOD_TEXT),
    ],
)
def test_sandboxed_parse_equals_in_process_parse(pool, filename, build):
    data = build()
    assert pool.parse(data, filename=filename) == load_document(data, filename=filename)


def test_expected_errors_keep_their_type_and_message(pool):
    data = hostile.pdf_user_password()
    with pytest.raises(Exception) as in_process:
        load_document(data, filename="locked.pdf")
    with pytest.raises(type(in_process.value)) as sandboxed:
        pool.parse(data, filename="locked.pdf")
    assert sandboxed.value.code == "encrypted"
    assert sandboxed.value.message == in_process.value.message


def test_workers_are_reused_not_started_per_document(pool):
    before = pool.stats()
    for _ in range(6):
        pool.parse(GOOD_TEXT, filename="a.txt")
    after = pool.stats()
    assert after.parsed - before.parsed == 6
    assert after.started == before.started


def test_oversized_input_is_refused_before_any_worker_sees_it(pool):
    limits = IngestLimits(max_bytes=1024)
    with ParserPool(workers=1, ingest_limits=limits) as small:
        before = small.stats()
        with pytest.raises(DocumentTooLargeError):
            small.parse(b"x" * 2048, filename="big.txt")
        assert small.stats().parsed == before.parsed and small.stats().failed == before.failed


def test_in_process_parser_has_the_same_interface():
    parser = InProcessParser()
    assert parser.parse(GOOD_TEXT, filename="a.txt") == load_document(GOOD_TEXT, filename="a.txt")


# ----------------------------------------------------------------------------- crashes and limits


@pytest.mark.parametrize("command", [b"ABORT", b"SEGV"])
def test_a_crashing_worker_fails_only_its_document(test_pool, command):
    pid_before = worker_pids(test_pool)
    crashed_before = test_pool.stats().crashed
    with pytest.raises(ResourceLimitError) as error:
        test_pool.parse(command + b":", filename="x.txt")
    assert "crashed" in error.value.message
    assert test_pool.parse(GOOD_TEXT, filename="a.txt").text.startswith("Alex Example")
    assert worker_pids(test_pool) != pid_before
    assert test_pool.stats().crashed == crashed_before + 1


def test_a_hanging_worker_is_killed_at_the_wall_clock_limit(test_pool):
    timed_out_before = test_pool.stats().timed_out
    start = time.monotonic()
    with pytest.raises(ParseTimeoutError):
        test_pool.parse(b"SLEEP:60", filename="x.txt")
    assert time.monotonic() - start < 4
    assert test_pool.parse(GOOD_TEXT, filename="a.txt").text
    assert test_pool.stats().timed_out == timed_out_before + 1


def test_cpu_limit_ends_a_spinning_worker_before_the_wall_clock(test_pool):
    limits = SandboxLimits(wall_seconds=30, cpu_seconds=1)
    with ParserPool(workers=1, limits=limits, loader=MISBEHAVING) as spinning:
        start = time.monotonic()
        with pytest.raises(ParseTimeoutError):
            spinning.parse(b"SPIN:", filename="x.txt")
        assert time.monotonic() - start < 10, "SIGXCPU, not the 30 s wall clock, ended it"
        assert spinning.parse(GOOD_TEXT, filename="a.txt").text


def test_cpu_budget_is_per_document_not_per_worker_lifetime(test_pool):
    # Each parse spends a little CPU; the worker's total passes 1 s, no single document does.
    for _ in range(3):
        test_pool.parse(b"SLEEP:0.01:" + GOOD_TEXT, filename="a.txt")
    busy = b"Python " * 200_000
    started = test_pool.stats().started
    for _ in range(4):
        test_pool.parse(busy, filename="a.txt")
    assert test_pool.stats().started == started


def test_memory_limit_turns_a_hog_into_resource_limit(test_pool):
    started_before = test_pool.stats().started
    with pytest.raises(ResourceLimitError):
        test_pool.parse(b"HOG:", filename="x.txt")
    assert test_pool.parse(GOOD_TEXT, filename="a.txt").text
    assert test_pool.stats().started == started_before + 1, "a worker out of memory is replaced"


def test_workers_cannot_write_files(test_pool, tmp_path: Path):
    target = tmp_path / "written.bin"
    with pytest.raises(MalformedDocumentError):
        test_pool.parse(b"WRITE:" + str(target).encode() + b":", filename="x.txt")
    assert not target.exists() or target.stat().st_size == 0


def test_workers_cannot_open_many_files(test_pool):
    with pytest.raises(MalformedDocumentError):
        test_pool.parse(b"FILES:", filename="x.txt")
    assert test_pool.parse(GOOD_TEXT, filename="a.txt").text


def test_parser_bugs_become_malformed_without_quoting_the_document(test_pool, caplog):
    with pytest.raises(MalformedDocumentError) as error:
        test_pool.parse(b"BUG:", filename="x.txt")
    assert "SECRET" not in error.value.message
    assert "SECRET" not in caplog.text


def test_workers_are_recycled_after_n_documents():
    limits = SandboxLimits(documents_per_worker=2)
    with ParserPool(workers=1, limits=limits) as recycling:
        for _ in range(5):
            recycling.parse(GOOD_TEXT, filename="a.txt")
        stats = recycling.stats()
    assert stats.recycled == 2 and stats.started == 3 and stats.parsed == 5


def test_a_worker_killed_while_idle_is_replaced_silently(test_pool):
    test_pool.parse(GOOD_TEXT, filename="a.txt")  # the worker is up and idle
    (pid,) = worker_pids(test_pool)
    failed_before = test_pool.stats().failed
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    assert test_pool.parse(GOOD_TEXT, filename="a.txt").text
    assert test_pool.stats().failed == failed_before


def test_an_interrupted_wait_kills_the_busy_worker(test_pool):
    class Deadline(Exception):
        pass

    def expire(signum, frame):
        raise Deadline

    previous = signal.signal(signal.SIGALRM, expire)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(Deadline):
            test_pool.parse(b"SLEEP:60", filename="x.txt")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    start = time.monotonic()
    assert test_pool.parse(GOOD_TEXT, filename="a.txt").text
    assert time.monotonic() - start < 1.9, "the next document did not wait for the sleeping one"


def test_parse_is_thread_safe_and_bounded_by_the_worker_count(pool):
    texts = [b"Person %d\nMachine learning engineer\nPython\n" % i for i in range(24)]
    results: dict[int, str] = {}
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            results[index] = pool.parse(texts[index], filename="a.txt").text
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert all(results[i].startswith(f"Person {i}\n") for i in range(len(texts)))


def test_crash_in_one_thread_does_not_fail_the_others():
    limits = SandboxLimits(wall_seconds=5)
    with ParserPool(workers=2, limits=limits, loader=MISBEHAVING) as mixed:
        outcomes: dict[int, str] = {}

        def work(index: int) -> None:
            data = b"ABORT:" if index % 4 == 0 else GOOD_TEXT
            try:
                mixed.parse(data, filename="a.txt")
                outcomes[index] = "ok"
            except ResourceLimitError:
                outcomes[index] = "resource_limit"

        threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert outcomes == {i: "resource_limit" if i % 4 == 0 else "ok" for i in range(12)}


def test_closed_pool_refuses_work_and_leaves_no_processes():
    closing = ParserPool(workers=2)
    closing.parse(GOOD_TEXT, filename="a.txt")
    workers = [closing._idle.get(), closing._idle.get()]
    for worker in workers:
        closing._idle.put(worker)
    closing.close()
    assert all(worker.process.poll() is not None for worker in workers)
    with pytest.raises(SandboxError):
        closing.parse(GOOD_TEXT, filename="a.txt")


def test_a_forged_reply_is_validated_not_trusted():
    outcome = _decode_reply(b'D{"info": {"media_type": "exe"}, "text": 1}')
    assert isinstance(outcome.error, MalformedDocumentError) and not outcome.worker_usable
    outcome = _decode_reply(b"\x80\x04pickle-looking bytes")
    assert isinstance(outcome.error, MalformedDocumentError)
    outcome = _decode_reply(b'E{"code": "encrypted", "message": "m"}')
    assert outcome.error is not None and outcome.error.code == "encrypted"


def test_worker_address_space_fits_well_inside_the_limit(pool):
    pool.parse(hostile.reportlab_pdf(), filename="a.pdf")
    pool.parse(hostile.docx_with(), filename="a.docx")
    for pid in worker_pids(pool):
        status = Path(f"/proc/{pid}/status").read_text()
        peak_kib = int(
            next(line for line in status.splitlines() if line.startswith("VmPeak")).split()[1]
        )
        assert peak_kib * 1024 < SandboxLimits().memory_bytes / 3


def test_limits_are_validated():
    with pytest.raises(ValueError):
        SandboxLimits(memory_bytes=1024)
    with pytest.raises(ValueError):
        ParserPool(workers=0)


def test_matcher_parses_through_the_pool_and_matches_here(pool, default_matcher, tmp_path):
    from datetime import date

    from matcher.pipeline import MatchOptions

    options = MatchOptions(reference_date=date(2026, 12, 1))
    data = hostile.reportlab_pdf()
    direct = default_matcher.match_bytes(data, filename="a.pdf", options=options)
    sandboxed = default_matcher.match_bytes(data, filename="a.pdf", options=options, parser=pool)
    assert sandboxed == direct
    path = tmp_path / "resume.pdf"
    path.write_bytes(data)
    assert default_matcher.match_file(path, options=options, parser=pool) == direct
    with pytest.raises(ResourceLimitError):
        default_matcher.match_bytes(hostile.pdf_flate_bomb(), filename="b.pdf", parser=pool)
