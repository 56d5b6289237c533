"""The addresses the kiosk's QR codes carry to a visitor's phone, and the hand-off in them.

A hand-off lets a visitor carry on at home, on their own phone, without an account: the QR
code's address ends in `&h=<token>`, a compact token signed by the kiosk that says which kiosk
made it, a random hand-off id (one per visitor session: the phone may vote once per poll with
it), the language, the exhibits marked "Mitnehmen", and until when it holds. Nothing personal.
It works although the kiosk was offline when it made it: the token alone carries what the
phone pages need.

The key: derived from the kiosk's `[sync] token` (from `kiosk-central add-kiosk`) through the
token's SHA-256, which is what the central keeps of it. So connecting a kiosk stays one secret
in one place, and a new token (add-kiosk --rotate) ends the hand-offs made with the old one.

The token, base64url without padding, of these bytes:

    version (1) | expires_at, Unix seconds (4) | hand-off id (6) | layer (1)
    | catalog digest (2) | bitmap length n (1) | bitmap (n) | kiosk id length k (1) | kiosk id (k)
    | HMAC-SHA256 of all the above, first 10 bytes

The marked exhibits are bits over the content's exhibit ids sorted ("the catalog"), and the
catalog's digest says which list that was: a phone page whose content has other exhibits
says that it cannot show the list, instead of showing wrong ones. With the shipped content a
token is 48 characters and an exhibit's address fits a QR code of version 7 at level M.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable
from urllib.parse import quote

from .terms import LAYERS

if TYPE_CHECKING:
    from .config import Config
    from .content_loader import LoadedContent
    from .visit import Session

HANDOFF_VERSION = 1
DEFAULT_VALID_S = 2 * 3600
_MAC_BYTES = 10
_ID_BYTES = 6
_HEAD = struct.Struct("!BI6sB2sB")  # version, expires_at, hand-off id, layer, catalog digest, bitmap length
_KEY_PURPOSE = b"stadtlabor hand-off v1"
MAX_KIOSK_ID_BYTES = 64


def phone_url(public_url: str, exhibit_id: str, layer: str, handoff: str | None = None) -> str:
    """The exhibit's phone page in the language the visitor was reading, with the visit's
    hand-off token when there is one."""
    if layer not in LAYERS:
        raise ValueError(f"language layer {layer!r} is not one of {', '.join(LAYERS)}")
    # safe="": an id is one path segment; a slash or ? in it must not change the address.
    url = f"{public_url.rstrip('/')}/m/{quote(exhibit_id, safe='')}?lang={layer}"
    return url + f"&h={handoff}" if handoff else url


def event_url(registration_url: str) -> str:
    """Event registration happens on the organiser's own page, so the QR code carries it as is."""
    return registration_url


def token_digest(token: str) -> str:
    """The SHA-256 of a kiosk's token, as hex: what the central keeps of it."""
    # surrogateescape: a header may carry any byte; a token that cannot be encoded is just unknown.
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def handoff_key(digest: str) -> bytes:
    """The key a kiosk signs its hand-offs with, from its token's digest (token_digest)."""
    return hmac.new(digest.encode("ascii"), _KEY_PURPOSE, hashlib.sha256).digest()


def new_handoff_id() -> str:
    return os.urandom(_ID_BYTES).hex()


def catalog_digest(catalog: Iterable[str]) -> bytes:
    return hashlib.sha256("\n".join(sorted(catalog)).encode("utf-8")).digest()[:2]


@dataclass(frozen=True)
class Handoff:
    kiosk_id: str
    handoff_id: str  # 12 hex digits, one per visitor session
    layer: str
    marked: tuple[str, ...] | None  # exhibit ids; None when the catalog was another
    expires_at: int  # Unix seconds


