"""The HTTP API in process (TestClient): every endpoint, every error family, limits, auth, logs."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import hostile
import pytest
import yaml
from conftest import REFERENCE_DATE, REPO_ROOT, load_fixture_resume
from docgen import make_docx, make_pdf

from api.app import OPEN_PATHS, create_app
from api.metrics import ApiMetrics, Counter, Histogram
from api.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE
from api.routes import split_levels
from api.security import keys_match
from api.settings import FORM_OVERHEAD_BYTES, Settings, SettingsError
from matcher.errors import error_classes
from matcher.pipeline import Matcher, MatchOptions
from matcher.profiles import PROFILE_DIR
from matcher.sandbox import ParserPool, SandboxLimits

with warnings.catch_warnings():
    # Starlette asks for the httpx2 package in its test client; httpx (installed) works the same
    # for these tests, and the project does not need a second HTTP client library.
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

REF = REFERENCE_DATE.isoformat()
KEY = "test-key-0123456789"
# A line no resume fixture contains: if it shows up in a response or a log, content leaked.
MARKER = "Quillon Vantabrake, 42 Zephyr Lane"


def make_settings(**overrides: Any) -> Settings:
    """Settings that ignore the developer's MATCHER_* environment."""
    values: dict[str, Any] = {
        "executor": "process",
        "pool_size": 1,
        "parse_timeout": 30.0,
        "api_keys": (),
        "api_keys_file": None,
        "cors_origins": (),
        "max_upload_bytes": 10 * 1024 * 1024,
        "max_batch_files": 20,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    # Matching in a thread keeps this module fast; the process pool has its own tests below
    # and serves every request of the end-to-end tests.
    settings = make_settings(max_batch_files=3, executor="thread")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def process_client() -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(executor="process", pool_size=1))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def keyed_client() -> Iterator[TestClient]:
    settings = make_settings(api_keys=(KEY, "second-key"), executor="thread")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def resume_text() -> str:
    return load_fixture_resume("mid_ml")


def two_pages(text: str) -> str:
    """The text with a page break (form feed, see docgen) halfway through its lines."""
    lines = text.splitlines()
    half = len(lines) // 2
    return "\n".join([*lines[:half], "\f", *lines[half:]])


def library_result(text: str, **options: Any) -> dict[str, Any]:
    result = Matcher.default().match_text(
        text, options=MatchOptions(reference_date=REFERENCE_DATE, **options)
    )
    return result.model_dump(mode="json")


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == PROBLEM_TYPE_BASE + code
    assert body["title"] and body["detail"]
    return body


# ----------------------------------------------------------------------------- matching


