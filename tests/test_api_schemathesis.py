"""Property-based tests of the HTTP API from its own OpenAPI description (schemathesis).

Every operation gets generated requests, valid and not; whatever arrives, the service must never
answer 500, never answer a status its OpenAPI does not document, and every documented response
must match its schema and content type. Requests go through the in-process TestClient (no
socket at all), with matching in a thread and parsing in the sandbox, as in production.
``API_FUZZ_EXAMPLES=500 pytest tests/test_api_schemathesis.py`` runs a longer campaign.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app  # noqa: E402
from api.settings import Settings  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

APP = create_app(
    Settings(
        executor="thread",
        pool_size=1,
        parse_timeout=10.0,
        api_keys=(),
        api_keys_file=None,
        cors_origins=(),
        max_upload_bytes=1024 * 1024,
        max_batch_files=3,
    )
)
schema = schemathesis.openapi.from_dict(APP.openapi())
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def httpx_files(files: list[tuple[str, object]]) -> list[tuple[str, tuple[object, ...]]]:
    """schemathesis builds ``requests``-style file fields; httpx needs bytes for each content."""
    converted = []
    for name, value in files:
        filename, content, *rest = value if isinstance(value, tuple) else (None, value)
        if isinstance(content, str):
            content = content.encode()
        elif not isinstance(content, bytes | bytearray):
            content = str(content).encode()
        converted.append((name, (filename, content, *rest)))
    return converted


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(APP, raise_server_exceptions=False) as test_client:
        yield test_client


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_openapi_and_never_fails_with_500(case, client):
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    kwargs["headers"] = dict(kwargs["headers"])
    if kwargs.get("files"):
        kwargs["files"] = httpx_files(kwargs["files"])
    if isinstance(kwargs.get("data"), bytes | str):  # a raw body: httpx calls it content
        kwargs["content"] = kwargs.pop("data")
    if kwargs.pop("cookies", None):  # the API reads no cookie; httpx wants them on the client
        pytest.fail("the API declares no cookie parameter")
    response = client.request(**kwargs)
    response.request.read()  # multipart bodies are streamed; schemathesis reports them
    case.validate_response(response, checks=CHECKS)


def test_every_documented_operation_is_exercised():
    """The parametrized test above covers every operation of the published schema."""
    operations = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert ("POST", "/v1/match") in operations
    assert ("POST", "/v1/match/batch") in operations
    assert len(operations) >= 6
