"""ASGI middleware: request ids, security headers and the last-resort 500 (``Guard``); the body
size limit and the time allowed to send a body (``BodyLimit``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid

log = logging.getLogger("homeml.serve")
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")


class Guard:
    """Give every request an id (the ``X-Request-ID`` header of its answer: the one a proxy
    sent, if it is a short token, else a new one), add ``X-Content-Type-Options: nosniff`` to
    every answer, and turn any unexpected exception into a JSON 500 naming the request id, with
    the traceback in the server's log only.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"")
        request_id = given.decode() if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"x-content-type-options", b"x-request-id")
                ]
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-request-id", request_id.encode()),
                ]
                message = dict(message, headers=headers)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:  # the last resort: a bug must not show a traceback to the client
            log.exception("request %s (%s %s) failed", request_id, scope["method"], scope["path"])
            if started:  # the answer is half sent: all that is left is to cut it short
                raise
            await answer(
                send_with_headers,
                500,
                f"internal server error (request id {request_id}); the server's log has details",
                extra={"request_id": request_id},
            )


class BodyLimit:
    """413 for a body over ``max_body`` bytes, whether it says so in Content-Length or not
    (chunked uploads, or a header that lies); 408 for a body not received within
    ``read_timeout`` seconds (a client that sends half a request and waits).
    """

    def __init__(self, app, max_body: int, read_timeout: float = 10.0):
        self.app, self.max_body, self.read_timeout = app, max_body, read_timeout

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body
            except ValueError:
                return await answer(send, 400, "invalid Content-Length header")
            if too_big:
                return await answer(send, 413, self._too_big())
        # read the whole body (at most max_body bytes) before the app sees it, then replay it
        chunks, size, more = [], 0, True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.read_timeout
        while more:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                return await answer(
                    send,
                    408,
                    f"request body not received within {self.read_timeout:g} s",
                    close=True,
                )
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return await answer(send, 413, self._too_big())
            chunks.append(chunk)
            more = message.get("more_body", False)
        body, sent = b"".join(chunks), False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_big(self):
        return f"request body larger than the limit of {self.max_body} bytes"


async def answer(send, status: int, detail: str, extra: dict | None = None, close=False):
    """Send a JSON error answer ``{"detail": ...}`` straight to the ASGI server."""
    body = json.dumps({"detail": detail, **(extra or {})}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
