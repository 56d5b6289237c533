"""Kiosk tokens: random, shown once, kept only as a hash.

A SHA-256 of the token is enough (no salt, no slow hash): the token is 256 random bits, so
there is nothing to guess, and a stolen database gives no token that works.
"""

from __future__ import annotations

import secrets

from kiosk.core.handoff import token_digest


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the central keeps of a token; the kiosk's hand-off key is derived from it, too."""
    return token_digest(token)
