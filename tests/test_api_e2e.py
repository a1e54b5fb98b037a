"""End to end: a real uvicorn process on 127.0.0.1, real sockets, the installed start commands."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from conftest import REFERENCE_DATE, REPO_ROOT, load_fixture_resume
from docgen import make_pdf

from matcher.pipeline import Matcher, MatchOptions

KEY = "e2e-key-5f1c"
UPLOAD_LIMIT = 1024 * 1024  # MATCHER_MAX_UPLOAD_BYTES for the test server
MARKER = "Orsolya Brightwater-Quince"

# Each server start imports spaCy and loads the matcher in two processes: seconds, not millis.
pytestmark = pytest.mark.slow


@dataclass
class Server:
    base: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(command: list[str], env: dict[str, str], log_path: Path, port: int) -> Server:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MATCHER_")}
    with log_path.open("wb") as log:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            command, env={**clean, **env}, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT
        )
    server = Server(f"http://127.0.0.1:{port}", port, process, log_path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited ({process.returncode}):\n{server.log()}")
        try:
            if httpx.get(server.base + "/readyz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop(server)
    raise AssertionError(f"server not ready:\n{server.log()}")


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def console_script(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"console script {name!r} is not installed: run pip install -e .")
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`match-api` as installed, with an API key and a 1 MiB upload limit."""
    port = free_port()
    env = {
        "MATCHER_API_PORT": str(port),
        "MATCHER_API_KEYS": KEY,
        "MATCHER_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT),
        "MATCHER_POOL_SIZE": "1",
        "MATCHER_LOG_LEVEL": "info",
    }
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    running = start([console_script("match-api")], env, log_path, port)
    yield running
    stop(running)


def raw_request(port: int, head: str, *, timeout: float = 10.0) -> bytes:
    """Send only a request head (no body) and return what the server answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head.encode("latin-1"))
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and b'"code"' in b"".join(chunks):
                break
        return b"".join(chunks)


def test_pdf_upload_matches_the_library(server: Server):
    text = MARKER + "\n" + load_fixture_resume("senior_ml")
    lines = text.splitlines()
    pdf = make_pdf("\n".join([*lines[:20], "\f", *lines[20:]]))  # two pages
    response = httpx.post(
        server.base + "/v1/match",
        params={"reference_date": REFERENCE_DATE.isoformat()},
        files={"file": ("orsolya-cv.pdf", pdf, "application/pdf")},
        headers={"X-API-Key": KEY, "X-Request-ID": "e2e-pdf-1"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == "e2e-pdf-1"
    expected = Matcher.default().match_bytes(
        pdf, filename="orsolya-cv.pdf", options=MatchOptions(reference_date=REFERENCE_DATE)
    )
    assert response.json() == expected.model_dump(mode="json")
    assert response.json()["document"]["media_type"] == "pdf"
    assert response.json()["document"]["pages"] == 2


def test_server_log_has_the_request_but_no_content(server: Server):
    httpx.post(
        server.base + "/v1/match/text",
        json={"text": MARKER + "\n" + load_fixture_resume("junior_ml")},
        headers={"X-API-Key": KEY, "X-Request-ID": "e2e-log-1"},
        timeout=60,
    )
    time.sleep(0.2)
    log = server.log()
    assert "request_id=e2e-log-1" in log
    assert "Orsolya" not in log and "orsolya" not in log
    assert "Brightwater" not in log


def test_missing_key_is_refused_before_the_body(server: Server):
    head = (
        "POST /v1/match HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {500 * 1024 * 1024}\r\n\r\n"
    )
    started = time.monotonic()
    answer = raw_request(server.port, head)
    # The server answered without waiting for any of the 500 MiB it was promised.
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert b"application/problem+json" in answer
    assert time.monotonic() - started < 5


def test_declared_length_over_the_limit_is_refused_before_the_body(server: Server):
    head = (
        "POST /v1/match HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"X-API-Key: {KEY}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {UPLOAD_LIMIT * 4}\r\n\r\n"
    )
    answer = raw_request(server.port, head)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"code":"too_large"' in answer


@pytest.mark.parametrize(
    ("key", "status", "code"),
    [(KEY, 413, "too_large"), (None, 401, "unauthorized"), ("wrong", 401, "unauthorized")],
)
def test_streamed_body_is_not_read_past_the_point_of_refusal(server: Server, key, status, code):
    """A chunked 32 MiB body: refused at the limit (413) or before any of it (401)."""
    chunk = b"x" * 65536
    offered = 512 * len(chunk)
    sent = 0

    def body() -> Iterator[bytes]:
        nonlocal sent
        for _ in range(512):
            sent += len(chunk)
            yield chunk

    headers = {"Content-Type": "application/json"} | ({"X-API-Key": key} if key else {})
    try:
        response = httpx.post(
            server.base + "/v1/match/text", content=body(), headers=headers, timeout=30
        )
    except (httpx.WriteError, httpx.RemoteProtocolError, httpx.ReadError):
        # The server closed the connection while the client was still sending; the
        # status line may be lost with it, which is fine: the body was not read.
        response = None
    if response is not None:
        assert response.status_code == status, response.text
        assert response.json()["code"] == code
        assert response.headers["connection"] == "close"
    # The client stops once the server closes; only socket buffers (a few MiB) were filled.
    assert sent < offered // 2
    assert httpx.get(server.base + "/healthz", timeout=5).status_code == 200


def test_uvicorn_command_serves_the_same_app(tmp_path: Path):
    port = free_port()
    command = [console_script("uvicorn"), "api.app:app", "--host", "127.0.0.1"]
    running = start(
        [*command, "--port", str(port)],
        {"MATCHER_POOL_SIZE": "1"},
        tmp_path / "uvicorn.log",
        port,
    )
    try:
        response = httpx.post(
            running.base + "/v1/match/text",
            json={"text": load_fixture_resume("mid_ml")},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        assert httpx.get(running.base + "/v1/profiles", timeout=5).status_code == 200
    finally:
        stop(running)
