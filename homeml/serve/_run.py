"""Running the server: uvicorn with the limits of ``homeml serve`` (see docs/serving-limits.md).

uvicorn closes a connection that stays idle after an answer (``timeout_keep_alive``) but waits
forever for the headers of a request; :class:`TimedH11Protocol` closes a connection whose
request headers are not complete ``read_timeout`` seconds after it opened or after its last
answer (a client that opens connections and trickles bytes would otherwise hold them all).
The body has the same time, counted by :class:`homeml.serve._middleware.BodyLimit`.
"""

from __future__ import annotations

import asyncio
import functools
import os
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_READ_TIMEOUT = 10.0
DEFAULT_KEEP_ALIVE = 5


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's headers."""

    def __init__(self, *args, read_timeout: float = DEFAULT_READ_TIMEOUT, **kwargs):
        super().__init__(*args, **kwargs)
        self.read_timeout = read_timeout
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm_header_timer()

    def on_response_complete(self) -> None:
        # the next request on this connection gets the same time (armed first: the parent
        # handles an already received next request, which then cancels it)
        self._arm_header_timer()
        super().on_response_complete()

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE and self._header_timer is not None:
            self._header_timer.cancel()  # the headers are in
            self._header_timer = None

    def connection_lost(self, exc) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        self._header_timer = self.loop.call_later(self.read_timeout, self._headers_too_slow)

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def run(
    path,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    max_body: int = 1_000_000,
    limit_concurrency: int | None = None,
    timeout_keep_alive: int = DEFAULT_KEEP_ALIVE,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
) -> None:
    """Check the model at ``path`` and serve it until interrupted.

    Parameters
    ----------
    path : str or Path
        A model file, or a run folder holding ``model.safetensors``.
    host, port : str, int
        Where to listen.
    workers : int
        Processes; each loads and checks the model itself.
    max_body : int
        Largest request body, in bytes (413 above).
    limit_concurrency : int, optional
        Connections and requests in progress at most; further requests get 503 at once.
    timeout_keep_alive : int
        Seconds an idle connection is kept open after an answer.
    read_timeout : float
        Seconds allowed for a request's headers, and again for its body (408).

    Raises
    ------
    ValueError
        If the model cannot be served (the message says why); nothing listens then.
    """
    import uvicorn

    from homeml.serve import create_app, resolve_path

    path = resolve_path(path)
    # a bad file or a model that fails its check stops here, before anything listens
    app: Any = create_app(path, max_body=max_body, read_timeout=read_timeout)  # or its import path
    if workers > 1:  # separate processes: each builds its app from the environment
        os.environ["HOMEML_SERVE_PATH"] = str(path)
        os.environ["HOMEML_SERVE_MAX_BODY"] = str(max_body)
        os.environ["HOMEML_SERVE_READ_TIMEOUT"] = str(read_timeout)
        app = "homeml.serve._factory:app"
    uvicorn.run(
        app,
        factory=workers > 1,
        host=host,
        port=port,
        workers=workers,
        # (uvicorn accepts a protocol factory; its annotation names classes only)
        http=functools.partial(TimedH11Protocol, read_timeout=read_timeout),  # type: ignore[arg-type]
        limit_concurrency=limit_concurrency,
        timeout_keep_alive=timeout_keep_alive,
        log_level="info",
    )
