"""A fault-injecting HTTP proxy between a kiosk and a real central, on 127.0.0.1.

The kiosk's central_url points at the proxy; each request is forwarded to the central or met
with a fault, chosen by `proxy.fault` (a function of the request's number and path, so a test
can fail every other batch) or a fixed mode:

- "pass":       forwarded, answered as the central answered
- "down":       the connection is closed at once, nothing read or answered
- "error500":   answered 500 by the proxy, nothing forwarded
- "drop":       forwarded (the central commits), then the connection is closed without an answer
- "captive":    answered 200 with a captive portal's HTML page, nothing forwarded
- "blackhole":  read, never answered (until the proxy stops)
- "busy":       answered 429 with Retry-After: `retry_after`, nothing forwarded
"""

from __future__ import annotations

import http.client
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import urlsplit

CAPTIVE_PAGE = (b"<!DOCTYPE html><html><head><title>WLAN Anmeldung</title></head><body>"
                b"<h1>Willkommen im Gast-WLAN</h1><form><input type=checkbox> AGB akzeptieren</form>"
                b"</body></html>")
MODES = ("pass", "down", "error500", "drop", "captive", "blackhole", "busy")


class FaultProxy:
    def __init__(self, central_url: str):
        target = urlsplit(central_url)
        self.target = (target.hostname, target.port)
        self.fault: Callable[[int, str], str] = lambda number, path: "pass"
        self.retry_after = "2"
        self.requests: list[tuple[str, str, str]] = []  # (method, path, mode) in order
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                proxy._handle(self)

            def do_POST(self):
                proxy._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)

    def start(self) -> "FaultProxy":
        self._thread.start()
        return self

    def set_mode(self, mode: str) -> None:
        assert mode in MODES, mode
        self.fault = lambda number, path: mode

    def count(self, path_part: str = "", mode: str | None = None) -> int:
        with self._lock:
            return sum(1 for _, path, m in self.requests if path_part in path and (mode is None or m == mode))

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- one request -------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            number = len(self.requests)
            mode = self.fault(number, handler.path)
            self.requests.append((handler.command, handler.path, mode))
        if mode == "down":
            _abort(handler)
            return
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        if mode == "blackhole":
            self._stopping.wait()
            _abort(handler)
        elif mode == "error500":
            _answer(handler, 500, "text/plain", b"Internal Server Error")
        elif mode == "captive":
            _answer(handler, 200, "text/html; charset=utf-8", CAPTIVE_PAGE)
        elif mode == "busy":
            _answer(handler, 429, "text/plain", b"Too Many Requests", {"Retry-After": self.retry_after})
        else:
            status, headers, answer = self._forward(handler, body)
            if mode == "drop":
                _abort(handler)
            else:
                retry_after = headers.get("Retry-After")
                _answer(handler, status, headers.get("Content-Type", ""), answer,
                        {"Retry-After": retry_after} if retry_after else None)

    def _forward(self, handler, body: bytes):
        connection = http.client.HTTPConnection(*self.target, timeout=60)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "connection")}
            connection.request(handler.command, handler.path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.headers, response.read()  # headers: case-insensitive
        except OSError as error:  # the central is down behind the proxy: the gateway's answer
            return 502, {"Content-Type": "text/plain"}, f"Bad Gateway: {error}".encode()
        finally:
            connection.close()


def _answer(handler, status: int, content_type: str, body: bytes, extra: dict | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for key, value in (extra or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(body)


def _abort(handler) -> None:
    handler.close_connection = True
    try:
        handler.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
