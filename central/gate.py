"""The door every push passes before the app sees it: load shedding, content type, body size.

Pure ASGI, so it runs before FastAPI reads a byte of the body:
- more pushes in flight than `max_concurrent_pushes`: 429 with a fixed Retry-After (the
  kiosk adds full jitter to it, so a fixed value here does not make them return together);
- a body that is not declared JSON: 415;
- a body over the limit: 413, whether it says so in Content-Length or not (a chunked body is
  counted while it is read, and reading stops at the limit, so no body larger than the limit
  is ever held in memory).
The body that passed is handed on to the app as one message (and kept in the scope, for the
records' endpoint, which parses it itself); pushes then take turns, PUSHES_WORKING at a time.
Every answer to a push carries Server-Timing: its time in the central.
"""

from __future__ import annotations

import asyncio
import time

from sync.protocol import HEARTBEAT_PATH, MAX_BATCH_BYTES, RECORDS_PATH

from .answers import error_response
from .push_slots import slots_for

# Pushes in the threadpool at once (the rest wait, read, on the event loop).
PUSHES_WORKING = 8
# Where the body that passed is kept in the request's scope, for an endpoint that parses it
# itself (the records' batch, in the threadpool).
BODY_KEY = "central.body"
# Heartbeats are a few hundred bytes; anything near this is not a heartbeat.
MAX_SMALL_BODY_BYTES = 64 * 1024
BODY_LIMITS = {RECORDS_PATH: MAX_BATCH_BYTES, HEARTBEAT_PATH: MAX_SMALL_BODY_BYTES}


# A refused body is read on (and dropped) up to this much before the answer: a client still
# sending when the server answers and closes gets "connection reset" instead of the 413.
# Beyond it the connection is closed: nobody is owed a read of an endless body.
DRAIN_BYTES = 4 * MAX_BATCH_BYTES


class TooLarge(Exception):
    def __init__(self, read_whole: bool):
        super().__init__("the body is over the limit")
        self.read_whole = read_whole  # the message past the limit was the body's last


class PushGate:
    def __init__(self, app, *, max_concurrent_pushes: int, retry_after_s: int):
        self.app = app
        self.max_concurrent_pushes = max_concurrent_pushes
        self.retry_after_s = retry_after_s
        # The places for pushes in flight: this process's, or shared by serve's workers.
        self.slots = slots_for(max_concurrent_pushes)
        self._working = asyncio.Semaphore(PUSHES_WORKING)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in BODY_LIMITS:
            await self.app(scope, receive, send)
            return
        is_push = scope["path"] == RECORDS_PATH
        place = self.slots.take() if is_push else None
        if is_push and place is None:
            # Read on (and dropped, bounded) so that the kiosk gets the 429 and its Retry-After,
            # not a connection reset while it is still sending.
            await _drain(receive, _declared_length(scope))
            await _answer(scope, receive, send, error_response(
                429, "busy", f"the central is handling {self.max_concurrent_pushes} pushes, its most at once; "
                f"try again in about {self.retry_after_s} s", {"Retry-After": str(self.retry_after_s)}))
            return
        if is_push:
            send = _with_server_timing(send, time.perf_counter())
        try:
            await self._checked(scope, receive, send, BODY_LIMITS[scope["path"]])
        finally:
            if is_push:
                self.slots.give(place)

    async def _checked(self, scope, receive, send, limit: int):
        headers = {name.lower(): value for name, value in scope["headers"]}
        content_type = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        if content_type != "application/json":
            shown = f"'{content_type}'" if content_type else "no content type"
            await _answer(scope, receive, send, error_response(
                415, "not_json", f"the body must be JSON sent as Content-Type: application/json, not {shown}"))
            return
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _drain(receive, int(declared) if declared.isdigit() else 0)
            await _answer(scope, receive, send, _too_large(limit))
            return
        try:
            body = await _read_body(receive, limit)
        except TooLarge as too_large:
            if not too_large.read_whole:
                await _drain(receive, DRAIN_BYTES)
            await _answer(scope, receive, send, _too_large(limit))
            return
        if body is None:
            return  # the client went away while sending
        scope[BODY_KEY] = body
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: only a disconnect can come

        if scope["path"] == RECORDS_PATH:
            # Read pushes wait here, on the event loop, for their turn: a few at a time go to
            # the threadpool (one checks while another is in SQLite), not twenty threads
            # fighting over one GIL, which costs a third more CPU per batch.
            async with self._working:
                await self.app(scope, replay, send)
        else:
            await self.app(scope, replay, send)


def _with_server_timing(send, started: float):
    """`send` that adds Server-Timing (the push's time in the central, from its first byte read
    to its answer) to the answer: benchmarks and staff tell the central's time from the network's."""

    async def timed(message):
        if message["type"] == "http.response.start":
            took_ms = (time.perf_counter() - started) * 1000
            message = {**message, "headers": [*message.get("headers", []),
                                              (b"server-timing", f"central;dur={took_ms:.1f}".encode())]}
        await send(message)

    return timed


async def _read_body(receive, limit: int) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise TooLarge(read_whole=not message.get("more_body", False))
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _declared_length(scope) -> int:
    for name, value in scope["headers"]:
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


async def _drain(receive, declared: int) -> None:
    if declared > DRAIN_BYTES:
        return
    size = 0
    while size <= DRAIN_BYTES:
        message = await receive()
        if message["type"] == "http.disconnect" or not message.get("more_body", False):
            return
        size += len(message.get("body", b""))


def _too_large(limit: int):
    return error_response(413, "too_large", f"the body is over {limit:,} bytes; send fewer records per batch "
                          f"(a batch is at most {limit:,} bytes)")


async def _answer(scope, receive, send, response) -> None:
    await response(scope, receive, send)
