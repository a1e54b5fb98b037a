"""Request id, access log and request metrics, as the outermost ASGI layer.

The access log records who-what-how-long, never content: request id, method, route template,
status, body size, content type, duration and the problem code on failure. Route templates
(``/v1/profiles/{level}``) rather than raw paths keep both the log and the metrics free of
arbitrary client strings.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import ApiMetrics
from api.problems import internal_error_response, log_unexpected

__all__ = ["RequestContextMiddleware", "route_label"]

access_logger = logging.getLogger("api.access")
REQUEST_ID_HEADER = "x-request-id"
# A client-chosen id is echoed only if it looks like an id, so logs cannot be forged or flooded.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id_for(scope: Scope) -> str:
    offered = Headers(scope=scope).get(REQUEST_ID_HEADER)
    if offered is not None and _SAFE_REQUEST_ID.match(offered):
        return offered
    return uuid.uuid4().hex


def route_label(scope: Scope) -> str:
    """The matched route's template; 'unmatched' for 404s, so clients cannot add labels."""
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    if scope.get("endpoint") is not None:
        # FastAPI records only its API routes in scope["route"]; the others it serves
        # (/docs, /openapi.json) have fixed paths without parameters.
        return str(scope["path"])
    return "unmatched"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_for(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        response_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send_with_id(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except Exception as exc:
            # Answered here, not re-raised: the server's own error log would print the
            # exception message, which could quote document text.
            log_unexpected(exc, request_id)
            state["problem_code"] = "internal_error"
            if not response_started:
                await internal_error_response(request_id)(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route_label(scope)
            self.metrics.observe_request(route, scope["method"], status, elapsed)
            content_type = Headers(scope=scope).get("content-type", "-").split(";", 1)[0]
            outcome = state.get("problem_code") or ("ok" if status < 400 else f"http_{status}")
            access_logger.info(
                "request_id=%s method=%s route=%s status=%d bytes_in=%d content_type=%s "
                "duration_ms=%.1f outcome=%s",
                request_id,
                scope["method"],
                route,
                status,
                received,
                content_type,
                elapsed * 1000,
                outcome,
            )
