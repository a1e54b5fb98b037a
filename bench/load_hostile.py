"""Hostile files under load: do they slow down or lose the good ones?

Starts ``match-api`` on 127.0.0.1 (a free port; loopback only), warms it up, then runs two
phases of the same length with the same client concurrency:

    all-good   every request uploads a good resume (PDF, DOCX or TXT, 1-2 pages)
    mixed      the same, but every ``1/share``-th request uploads a hostile file from
               ``tests/hostile.py`` (Flate and ZIP bombs, XXE, loops, million-page PDF ...)

and reports p50/p95/p99 latency of the good uploads in both phases, the status codes of the
hostile ones, and lost requests (any 5xx, or a good file not answered 200).
Pass criteria (exit code 0): p99 of good files in the mixed phase within ``--max-ratio`` (2x)
of the all-good phase, and nothing lost.

    python bench/load_hostile.py                      # 300 requests per phase, 4 clients
    python bench/load_hostile.py --requests 600 --concurrency 8 --json

Client and server share the machine's cores; compare ratios, not absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "bench"), str(REPO / "tests")]

import hostile  # noqa: E402
from docgen import make_docx  # noqa: E402
from load_api import (  # noqa: E402
    HOST,
    free_port,
    percentile,
    stop_server,
    two_page_pdf,
    wait_ready,
)

Upload = tuple[str, str, bytes]  # kind ("good" or a hostile case name), file name, content


@dataclass
class Phase:
    name: str
    requests: int = 0
    seconds: float = 0.0
    good_latencies: list[float] = field(default_factory=list)
    hostile_statuses: Counter[str] = field(default_factory=Counter)
    lost: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        good = self.good_latencies
        return {
            "phase": self.name,
            "requests": self.requests,
            "seconds": round(self.seconds, 1),
            "good": len(good),
            "good_p50_ms": round(statistics.median(good) * 1000, 1) if good else None,
            "good_p95_ms": round(percentile(good, 0.95) * 1000, 1) if good else None,
            "good_p99_ms": round(percentile(good, 0.99) * 1000, 1) if good else None,
            "hostile": sum(self.hostile_statuses.values()),
            "hostile_statuses": dict(sorted(self.hostile_statuses.items())),
            "lost": len(self.lost),
            "lost_examples": self.lost[:5],
        }


def good_uploads() -> list[Upload]:
    text = (REPO / "samples" / "ml_engineer_resume.txt").read_text("utf-8")
    return [
        ("good", "resume.pdf", two_page_pdf()),
        ("good", "resume.docx", make_docx(text)),
        ("good", "resume.txt", text.encode()),
    ]


def hostile_uploads(names: list[str] | None = None) -> list[Upload]:
    cases = [hostile.case(name) for name in names] if names else hostile.CORPUS
    return [(case.name, case.filename, case.build()) for case in cases]


def schedule(requests: int, share: float, good: list[Upload], bad: list[Upload]) -> list[Upload]:
    """Deterministic order: every round(1/share)-th request is hostile (none when share is 0)."""
    every = round(1 / share) if share > 0 else 0
    plan: list[Upload] = []
    for index in range(requests):
        if every and index % every == every - 1:
            plan.append(bad[(index // every) % len(bad)])
        else:
            plan.append(good[index % len(good)])
    return plan


async def run_phase(base: str, name: str, plan: list[Upload], concurrency: int) -> Phase:
    phase = Phase(name=name, requests=len(plan))
    queue: asyncio.Queue[Upload] = asyncio.Queue()
    for upload in plan:
        queue.put_nowait(upload)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

        async def worker() -> None:
            while not queue.empty():
                kind, filename, content = queue.get_nowait()
                begin = time.perf_counter()
                try:
                    response = await client.post(
                        "/v1/match", files={"file": (filename, content, "application/octet-stream")}
                    )
                except httpx.HTTPError as error:
                    if kind == "good":
                        phase.lost.append(f"{kind}: {type(error).__name__}")
                    else:
                        # An upload over the size limit is refused (413) before its body is
                        # read, and the connection is closed while the client is still sending:
                        # the client may see the reset instead of the 413. Counted apart.
                        phase.hostile_statuses[f"closed early ({type(error).__name__})"] += 1
                    continue
                elapsed = time.perf_counter() - begin
                status = response.status_code
                if status >= 500 or (kind == "good" and status != 200):
                    phase.lost.append(f"{kind}: HTTP {status}")
                elif kind == "good":
                    phase.good_latencies.append(elapsed)
                else:
                    code = response.json().get("code", "?") if status != 200 else "ok"
                    phase.hostile_statuses[f"{status} {code}"] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    phase.seconds = time.perf_counter() - started
    return phase


def server_memory_mib(pid: int) -> float:
    """Resident memory of the server and all its descendants (API, match and parser workers)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        rss = next(line for line in status.splitlines() if line.startswith("VmRSS"))
        total += int(rss.split()[1])
        pending.extend(int(child) for child in children)
    return round(total / 1024, 1)


def start_server(port: int, pool_size: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MATCHER_API_HOST": HOST,
        "MATCHER_API_PORT": str(port),
        "MATCHER_API_WORKERS": "1",
        "MATCHER_POOL_SIZE": str(pool_size),
        "MATCHER_LOG_LEVEL": "warning",
    }
    for name in ("MATCHER_API_KEYS", "MATCHER_API_KEYS_FILE"):
        env.pop(name, None)
    return subprocess.Popen(
        [sys.executable, "-c", "from api.app import run; run()"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per phase")
    parser.add_argument("--concurrency", type=int, default=4, help="client tasks")
    parser.add_argument("--share", type=float, default=0.1, help="hostile share in phase 2")
    parser.add_argument("--pool-size", type=int, default=2, help="matching processes")
    parser.add_argument("--max-ratio", type=float, default=2.0, help="allowed p99 ratio")
    parser.add_argument(
        "--cases", help="comma-separated hostile case names (default: the whole corpus)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)

    good, bad = good_uploads(), hostile_uploads(args.cases.split(",") if args.cases else None)
    port = free_port()
    base = f"http://{HOST}:{port}"
    server = start_server(port, args.pool_size)
    try:
        wait_ready(base, server)
        asyncio.run(run_phase(base, "warm-up", schedule(30, 0, good, bad), args.concurrency))
        memory_before = server_memory_mib(server.pid)
        baseline = asyncio.run(
            run_phase(base, "all-good", schedule(args.requests, 0, good, bad), args.concurrency)
        )
        mixed = asyncio.run(
            run_phase(
                base, "mixed", schedule(args.requests, args.share, good, bad), args.concurrency
            )
        )
        memory_after = server_memory_mib(server.pid)
    finally:
        stop_server(server)

    base_p99 = percentile(baseline.good_latencies, 0.99)
    mixed_p99 = percentile(mixed.good_latencies, 0.99)
    ratio = mixed_p99 / base_p99
    report = {
        "concurrency": args.concurrency,
        "pool_size": args.pool_size,
        "hostile_share": args.share,
        "phases": [baseline.summary(), mixed.summary()],
        "p99_ratio": round(ratio, 2),
        "server_rss_mib": {"before": memory_before, "after": memory_after},
        "passed": ratio <= args.max_ratio and not baseline.lost and not mixed.lost,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for phase in report["phases"]:  # type: ignore[union-attr]
            print(json.dumps(phase))
        print(f"p99 ratio mixed/all-good: {ratio:.2f} (limit {args.max_ratio})")
        print(f"server RSS (all processes): {memory_before} MiB -> {memory_after} MiB")
        print("PASS" if report["passed"] else "FAIL")
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
