"""Staff logins: a session cookie (HttpOnly, SameSite=Strict, Secure behind https, 8 hours),
kept at the central as the SHA-256 of its value; 5 failed logins in a row lock the user for
15 minutes; every form carries a CSRF token tied to the session (or, for the login form, to a
cookie of its own)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from kiosk.core.clock import utc_now, utc_text

SESSION_COOKIE = "stadtlabor_staff"
LOGIN_COOKIE = "stadtlabor_login"
SESSION_HOURS = 8
LOCK_AFTER = 5
LOCK_MINUTES = 15


def new_secret_value() -> str:
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()


def csrf_for(secret: bytes, value: str) -> str:
    return hmac.new(secret, b"staff:" + value.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()[:32]


def csrf_ok(secret: bytes, value: str | None, sent: str | None) -> bool:
    return bool(value) and bool(sent) and len(value) <= 100 and hmac.compare_digest(csrf_for(secret, value), sent)


def now_text() -> str:
    return utc_text(utc_now())


def later_text(**delta) -> str:
    return utc_text(utc_now() + dt.timedelta(**delta))
