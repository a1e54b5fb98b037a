"""RFC 9457 problem details: one schema, one builder, one handler per error family.

Every error response of the service is ``application/problem+json`` with a stable ``type`` URI
ending in the error ``code`` (the same codes as ``matcher.errors`` and the CLI's error records).
Nothing here ever copies request content into a response or a log line: resumes are personal data.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from matcher.errors import DocumentError, MatcherError

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_TYPE_BASE",
    "FieldProblem",
    "Problem",
    "install_problem_handlers",
    "internal_error_response",
    "log_unexpected",
    "problem_response",
    "problem_responses",
    "problem_type",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://ml-role-matcher.dev/problems/"
logger = logging.getLogger("api.problems")

# Codes for errors the HTTP layer raises itself (the library's codes come from matcher.errors).
HTTP_CODES: Mapping[int, tuple[str, str]] = {
    400: ("bad_request", "Bad request"),
    401: ("unauthorized", "Missing or invalid API key"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    413: ("too_large", "Request too large"),
    415: ("unsupported_type", "Unsupported media type"),
    422: ("invalid_request", "Invalid request"),
    500: ("internal_error", "Internal server error"),
    503: ("not_ready", "Service not ready"),
}


class FieldProblem(BaseModel):
    """Where a request failed validation; never the offending value itself."""

    loc: tuple[str | int, ...] = Field(description="Path to the field, e.g. ['query', 'levels'].")
    msg: str
    type: str = Field(description="Pydantic error type, e.g. 'date_from_datetime_parsing'.")


class Problem(BaseModel):
    """RFC 9457 problem details, extended with a stable ``code``."""

    type: str = Field(
        description="URI naming the problem kind: " + PROBLEM_TYPE_BASE + "<code>.",
        examples=[PROBLEM_TYPE_BASE + "no_text_layer"],
    )
    title: str = Field(description="Short, stable summary of the problem kind.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong with this request and what to do about it.")
    code: str = Field(description="Machine-readable error code (same as the CLI's error records).")
    request_id: str | None = Field(None, description="Echo of X-Request-ID, for support requests.")
    errors: tuple[FieldProblem, ...] | None = Field(
        None, description="Validation failures (only for code 'invalid_request')."
    )


def problem_type(code: str) -> str:
    return PROBLEM_TYPE_BASE + code


def problem_response(
    status: int,
    code: str,
    *,
    title: str | None = None,
    detail: str | None = None,
    request_id: str | None = None,
    errors: tuple[FieldProblem, ...] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Build a problem+json response (usable from middleware, where handlers do not run)."""
    fallback_title = HTTP_CODES.get(status, (code, HTTPStatus(status).phrase))[1]
    problem = Problem(
        type=problem_type(code),
        title=title or fallback_title,
        status=status,
        detail=detail or title or fallback_title,
        code=code,
        request_id=request_id,
        errors=errors,
    )
    return Response(
        content=problem.model_dump_json(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting the given problem statuses."""
    return {
        status: {
            "model": Problem,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            "description": _describe(status),
        }
        for status in statuses
    }


def _describe(status: int) -> str:
    descriptions = {
        400: "Invalid option or custom profile (code invalid_option, profile_invalid).",
        401: "API key missing or wrong (only when the service requires keys).",
        404: "Unknown resource.",
        413: "Upload or request body over the configured limit (code too_large).",
        415: "File type not supported or not matching its content.",
        422: (
            "Unreadable document (empty_document, encrypted, no_text_layer, malformed, "
            "bad_encoding, resource_limit, parse_timeout) or invalid request fields "
            "(invalid_request)."
        ),
        500: "Unexpected server failure (code internal_error); quote the request_id.",
        503: "The matcher is not loaded yet or is shutting down.",
    }
    return descriptions.get(status, HTTPStatus(status).phrase)


def request_id_of(request: Request) -> str | None:
    value = getattr(request.state, "request_id", None)
    return value if isinstance(value, str) else None


def _mark(request: Request, code: str) -> None:
    # The access-log middleware reads this to log the outcome without logging any content.
    request.state.problem_code = code


async def matcher_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MatcherError)
    _mark(request, exc.code)
    if isinstance(exc, DocumentError):
        metrics = getattr(request.app.state, "metrics", None)
        if metrics is not None:
            metrics.parse_failures.inc((exc.code,))
    return problem_response(
        exc.http_status,
        exc.code,
        title=exc.title,
        detail=exc.message,
        request_id=request_id_of(request),
    )


def validation_problems(exc: RequestValidationError) -> tuple[FieldProblem, ...]:
    """Locations and messages only: pydantic's ``input`` and ``ctx`` would echo personal data."""
    return tuple(
        FieldProblem(
            loc=tuple(part if isinstance(part, int) else str(part) for part in err.get("loc", ())),
            msg=str(err.get("msg", "invalid value")),
            type=str(err.get("type", "value_error")),
        )
        for err in exc.errors()
    )


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = validation_problems(exc)
    _mark(request, "invalid_request")
    fields = ", ".join(".".join(str(p) for p in problem.loc) for problem in problems)
    return problem_response(
        422,
        "invalid_request",
        detail=f"the request has invalid or missing fields: {fields}",
        request_id=request_id_of(request),
        errors=problems,
    )


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code, title = HTTP_CODES.get(
        exc.status_code, ("http_error", HTTPStatus(exc.status_code).phrase)
    )
    _mark(request, code)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else title
    return problem_response(
        exc.status_code,
        code,
        title=title,
        detail=detail,
        request_id=request_id_of(request),
        headers=exc.headers,
    )


def log_unexpected(exc: BaseException, request_id: str | None) -> None:
    """Log an unexpected failure with its frames only: the message could quote document text."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    logger.error("unhandled %s request_id=%s\n%s", type(exc).__name__, request_id, frames)


def internal_error_response(request_id: str | None) -> Response:
    return problem_response(
        500,
        "internal_error",
        detail="the server failed unexpectedly; retry later or report the request id",
        request_id=request_id,
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Route every error family through problem+json."""
    app.add_exception_handler(MatcherError, matcher_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    # Anything else is answered by RequestContextMiddleware (see internal_error_response).
