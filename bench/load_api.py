"""Load test of the HTTP API on loopback: requests/s and p50/p99 latency for a 2-page PDF.

Starts ``match-api`` on 127.0.0.1 (a free port) once per uvicorn worker count, warms it up, then
sends POST /v1/match uploads from ``--concurrency`` client tasks until ``--requests`` are done
or ``--seconds`` have passed, whichever comes first. Loopback only: the address is fixed.

    python bench/load_api.py                        # 1 and 2 uvicorn workers
    python bench/load_api.py --workers 1 --requests 200 --concurrency 4

The client runs on the same machine and competes for the same cores; figures are for comparing
configurations here, not a capacity promise.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

HOST = "127.0.0.1"
REPO = Path(__file__).resolve().parent.parent
SAMPLE_TEXT = REPO / "samples" / "ml_engineer_resume.txt"


@dataclass(frozen=True)
class RunResult:
    api_workers: int
    pool_size: int
    concurrency: int
    requests: int
    errors: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p99_ms: float


def two_page_pdf() -> bytes:
    """The sample resume set in 10 pt Helvetica over exactly two A4 pages."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen.canvas import Canvas

    lines: list[str] = []
    for line in SAMPLE_TEXT.read_text("utf-8").splitlines():
        lines.extend(simpleSplit(line, "Helvetica", 10, 500) or [""])
    half = -(-len(lines) // 2)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    for page_lines in (lines[:half], lines[half:]):
        text = canvas.beginText(48, 800)
        text.setFont("Helvetica", 10)
        for line in page_lines:
            text.textLine(line)
        canvas.drawText(text)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MATCHER_API_HOST": HOST,
        "MATCHER_API_PORT": str(port),
        "MATCHER_API_WORKERS": str(workers),
        "MATCHER_LOG_LEVEL": "warning",
    }
    for name in ("MATCHER_API_KEYS", "MATCHER_API_KEYS_FILE", "MATCHER_POOL_SIZE"):
        env.pop(name, None)
    return subprocess.Popen(
        [sys.executable, "-c", "from api.app import run; run()"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_ready(base: str, server: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited with code {server.returncode}")
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not become ready")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


async def load(
    base: str, pdf: bytes, *, requests: int, seconds: float, concurrency: int
) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    issued = 0
    started = time.perf_counter()
    deadline = started + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def one_client() -> None:
            nonlocal errors, issued
            while issued < requests and time.perf_counter() < deadline:
                issued += 1
                begin = time.perf_counter()
                response = await client.post(
                    "/v1/match", files={"file": ("resume.pdf", pdf, "application/pdf")}
                )
                latencies.append(time.perf_counter() - begin)
                if response.status_code != 200:
                    errors += 1

        await asyncio.gather(*(one_client() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def run_one(workers: int, pdf: bytes, args: argparse.Namespace) -> RunResult:
    port = free_port()
    base = f"http://{HOST}:{port}"
    server = start_server(port, workers)
    try:
        wait_ready(base, server)
        # Warm-up: every uvicorn worker and every match process serves a few requests first.
        asyncio.run(load(base, pdf, requests=20 * workers, seconds=30, concurrency=4))
        latencies, errors, elapsed = asyncio.run(
            load(
                base,
                pdf,
                requests=args.requests,
                seconds=args.seconds,
                concurrency=args.concurrency,
            )
        )
    finally:
        stop_server(server)
    return RunResult(
        api_workers=workers,
        pool_size=max(1, (os.cpu_count() or 1) // workers),
        concurrency=args.concurrency,
        requests=len(latencies),
        errors=errors,
        seconds=round(elapsed, 2),
        requests_per_second=round(len(latencies) / elapsed, 1),
        p50_ms=round(statistics.median(latencies) * 1000, 1),
        p99_ms=round(percentile(latencies, 0.99) * 1000, 1),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--requests", type=int, default=600, help="most requests per run")
    parser.add_argument("--seconds", type=float, default=20.0, help="longest run, in seconds")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="print results as JSON lines")
    args = parser.parse_args(argv)
    pdf = two_page_pdf()
    print(f"2-page PDF: {len(pdf)} bytes; CPUs: {os.cpu_count()}", file=sys.stderr)
    for workers in args.workers:
        result = run_one(workers, pdf, args)
        if args.json:
            print(json.dumps(asdict(result)))
        else:
            print(
                f"uvicorn workers={result.api_workers} pool/worker={result.pool_size} "
                f"concurrency={result.concurrency}: {result.requests} requests "
                f"({result.errors} errors) in {result.seconds} s -> "
                f"{result.requests_per_second} req/s, p50 {result.p50_ms} ms, "
                f"p99 {result.p99_ms} ms"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
