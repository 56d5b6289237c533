"""What protects the phone pages: CSRF tokens, rate limits, security headers.

CSRF: a random cookie (HttpOnly, SameSite=Strict, Secure behind https) and, in every form, an
HMAC of it under the central's secret; a POST whose field does not match its cookie is
refused. No session, no login: the cookie identifies nothing but the browser's own forms.

Rate limits: a sliding count per hand-off and per address in memory (one process; a few
hundred phones a day). Generous per address, as a whole StadtLABOR's visitors may share the
city's Wi-Fi and one public address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

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
    """At most `limit` events per `window_s` per key, counted in the central's database
    (CentralDb.rate_hit), so that every worker of the central counts against the same window.
    `hit(db, key)` says how many seconds to wait (0: go)."""

    def __init__(self, name: str, limit: int, window_s: float):
        self.name, self.limit, self.window_s = name, limit, window_s

    def hit(self, db, key: str) -> int:
        return db.rate_hit(f"{self.name}:{key}", self.limit, self.window_s)
