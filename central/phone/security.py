"""What protects the phone pages: CSRF tokens, rate limits, security headers.

CSRF: a random cookie (HttpOnly, SameSite=Strict, Secure behind https) and, in every form, an
HMAC of it under the central's secret; a POST whose field does not match its cookie is
refused. No session, no login: the cookie identifies nothing but the browser's own forms.

Rate limits: a sliding count per hand-off and per address in memory (one process; a few
hundred phones a day). Generous per address, as a whole StadtLABOR's visitors may share the
city's Wi-Fi and one public address.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import secrets
import threading
import time

CSRF_COOKIE = "stadtlabor_form"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def new_cookie_value() -> str:
    return secrets.token_urlsafe(24)


def form_token(secret: bytes, cookie: str) -> str:
    return hmac.new(secret, cookie.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()[:32]


def form_token_ok(secret: bytes, cookie: str | None, sent: str | None) -> bool:
    if not cookie or not sent or len(cookie) > 100:
        return False
    return hmac.compare_digest(form_token(secret, cookie), sent)


class RateLimit:
    """At most `limit` events per `window_s` per key; `hit` says how long to wait (0: go)."""

    def __init__(self, limit: int, window_s: float, clock=time.monotonic):
        self.limit, self.window_s, self._clock = limit, window_s, clock
        self._events: dict[str, collections.deque] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int:
        now = self._clock()
        with self._lock:
            if len(self._events) > 100_000:  # a flood of keys: forget the idle ones
                self._events = {k: q for k, q in self._events.items() if q and now - q[-1] < self.window_s}
            events = self._events.setdefault(key, collections.deque())
            while events and now - events[0] >= self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                return max(1, int(self.window_s - (now - events[0])) + 1)
            events.append(now)
            return 0
