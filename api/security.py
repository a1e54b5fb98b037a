"""Checks that run before a request body is read: API key and body size.

Both are plain ASGI middleware so they act on the request line and headers alone: a client
without a key, or with a body over the limit, is answered before a byte of the body is
accepted. Bodies without Content-Length (chunked) are counted as they arrive and cut off at
the limit.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Collection

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem_response

__all__ = ["ApiKeyMiddleware", "BodyLimitMiddleware", "BodyTooLarge", "keys_match"]

API_KEY_HEADER = "x-api-key"


def _request_id(scope: Scope) -> str | None:
    value = scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else None


def keys_match(presented: str | None, keys: Collection[bytes]) -> bool:
    """Constant-time comparison against every key, so timing reveals neither key nor index."""
    if presented is None:
        return False
    candidate = presented.encode("utf-8", "surrogateescape")
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(candidate, key)
    return matched


class ApiKeyMiddleware:
    """Reject requests without a valid X-API-Key, except on ``open_paths``."""

    def __init__(self, app: ASGIApp, *, keys: Collection[bytes], open_paths: Collection[str]):
        self.app = app
        self.keys = tuple(keys)
        self.open_paths = frozenset(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.keys or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        if keys_match(Headers(scope=scope).get(API_KEY_HEADER), self.keys):
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})["problem_code"] = "unauthorized"
        response = problem_response(
            401,
            "unauthorized",
            detail="send a valid API key in the X-API-Key header",
            request_id=_request_id(scope),
            # Closing spares the server from reading a body nobody is allowed to send.
            headers={"WWW-Authenticate": 'APIKey header="X-API-Key"', "Connection": "close"},
        )
        await response(scope, receive, send)


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a streamed body passes the limit.

    An HTTPException, so FastAPI's body parsing passes it through unchanged to the problem
    handler instead of wrapping it as a generic 400.
    """

    def __init__(self, limit: int) -> None:
        # Connection: close tells the server to stop reading the rest of the body instead of
        # draining it to keep the connection alive.
        super().__init__(413, detail=_too_large_detail(limit), headers={"Connection": "close"})


def _too_large_detail(limit: int) -> str:
    if limit >= 1024 * 1024:
        size = f"{limit / (1024 * 1024):.1f} MB"
    else:
        size = f"{limit} bytes"
    return f"the request body is over the {size} limit: send a smaller file or fewer files"


class BodyLimitMiddleware:
    """Answer 413 for bodies over ``limit_for(path)`` bytes, declared or streamed."""

    def __init__(self, app: ASGIApp, *, limit_for: Callable[[str], int]):
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._reject(scope, receive, send, limit)
            return

        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            # Normally the app's HTTPException handler answers; this covers code paths
            # that read the body outside the framework's handlers.
            if response_started:
                raise
            await self._reject(scope, receive, send, limit)

    async def _reject(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        scope.setdefault("state", {})["problem_code"] = "too_large"
        response = problem_response(
            413,
            "too_large",
            title="Request too large",
            detail=_too_large_detail(limit),
            request_id=_request_id(scope),
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None