def test_match_upload_returns_the_library_result(client):
    text = resume_text()
    response = client.post(
        "/v1/match",
        params={"reference_date": REF},
        files={"file": ("resume.txt", text.encode(), "text/plain")},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == library_result(text)


def test_match_pdf_upload(client):
    response = client.post(
        "/v1/match",
        data={"reference_date": REF},
        files={"file": ("cv.pdf", make_pdf(two_pages(resume_text())), "application/pdf")},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["document"]["media_type"] == "pdf"
    assert body["document"]["pages"] == 2
    assert body["reference_date"] == REF
    assert {fit["level"] for fit in body["fits"]} == {"junior", "mid", "senior"}


def test_match_docx_upload(client):
    response = client.post(
        "/v1/match",
        files={"file": ("cv.docx", make_docx(resume_text()), "application/octet-stream")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["document"]["media_type"] == "docx"


def test_match_upload_equals_the_cli_json(client, tmp_path, capsys):
    from matcher.cli import main

    pdf = make_pdf(two_pages(resume_text()))
    path = tmp_path / "resume.pdf"
    path.write_bytes(pdf)
    assert main([str(path), "--json", "--reference-date", REF]) == 0
    cli_json = json.loads(capsys.readouterr().out)
    response = client.post(
        "/v1/match",
        params={"reference_date": REF},
        files={"file": ("resume.pdf", pdf, "application/pdf")},
    )
    assert response.status_code == 200, response.text
    assert response.json() == cli_json


@pytest.mark.parametrize("where", ["params", "data"])
def test_levels_and_text_options_as_query_or_form(client, where):
    options = {"levels": "junior, senior", "include_text": "true", "reference_date": REF}
    response = client.post(
        "/v1/match",
        **{where: options},
        files={"file": ("resume.md", resume_text().encode(), "text/markdown")},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [fit["level"] for fit in body["fits"]] == ["junior", "senior"]
    assert body["text"] and "Machine" in body["text"]


def test_query_and_form_disagreeing_is_an_invalid_option(client):
    response = client.post(
        "/v1/match",
        params={"levels": "junior"},
        data={"levels": "senior"},
        files={"file": ("resume.txt", resume_text().encode(), "text/plain")},
    )
    assert_problem(response, 400, "invalid_option")


def test_unknown_level_is_a_400_problem(client):
    response = client.post(
        "/v1/match",
        params={"levels": "principal"},
        files={"file": ("resume.txt", resume_text().encode(), "text/plain")},
    )
    body = assert_problem(response, 400, "invalid_option")
    assert "principal" in body["detail"]


def test_match_text_returns_the_library_result(client):
    text = resume_text()
    response = client.post(
        "/v1/match/text", json={"text": text, "reference_date": REF, "levels": ["mid"]}
    )
    assert response.status_code == 200, response.text
    assert response.json() == library_result(text, levels=("mid",))


def custom_profile() -> dict[str, Any]:
    profile: dict[str, Any] = yaml.safe_load((PROFILE_DIR / "mid.yaml").read_text("utf-8"))
    profile["id"] = "ml_engineer_mid_custom"
    profile["title"] = "Custom mid profile"
    return profile


def test_custom_profile_as_yaml_form_field(client):
    response = client.post(
        "/v1/match",
        data={"profile": yaml.safe_dump(custom_profile()), "reference_date": REF},
        files={"file": ("resume.txt", resume_text().encode(), "text/plain")},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [fit["title"] for fit in body["fits"]] == ["Custom mid profile"]
    assert list(body["versions"]["profiles"]) == ["ml_engineer_mid_custom"]


def test_custom_profile_as_json_object(client):
    response = client.post(
        "/v1/match/text", json={"text": resume_text(), "profile": custom_profile()}
    )
    assert response.status_code == 200, response.text
    assert [fit["title"] for fit in response.json()["fits"]] == ["Custom mid profile"]


@pytest.mark.parametrize(
    "document",
    [
        "id: [unclosed",
        "- just\n- a list\n",
        json.dumps({"id": "x", "level": "mid"}),
        "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n",  # alias expansion
    ],
)
def test_invalid_profile_is_a_400_problem(client, document):
    response = client.post(
        "/v1/match",
        data={"profile": document},
        files={"file": ("resume.txt", resume_text().encode(), "text/plain")},
    )
    assert_problem(response, 400, "profile_invalid")


def test_oversized_profile_is_refused(client):
    response = client.post("/v1/match/text", json={"text": "x", "profile": "# " + "x" * 70_000})
    assert_problem(response, 400, "profile_invalid")


# ----------------------------------------------------------------------------- document errors


def test_unsupported_type_is_415(client):
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)
    response = client.post("/v1/match", files={"file": ("photo.png", png, "image/png")})
    assert_problem(response, 415, "unsupported_type")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_document"),
        (None, "no_text_layer"),  # image-only PDF, built below
        ("encrypted", "encrypted"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n" + MARKER.encode() + b"\n%%EOF", "malformed"),
    ],
)
def test_unusable_documents_are_422_without_content(client, data, code):
    if data is None:
        data = make_pdf(resume_text(), image_only=True)
    elif data == "encrypted":
        data = make_pdf(MARKER + "\n" + resume_text(), encrypt_user="secret")
    response = client.post("/v1/match", files={"file": ("resume.pdf", data, "application/pdf")})
    assert_problem(response, 422, code)
    assert MARKER not in response.text
    assert "resume.pdf" not in response.text


def test_validation_problem_does_not_echo_the_input(client):
    # Wrong types and unknown fields: FastAPI's default handler would echo them back.
    payloads = [
        {"text": [MARKER, resume_text()]},
        {"text": resume_text() + MARKER, "resume": MARKER, "reference_date": MARKER},
        {"levels": MARKER},
    ]
    for payload in payloads:
        response = client.post("/v1/match/text", json=payload)
        body = assert_problem(response, 422, "invalid_request")
        assert MARKER not in response.text
        assert "Machine learning" not in response.text
        assert body["errors"], body
        assert all(set(error) == {"loc", "msg", "type"} for error in body["errors"])


def test_validation_problem_names_the_field(client):
    response = client.post(
        "/v1/match",
        params={"reference_date": "2026-13-45"},
        files={"file": ("resume.txt", b"text", "text/plain")},
    )
    body = assert_problem(response, 422, "invalid_request")
    assert body["errors"][0]["loc"] == ["query", "reference_date"]
    assert "2026-13-45" not in response.text


def test_missing_file_is_a_validation_problem(client):
    response = client.post("/v1/match", data={"levels": "mid"})
    body = assert_problem(response, 422, "invalid_request")
    assert ["body", "file"] in [error["loc"] for error in body["errors"]]


def test_invalid_json_body_is_a_validation_problem(client):
    response = client.post(
        "/v1/match/text",
        content=b'{"text": "' + MARKER.encode() + b'"',
        headers={"content-type": "application/json"},
    )
    assert_problem(response, 422, "invalid_request")
    assert MARKER not in response.text


@pytest.mark.parametrize(
    ("name", "status"),
    [("flate_bomb", 422), ("docx_billion_laughs", 422), ("garbage_as_pdf", 415)],
)
def test_hostile_files_get_their_problem_and_the_service_goes_on(client, name, status):
    hostile_case = hostile.case(name)
    response = client.post(
        "/v1/match", files={"file": (hostile_case.filename, hostile_case.build(), "x/y")}
    )
    assert_problem(response, status, hostile_case.code)
    assert client.post("/v1/match/text", json={"text": "Python"}).status_code == 200


@pytest.fixture()
def misbehaving_parser(client):
    """The client's sandbox swapped for one whose parser obeys commands in the bytes."""
    parsing = client.app.state.executor.parsing
    limits = SandboxLimits(wall_seconds=1.5, cpu_seconds=1, memory_bytes=256 * 1024 * 1024)
    original = parsing.parser
    parsing.parser = ParserPool(workers=1, limits=limits, loader="hostile:well_behaved_loader")
    try:
        yield
    finally:
        parsing.parser.close()
        parsing.parser = original


@pytest.mark.parametrize(
    ("command", "code"), [(b"SLEEP:30:", "parse_timeout"), (b"ABORT:", "resource_limit")]
)
def test_a_parser_that_hangs_or_dies_costs_one_request(client, misbehaving_parser, command, code):
    data = command + b"Jamie Example\nMachine learning engineer, Python\n"
    response = client.post("/v1/match", files={"file": ("r.txt", data, "text/plain")})
    assert_problem(response, 422, code)
    good = client.post("/v1/match", files={"file": ("r.txt", b"Python, PyTorch", "text/plain")})
    assert good.status_code == 200, good.text


# ----------------------------------------------------------------------------- batch


def ndjson(response: Any) -> list[dict[str, Any]]:
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines()]


def test_batch_streams_one_record_per_file_in_order(client):
    text = resume_text()
    files = [
        ("files", ("a.txt", text.encode(), "text/plain")),
        ("files", ("b.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")),
        ("files", ("c.pdf", make_pdf(text), "application/pdf")),
    ]
    response = client.post("/v1/match/batch", params={"reference_date": REF}, files=files)
    assert response.status_code == 200, response.text
    records = ndjson(response)
    assert [r["index"] for r in records] == [0, 1, 2]
    assert [r["ok"] for r in records] == [True, False, True]
    assert records[0]["result"] == library_result(text)
    assert records[1]["error"]["code"] == "unsupported_type"
    assert set(records[1]["error"]) == {"code", "title", "message"}
    assert records[2]["result"]["document"]["media_type"] == "pdf"


def test_batch_over_the_file_count_is_413(client):
    files = [("files", (f"{i}.txt", b"Python developer", "text/plain")) for i in range(4)]
    assert_problem(client.post("/v1/match/batch", files=files), 413, "too_large")


def test_batch_option_error_is_a_problem_not_a_stream(client):
    files = [("files", ("a.txt", b"Python developer", "text/plain"))]
    response = client.post("/v1/match/batch", data={"reference_date": "soon"}, files=files)
    assert_problem(response, 422, "invalid_request")


# ----------------------------------------------------------------------------- reference data


def test_taxonomy_summary(client):
    response = client.get("/v1/taxonomy")
    assert response.status_code == 200
    body = response.json()
    taxonomy = Matcher.default().taxonomy
    assert body["version"] == taxonomy.version
    assert body["node_count"] == len(taxonomy.nodes) == len(body["nodes"])
    assert sum(c["nodes"] for c in body["categories"]) == body["node_count"]
    assert {c["id"] for c in body["categories"]} == set(taxonomy.categories)
    assert body["attribution"] == list(taxonomy.attribution)


def test_profiles_list_and_detail(client):
    shipped = Matcher.default().profiles
    listing = client.get("/v1/profiles").json()
    assert [p["level"] for p in listing] == [p.level for p in shipped]
    assert [p["requirements"] for p in listing] == [len(p.requirements) for p in shipped]
    for profile in shipped:
        for key in (profile.level, profile.id):
            detail = client.get(f"/v1/profiles/{key}")
            assert detail.status_code == 200
            assert detail.json() == profile.model_dump(mode="json")


def test_unknown_profile_is_404_problem(client):
    body = assert_problem(client.get("/v1/profiles/principal"), 404, "not_found")
    assert "junior" in body["detail"]


# ----------------------------------------------------------------------------- operations


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["taxonomy"] == Matcher.default().taxonomy.version


def test_not_ready_before_start_up():
    app = create_app(make_settings(executor="thread"))
    bare = TestClient(app)  # no context manager: the lifespan does not run
    assert bare.get("/healthz").status_code == 200
    assert_problem(bare.get("/readyz"), 503, "not_ready")
    response = bare.post("/v1/match/text", json={"text": "Python"})
    assert_problem(response, 503, "not_ready")


def test_unknown_route_and_method_are_problems(client):
    assert_problem(client.get("/v2/nothing"), 404, "not_found")
    response = client.get("/v1/match")
    assert_problem(response, 405, "method_not_allowed")
    assert "POST" in response.headers["allow"]


def test_request_id_is_echoed_or_generated(client):
    echoed = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["x-request-id"])
    problem = client.get("/v2/nothing", headers={"X-Request-ID": "req-9"})
    assert problem.json()["request_id"] == "req-9"


def test_metrics_count_requests_latency_and_parse_failures(client):
    client.post(
        "/v1/match", files={"file": ("x.png", b"\x89PNG\r\n\x1a\n" + bytes(9), "image/png")}
    )
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert re.search(
        r'^matcher_http_requests_total\{route="/healthz",method="GET",status="200"\} [1-9]',
        text,
        re.M,
    )
    assert re.search(
        r'^matcher_http_requests_total\{route="/v1/match",method="POST",status="415"\} [1-9]',
        text,
        re.M,
    )
    assert re.search(r'^matcher_parse_failures_total\{code="unsupported_type"\} [1-9]', text, re.M)
    assert (
        'matcher_http_request_duration_seconds_bucket{route="/v1/match",method="POST",le="+Inf"}'
        in text
    )
    assert "# TYPE matcher_http_request_duration_seconds histogram" in text


def test_histogram_buckets_are_cumulative():
    histogram = Histogram("h", "help", ("route",), buckets=(0.1, 1.0))
    for value in (0.05, 0.5, 0.5, 5.0):
        histogram.observe(("r",), value)
    lines = list(histogram.render())
    assert 'h_bucket{route="r",le="0.1"} 1' in lines
    assert 'h_bucket{route="r",le="1"} 3' in lines
    assert 'h_bucket{route="r",le="+Inf"} 4' in lines
    assert 'h_count{route="r"} 4' in lines
    assert 'h_sum{route="r"} 6.05' in lines


def test_counter_escapes_label_values_and_checks_arity():
    counter = Counter("c_total", "help", ("code",))
    counter.inc(('a"b\\c',))
    assert 'c_total{code="a\\"b\\\\c"} 1' in list(counter.render())
    with pytest.raises(ValueError):
        counter.inc(("a", "b"))
    assert ApiMetrics().render().count("# TYPE") == 3


def test_access_log_has_no_content_or_file_names(client):
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    api_logger = logging.getLogger("api")
    api_logger.addHandler(handler)
    try:
        client.post(
            "/v1/match",
            params={"levels": "mid"},
            files={"file": ("quillon_vantabrake_cv.txt", (MARKER + "\n" + resume_text()).encode())},
            headers={"X-Request-ID": "log-test-1"},
        )
        client.post("/v1/match/text", json={"text": [MARKER]})
    finally:
        api_logger.removeHandler(handler)
    messages = [record.getMessage() for record in records]
    access = [m for m in messages if "request_id=log-test-1" in m]
    assert len(access) == 1
    assert "route=/v1/match status=200" in access[0]
    assert "outcome=ok" in access[0]
    assert any("outcome=invalid_request" in m for m in messages)
    for message in messages:
        assert "Quillon" not in message and "quillon" not in message
        assert "levels=mid" not in message


# ----------------------------------------------------------------------------- limits


def test_declared_body_over_the_limit_is_413():
    small = TestClient(create_app(make_settings(max_upload_bytes=4096, executor="thread")))
    big = b"x" * (4096 + FORM_OVERHEAD_BYTES + 1)
    response = small.post("/v1/match", files={"file": ("r.txt", big, "text/plain")})
    assert_problem(response, 413, "too_large")


def test_file_over_the_limit_inside_the_form_overhead_is_413():
    with TestClient(create_app(make_settings(max_upload_bytes=4096, executor="thread"))) as small:
        response = small.post("/v1/match", files={"file": ("r.txt", b"y" * 8000, "text/plain")})
        assert_problem(response, 413, "too_large")


def test_chunked_body_over_the_limit_is_413():
    small = TestClient(create_app(make_settings(max_upload_bytes=4096, executor="thread")))

    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"z" * 65536

    response = small.post(
        "/v1/match/text", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "too_large")


def asgi_call(app: Any, path: str, headers: dict[str, str], chunks: list[bytes]):
    """Drive the ASGI app directly; report the status and how many body chunks it pulled."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled < len(chunks):
            pulled += 1
            return {"type": "http.request", "body": chunks[pulled - 1], "more_body": True}
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], pulled


def test_api_key_is_checked_before_the_body_is_read():
    app = create_app(make_settings(api_keys=(KEY,), executor="thread"))
    chunks = [b"a" * 65536] * 200  # 12.5 MiB the server must never pull
    headers = {"content-type": "multipart/form-data; boundary=xyz"}
    status, pulled = asgi_call(app, "/v1/match", headers, chunks)
    assert (status, pulled) == (401, 0)
    status, pulled = asgi_call(app, "/v1/match", {**headers, "x-api-key": "wrong"}, chunks)
    assert (status, pulled) == (401, 0)


def test_declared_size_is_refused_before_the_body_is_read():
    app = create_app(make_settings(api_keys=(KEY,), executor="thread"))
    headers = {"x-api-key": KEY, "content-length": str(50 * 1024 * 1024)}
    status, pulled = asgi_call(app, "/v1/match", headers, [b"a" * 65536] * 10)
    assert (status, pulled) == (413, 0)


def test_streamed_body_is_cut_off_at_the_limit():
    settings = make_settings(api_keys=(KEY,), executor="thread", max_upload_bytes=4096)
    limit = settings.body_limit_for("/v1/match")
    headers = {"x-api-key": KEY, "content-type": "multipart/form-data; boundary=xyz"}
    part_head = (
        b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="r.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\n"
    )
    # A well-formed multipart body whose one file never ends.
    chunks = [part_head + b"a" * (65536 - len(part_head))] + [b"a" * 65536] * 199
    status, pulled = asgi_call(create_app(settings), "/v1/match", headers, chunks)
    assert status == 413
    assert pulled == limit // 65536 + 1  # stops at the first chunk past the limit


# ----------------------------------------------------------------------------- auth


def test_auth_rejects_missing_and_wrong_keys(keyed_client):
    assert_problem(keyed_client.get("/v1/taxonomy"), 401, "unauthorized")
    wrong = keyed_client.get("/v1/taxonomy", headers={"X-API-Key": KEY + "x"})
    assert_problem(wrong, 401, "unauthorized")
    assert wrong.headers["www-authenticate"]
    assert_problem(keyed_client.get("/metrics"), 401, "unauthorized")


def test_auth_accepts_every_configured_key(keyed_client):
    for key in (KEY, "second-key"):
        response = keyed_client.post(
            "/v1/match/text", json={"text": resume_text()}, headers={"X-API-Key": key}
        )
        assert response.status_code == 200, response.text


def test_open_paths_need_no_key(keyed_client):
    for path in OPEN_PATHS - {"/docs/oauth2-redirect"}:
        assert keyed_client.get(path).status_code == 200, path


def test_keys_file_is_merged_and_comments_ignored(tmp_path: Path):
    key_file = tmp_path / "keys"
    key_file.write_text("# ops keys\nfile-key-1\n\nfile-key-2  # rotated 2026-11\n", "utf-8")
    settings = make_settings(api_keys=("env-key",), api_keys_file=key_file)
    assert settings.load_api_keys() == (b"env-key", b"file-key-1", b"file-key-2")
    with pytest.raises(SettingsError, match="MATCHER_API_KEYS_FILE"):
        make_settings(api_keys_file=tmp_path / "missing").load_api_keys()


def test_keys_from_environment_as_comma_list(monkeypatch):
    monkeypatch.setenv("MATCHER_API_KEYS", " k-alpha-77, k-beta-88 ,")
    monkeypatch.setenv("MATCHER_CORS_ORIGINS", "https://a.example,https://b.example")
    monkeypatch.delenv("MATCHER_API_KEYS_FILE", raising=False)
    settings = Settings()
    assert settings.load_api_keys() == (b"k-alpha-77", b"k-beta-88")
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert "k-alpha-77" not in repr(settings)


def test_keys_match_is_exact():
    keys = (b"alpha", b"beta")
    assert keys_match("beta", keys)
    assert not keys_match("bet", keys)
    assert not keys_match("betaa", keys)
    assert not keys_match(None, keys)


def test_cors_is_off_unless_origins_are_set():
    origin = {"Origin": "https://ui.example"}
    plain = TestClient(create_app(make_settings(executor="thread")))
    assert "access-control-allow-origin" not in plain.get("/healthz", headers=origin).headers
    cors = TestClient(
        create_app(make_settings(executor="thread", cors_origins=("https://ui.example",)))
    )
    response = cors.get("/healthz", headers=origin)
    assert response.headers["access-control-allow-origin"] == "https://ui.example"


# ----------------------------------------------------------------------------- timeouts


def test_parse_timeout_is_a_422_problem():
    settings = make_settings(parse_timeout=1e-6, executor="thread")
    with TestClient(create_app(settings)) as slow:
        response = slow.post("/v1/match/text", json={"text": resume_text()})
        body = assert_problem(response, 422, "parse_timeout")
        assert "1e-06 s" in body["detail"]


@pytest.mark.slow
def test_process_pool_serves_the_library_result(process_client):
    text = resume_text()
    response = process_client.post(
        "/v1/match",
        data={"reference_date": REF},
        files={"file": ("resume.txt", text.encode(), "text/plain")},
    )
    assert response.status_code == 200, response.text
    assert response.json() == library_result(text)
    unsupported = process_client.post(
        "/v1/match", files={"file": ("x.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")}
    )
    assert_problem(unsupported, 415, "unsupported_type")


@pytest.mark.slow
def test_worker_alarm_ends_a_long_parse_without_killing_the_pool(process_client):
    # A long resume and a 1 ms budget: the worker's own alarm fires mid-parse.
    executor = process_client.app.state.executor
    long_text = "\n\n".join([resume_text()] * 40)
    budget, executor.timeout = executor.timeout, 0.001
    try:
        response = process_client.post("/v1/match/text", json={"text": long_text})
    finally:
        executor.timeout = budget
    body = assert_problem(response, 422, "parse_timeout")
    assert "0.001 s" in body["detail"]
    assert executor.recycled == 0
    assert process_client.post("/v1/match/text", json={"text": "Python"}).status_code == 200


@pytest.mark.slow
def test_a_dead_worker_is_replaced_and_the_job_retried(process_client):
    executor = process_client.app.state.executor
    pool = executor._pool
    for process in list(pool._processes.values()):
        process.kill()
        process.join()
    response = process_client.post("/v1/match/text", json={"text": resume_text()})
    assert response.status_code == 200, response.text
    assert executor._pool is not pool
    assert executor.recycled >= 1


# ----------------------------------------------------------------------------- OpenAPI


def test_openapi_documents_every_error_response(client):
    schema = client.get("/openapi.json").json()
    assert "Problem" in schema["components"]["schemas"]
    expected = {
        ("/v1/match", "post"): {"200", "400", "401", "413", "415", "422", "503"},
        ("/v1/match/text", "post"): {"200", "400", "401", "413", "422", "503"},
        ("/v1/match/batch", "post"): {"200", "400", "401", "413", "422", "503"},
        ("/v1/taxonomy", "get"): {"200", "401", "503"},
        ("/v1/profiles", "get"): {"200", "401", "503"},
        ("/v1/profiles/{level}", "get"): {"200", "401", "404", "422", "503"},
        ("/healthz", "get"): {"200"},
        ("/readyz", "get"): {"200", "503"},
        ("/metrics", "get"): {"200", "401"},
    }
    paths = schema["paths"]
    assert {(p, m) for p, ops in paths.items() for m in ops} == set(expected)
    for (path, method), codes in expected.items():
        responses = paths[path][method]["responses"]
        assert codes | {"500"} == set(responses), (path, method, set(responses))
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                content = response["content"]
                assert PROBLEM_MEDIA_TYPE in content, (path, method, code)
    match_ok = paths["/v1/match"]["post"]["responses"]["200"]["content"]["application/json"]
    assert match_ok["schema"]["$ref"].endswith("/MatchResult")
    batch_ok = paths["/v1/match/batch"]["post"]["responses"]["200"]["content"]
    assert "application/x-ndjson" in batch_ok
    assert {"BatchSuccess", "BatchFailure"} <= set(schema["components"]["schemas"])
    assert "APIKeyHeader" in schema["components"]["securitySchemes"]


def test_openapi_lists_the_upload_options(client):
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/v1/match"]["post"]
    query = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    assert query == {"levels", "reference_date", "include_text"}
    body_ref = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    form = schema["components"]["schemas"][body_ref.rsplit("/", 1)[1]]["properties"]
    assert set(form) == {"file", "levels", "reference_date", "include_text", "profile"}


def test_docs_page_is_served(client):
    response = client.get("/docs")
    assert response.status_code == 200
    assert "swagger" in response.text.lower()


def test_every_library_error_code_has_a_documented_status():
    documented = (REPO_ROOT / "README.md").read_text("utf-8")
    for cls in error_classes():
        if cls.code.endswith("_error"):
            continue  # the abstract families (matcher_error, document_error ...) are never raised
        assert f"`{cls.code}`" in documented, cls.code


def test_every_setting_is_documented():
    documented = (REPO_ROOT / "README.md").read_text("utf-8")
    for name in Settings.model_fields:
        assert f"`MATCHER_{name.upper()}`" in documented, name


def test_split_levels():
    assert split_levels("junior, mid,,") == ("junior", "mid")
    assert split_levels(["senior"]) == ("senior",)
    assert split_levels(" , ") is None
    assert split_levels(None) is None


def test_reference_date_defaults_to_today(client):
    response = client.post("/v1/match/text", json={"text": resume_text()})
    assert response.json()["reference_date"] == date.today().isoformat()


def test_unexpected_errors_are_a_500_problem_without_the_message():
    app = create_app(make_settings(executor="thread"))

    async def explode() -> None:
        raise RuntimeError(MARKER)

    app.add_api_route("/explode", explode)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("api").addHandler(handler)
    try:
        response = TestClient(app).get("/explode", headers={"X-Request-ID": "boom-1"})
    finally:
        logging.getLogger("api").removeHandler(handler)
    body = assert_problem(response, 500, "internal_error")
    assert body["request_id"] == "boom-1"
    assert MARKER not in response.text
    messages = [record.getMessage() for record in records]
    assert any("RuntimeError" in m and "boom-1" in m for m in messages)
    assert all(MARKER not in m for m in messages)
    assert any("route=/explode status=500" in m and "outcome=internal_error" in m for m in messages)


def test_cors_preflight_needs_no_key_but_the_request_does():
    settings = make_settings(
        executor="thread", api_keys=(KEY,), cors_origins=("https://ui.example",)
    )
    app_client = TestClient(create_app(settings))
    preflight = app_client.options(
        "/v1/match/text",
        headers={
            "Origin": "https://ui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-api-key, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://ui.example"
    assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
    refused = app_client.post(
        "/v1/match/text", json={"text": "x"}, headers={"Origin": "https://ui.example"}
    )
    assert_problem(refused, 401, "unauthorized")
    # The browser can read the refusal: CORS headers are on error responses too.
    assert refused.headers["access-control-allow-origin"] == "https://ui.example"