class HandoffError(ValueError):
    """A token that is not a hand-off this central can trust. `reason`: malformed, unknown_kiosk,
    forged (the signature does not match: made up or changed) or expired."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def make_handoff(key: bytes, *, kiosk_id: str, handoff_id: str, layer: str, marked: Iterable[str],
                 catalog: Iterable[str], valid_s: int = DEFAULT_VALID_S, now: float | None = None) -> str:
    """A signed hand-off token (see the module docstring). Marked exhibits that are not in the
    catalog are left out."""
    ordered = sorted(catalog)
    wanted = set(marked)
    bits = 0
    for index, exhibit_id in enumerate(ordered):
        if exhibit_id in wanted:
            bits |= 1 << index
    bitmap = bits.to_bytes((len(ordered) + 7) // 8, "little") if ordered else b""
    kiosk = kiosk_id.encode("utf-8")
    if len(kiosk) > MAX_KIOSK_ID_BYTES or len(bitmap) > 255:
        raise ValueError("the kiosk id or the catalog is too long for a hand-off")
    expires_at = int((time.time() if now is None else now) + valid_s)
    body = _HEAD.pack(HANDOFF_VERSION, expires_at, bytes.fromhex(handoff_id), LAYERS.index(layer),
                      catalog_digest(ordered), len(bitmap)) + bitmap + bytes([len(kiosk)]) + kiosk
    signed = body + hmac.new(key, body, hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(signed).rstrip(b"=").decode("ascii")


def read_handoff(token: str, key_for: Callable[[str], bytes | None], catalog: Iterable[str],
                 now: float | None = None) -> Handoff:
    """The hand-off in `token`, checked: its kiosk's key (`key_for(kiosk_id)`, None for a kiosk
    the central does not know), its signature, its expiry. Raises HandoffError."""
    raw = _decode(token)
    if len(raw) < _HEAD.size + 1 + _MAC_BYTES:
        raise HandoffError("malformed", "the hand-off is too short")
    version, expires_at, handoff_id, layer_index, digest, bitmap_length = _HEAD.unpack_from(raw)
    if version != HANDOFF_VERSION:
        raise HandoffError("malformed", f"hand-off version {version} is not known here")
    at = _HEAD.size
    bitmap = raw[at:at + bitmap_length]
    at += bitmap_length
    if at >= len(raw) - _MAC_BYTES or len(bitmap) != bitmap_length:
        raise HandoffError("malformed", "the hand-off is cut short")
    kiosk_length = raw[at]
    kiosk_bytes = raw[at + 1:at + 1 + kiosk_length]
    at += 1 + kiosk_length
    if len(raw) != at + _MAC_BYTES or len(kiosk_bytes) != kiosk_length:
        raise HandoffError("malformed", "the hand-off's length does not add up")
    try:
        kiosk_id = kiosk_bytes.decode("utf-8")
    except UnicodeDecodeError:
        raise HandoffError("malformed", "the hand-off's kiosk id is not text") from None
    key = key_for(kiosk_id)
    if key is None:
        raise HandoffError("unknown_kiosk", f"no kiosk '{kiosk_id}' is known here")
    expected = hmac.new(key, raw[:at], hashlib.sha256).digest()[:_MAC_BYTES]
    if not hmac.compare_digest(expected, raw[at:]):
        raise HandoffError("forged", "the hand-off's signature does not match")
    if layer_index >= len(LAYERS):
        raise HandoffError("malformed", "the hand-off's language is not known")
    if (time.time() if now is None else now) > expires_at:
        raise HandoffError("expired", "the hand-off has expired")
    ordered = sorted(catalog)
    marked = None
    if catalog_digest(ordered) == digest:
        bits = int.from_bytes(bitmap, "little")
        marked = tuple(exhibit_id for index, exhibit_id in enumerate(ordered) if bits >> index & 1)
    return Handoff(kiosk_id, handoff_id.hex(), LAYERS[layer_index], marked, expires_at)


def _decode(token: str) -> bytes:
    if not isinstance(token, str) or not 0 < len(token) <= 512 or not token.isascii():
        raise HandoffError("malformed", "the hand-off is not a token")
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError:
        raise HandoffError("malformed", "the hand-off is not base64url") from None


def visit_handoff(config: Config, content: LoadedContent | None, session: Session | None, layer: str,
                  now: float | None = None) -> str | None:
    """The hand-off for an exhibit's QR code in this visit (`phone_url(..., handoff=)`), or None:
    no `[sync] token` (the codes then carry the plain address), no visit or content yet, or a
    catalog too long for a token. The catalog is every exhibit of the content; the token holds
    `[phone] handoff_valid_minutes`.

    The token is made again only when what it says changes, or once half its time has passed:
    the same token is the same QR code, which the kiosk need not draw again (choosing a code's
    mask takes longer than a frame)."""
    secret = config.sync.token
    if not secret or session is None or content is None:
        return None
    catalog = tuple(sorted(exhibit.id for exhibit in content.exhibits))
    valid_s = config.phone.handoff_valid_minutes * 60
    says = (token_digest(secret), config.kiosk.id, session.handoff_id, layer, tuple(sorted(session.take_home)),
            catalog, valid_s)
    now = time.time() if now is None else now
    made = session.handoff_made
    if made is not None and made[0] == says and 0 <= now - made[1] < valid_s / 2:
        return made[2]
    try:
        token = make_handoff(handoff_key(says[0]), kiosk_id=config.kiosk.id, handoff_id=session.handoff_id,
                             layer=layer, marked=session.take_home, catalog=catalog, valid_s=valid_s, now=now)
    except ValueError:  # thousands of exhibits, an unknown layer: the plain address still leads there
        return None
    session.handoff_made = (says, now, token)
    return token
