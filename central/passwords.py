"""Staff passwords: scrypt (hashlib's, from OpenSSL), a random salt per password, kept as
`scrypt$<n>$<r>$<p>$<salt>$<hash>` (base64) so that stronger parameters can come later and the
old hashes still check."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

# About 50 ms and 16 MiB per check on the development machine: slow for a guesser, quick for a login.
N, R, P = 2**14, 8, 1
MIN_LENGTH = 10
MAX_LENGTH = 1024


class PasswordError(ValueError):
    pass


def check_new_password(password: str) -> None:
    """A password staff may choose; PasswordError says what is wrong."""
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"the password is too short: at least {MIN_LENGTH} characters (a few words work well)")
    if len(password) > MAX_LENGTH:
        raise PasswordError(f"the password is too long: at most {MAX_LENGTH} characters")
    if password != password.strip():
        raise PasswordError("the password starts or ends with a space (a copy-and-paste slip?)")


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, maxmem=64 * 1024 * 1024, dklen=32)
    return "$".join(["scrypt", str(N), str(R), str(P), _b64(salt), _b64(digest)])


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode("utf-8", "surrogateescape"), salt=base64.b64decode(salt), n=int(n),
                             r=int(r), p=int(p), maxmem=64 * 1024 * 1024, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


@functools.cache
def _dummy() -> str:
    return hash_password("not a password of anyone's")


def waste_a_check(password: str) -> None:
    """A check against nobody's hash: a login for an unknown user takes as long as one for a
    known user, so the time does not tell which users exist."""
    password_matches(password, _dummy())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
