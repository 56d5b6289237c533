"""Kiosk tokens: random, shown once, kept only as a hash.

A SHA-256 of the token is enough (no salt, no slow hash): the token is 256 random bits, so
there is nothing to guess, and a stolen database gives no token that works.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    # surrogateescape: a header may carry any byte; a token that cannot be encoded is just unknown.
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()
