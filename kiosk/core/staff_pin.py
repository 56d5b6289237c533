"""The staff PIN: hashing, checking with a lockout, and storing the hash in config.toml.

The hash is salted scrypt so that a copied config.toml does not give the PIN away
(a 4-8 digit PIN is still guessable offline; the lockout guards the screen).
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import os
import re
import secrets
import stat
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Callable

from .bounded_files import FileMissing, FileRefused, NoPermission, NotRegularFile, read_bounded
from .config import CONFIG_BYTES
from .errors import ConfigError, KioskError

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1
SALT_BYTES = 16
DKLEN = 32
_PIN = re.compile(r"[0-9]{4,8}")  # not \d: that also accepts Arabic-Indic and other digits


class PinFormatError(KioskError):
    """A new PIN is not 4 to 8 digits."""

    exit_code = 2


class PinHashError(KioskError):
    """The stored pin_hash in config.toml is not one this kiosk wrote."""

    exit_code = 2


def hash_pin(pin: str) -> str:
    """`scrypt$16384$8$1$<salt b64>$<hash b64>` for a 4-8 digit PIN."""
    if not isinstance(pin, str) or not _PIN.fullmatch(pin):
        raise PinFormatError("the staff PIN must be 4 to 8 digits (0-9), nothing else")
    salt = secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(pin.encode("ascii"), salt=salt, n=N, r=R, p=P, dklen=DKLEN)
    return "$".join([SCHEME, str(N), str(R), str(P), _b64(salt), _b64(digest)])


def verify_pin(pin: str, stored: str) -> bool:
    """True when `pin` matches `stored`; a PIN that cannot be valid is simply wrong."""
    n, r, p, salt, expected = _parse(stored)
    if not isinstance(pin, str) or not _PIN.fullmatch(pin):
        return False
    try:
        digest = hashlib.scrypt(pin.encode("ascii"), salt=salt, n=n, r=r, p=p, dklen=len(expected),
                                maxmem=_maxmem(n, r, p))
    except (ValueError, MemoryError) as error:
        raise _hash_error(f"its scrypt parameters are unusable ({error})") from None
    return hmac.compare_digest(digest, expected)


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes]:
    if not isinstance(stored, str):
        raise _hash_error(f"it is a {type(stored).__name__}, not text")
    if not stored:
        raise PinHashError("no staff PIN is set ([staff] pin_hash in config.toml is empty); "
                           "run `kiosk set-pin` to set one")
    fields = stored.split("$")
    if len(fields) != 6:
        raise _hash_error(f"it has {len(fields)} $-separated fields, expected 6 "
                          "(scrypt$N$r$p$salt$hash)")
    scheme, *numbers, salt_b64, hash_b64 = fields
    if scheme != SCHEME:
        raise _hash_error(f"it starts with {scheme!r}, expected 'scrypt'")
    try:
        n, r, p = (int(x) for x in numbers)
    except ValueError:
        raise _hash_error(f"its parameters {'$'.join(numbers)!r} are not whole numbers") from None
    # Bounds keep a mistyped hash from asking for gigabytes of memory on every attempt.
    if not (2 <= n <= 2**20 and n & (n - 1) == 0) or not 1 <= r <= 32 or not 1 <= p <= 16:
        raise _hash_error(f"its parameters N={n}, r={r}, p={p} are out of range")
    try:
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(hash_b64, validate=True)
    except (binascii.Error, ValueError):
        raise _hash_error("its salt or hash is not valid base64") from None
    if not salt or len(expected) < 16:
        raise _hash_error("its salt or hash is too short")
    return n, r, p, salt, expected


def _hash_error(what: str) -> PinHashError:
    return PinHashError(f"[staff] pin_hash in config.toml is malformed: {what}; "
                        "run `kiosk set-pin` to set the staff PIN again")


def _maxmem(n: int, r: int, p: int) -> int:
    # OpenSSL's default cap (32 MiB) is just above what N=2**14, r=8 needs; allow what the hash asks.
    return 128 * r * (n + p + 2) + (1 << 20)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class PinResult(enum.Enum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"
    NOT_SET = "not_set"


class PinGate:
    """Counts wrong PINs at the staff prompt and locks it for a while after too many.

    The attempt that uses up the last try already answers LOCKED, so the screen can say at once
    how long to wait. While locked nothing is checked and the lock is not extended: a visitor
    tapping on cannot keep staff out for longer.
    """

    def __init__(self, pin_hash: str, clock: Callable[[], float] = time.monotonic, max_attempts: int = 5,
                 lockout_s: float = 300.0):
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if pin_hash:
            _parse(pin_hash)  # a broken hash should stop the kiosk at start, not at the first attempt
        self._hash = pin_hash
        self._clock = clock
        self.max_attempts = max_attempts
        self.lockout_s = lockout_s
        self._failures = 0
        self._locked_until: float | None = None

    def attempt(self, pin: str) -> PinResult:
        if not self._hash:
            return PinResult.NOT_SET
        now = self._clock()
        if self._locked_until is not None:
            if now < self._locked_until:
                return PinResult.LOCKED
            self._locked_until, self._failures = None, 0
        if verify_pin(pin, self._hash):
            self._failures = 0
            return PinResult.OK
        self._failures += 1
        if self._failures >= self.max_attempts:
            self._locked_until = now + self.lockout_s
            return PinResult.LOCKED
        return PinResult.WRONG

    @property
    def locked_for(self) -> float:
        """Seconds until the gate opens again; 0.0 when it is open."""
        if self._locked_until is None:
            return 0.0
        return max(0.0, self._locked_until - self._clock())

    @property
    def attempts_left(self) -> int:
        if self._locked_until is not None:
            return 0 if self.locked_for > 0 else self.max_attempts
        return self.max_attempts - self._failures


# --- Storing the hash -----------------------------------------------------------------------

_TABLE_HEADER = re.compile(r"^\s*\[")
_STAFF_HEADER = re.compile(r"""^\s*\[\s*(staff|"staff"|'staff')\s*\]\s*(#.*)?$""")
_PIN_KEY = re.compile(r"""^(\s*)(pin_hash|"pin_hash"|'pin_hash')\s*=\s*""")


def write_pin_hash(config_path: Path, pin_hash: str) -> None:
    """Set `pin_hash` under [staff], keeping every other line and comment of the file as it was.

    The file is edited as text, not re-serialised, because config.toml is documentation for the
    admin too. It is replaced atomically so a power cut leaves either the old or the new file.
    """
    config_path = Path(config_path)
    text, bom = _read_config_text(config_path)
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{config_path}: TOML syntax error, fix it before setting the PIN: {error}") from None
    except (RecursionError, ValueError):  # nesting or a number too deep or long for tomllib
        raise ConfigError(f"{config_path}: the config cannot be read as TOML; fix it before setting the PIN "
                          "(`kiosk status --config` names the problem)") from None

    new_text = _with_pin_hash(text, pin_hash)
    try:
        written = tomllib.loads(new_text).get("staff", {}).get("pin_hash")
    except tomllib.TOMLDecodeError:
        written = None
    if written != pin_hash:
        raise ConfigError(f"{config_path}: could not set pin_hash automatically (is [staff] written in an "
                          "unusual way?); put the line pin_hash = \"...\" under [staff] by hand")
    target = config_path.resolve()  # replace the file a symlink points to, not the symlink
    try:
        _replace_atomically(target, bom + new_text)
    except PermissionError as error:
        raise ConfigError(f"{target}: no permission to write the config or its folder ({error.strerror}; "
                          f"{_owner(target)}); run kiosk set-pin as the user who owns both, or with sudo. "
                          "Nothing was changed") from None
    except OSError as error:
        raise ConfigError(f"{target}: cannot write the new PIN ({error.strerror or error}); nothing was "
                          "changed. Check the disk and that the config is a regular file") from None


def _read_config_text(config_path: Path) -> tuple[str, str]:
    """The config's text and its byte order mark ("" or U+FEFF, kept when the file is written
    back); read like `load_config` reads it: a regular file only, with a bound."""
    try:
        raw = read_bounded(config_path, CONFIG_BYTES)
    except FileMissing:
        raise ConfigError(f"{config_path}: config file not found; pass --config PATH of the kiosk's "
                          "config.toml") from None
    except NoPermission:
        raise ConfigError(f"{config_path}: no permission to read the config ({_owner(config_path)}); run "
                          "kiosk set-pin as the user who owns it, or with sudo") from None
    except NotRegularFile as error:
        raise ConfigError(f"{config_path} is {error.kind}, not a config file; pass --config PATH of the "
                          "kiosk's config.toml") from None
    except FileRefused as error:
        raise ConfigError(f"{config_path}: the config file {error.words}") from None
    bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
    try:
        return raw.decode("utf-8-sig"), bom
    except UnicodeDecodeError as error:
        raise ConfigError(f"{config_path}: the config is not UTF-8 text ({error}); save it as UTF-8") from None


def _owner(path: Path) -> str:
    try:
        info = os.stat(path)
    except OSError:
        return "owner unknown"
    return f"owned by uid {info.st_uid}, mode {stat.S_IMODE(info.st_mode):o}; you are uid {os.geteuid()}"


def _with_pin_hash(text: str, pin_hash: str) -> str:
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    value = _toml_string(pin_hash)
    start = next((i for i, line in enumerate(lines) if _STAFF_HEADER.match(line)), None)
    if start is None:
        if text and not text.endswith(("\n", "\r")):
            text += newline
        separator = newline if text.strip() else ""
        return f"{text}{separator}[staff]{newline}pin_hash = {value}{newline}"

    end = next((i for i in range(start + 1, len(lines)) if _TABLE_HEADER.match(lines[i])), len(lines))
    for i in range(start + 1, end):
        match = _PIN_KEY.match(lines[i])
        if match:
            lines[i] = _replaced_line(lines[i], match, value)
            return "".join(lines)

    # No pin_hash yet: add it after the section's last setting, before blank lines or comments
    # that introduce the next section.
    last = start
    for i in range(start + 1, end):
        stripped = lines[i].strip()
        if stripped and not stripped.startswith("#"):
            last = i
    if not lines[last].endswith(("\n", "\r")):
        lines[last] += newline
    lines.insert(last + 1, f"pin_hash = {value}{newline}")
    return "".join(lines)


def _replaced_line(line: str, match: re.Match, value: str) -> str:
    body = line.rstrip("\r\n")
    ending = line[len(body):]
    rest = body[match.end():]
    comment_at = _comment_start(rest)
    new = f"{match.group(1)}pin_hash = {value}"
    if comment_at is None:
        return new + ending
    column = match.end() + comment_at  # keep the comment in its column when the value fits
    width = column if len(new) < column else len(new) + 2
    return new.ljust(width) + rest[comment_at:] + ending


def _comment_start(rest: str) -> int | None:
    """Index of a trailing `#` comment after a TOML value, skipping a `#` inside a string."""
    i = 0
    if rest.startswith('"'):
        i = 1
        while i < len(rest) and rest[i] != '"':
            i += 2 if rest[i] == "\\" else 1
        i += 1
    elif rest.startswith("'"):
        close = rest.find("'", 1)
        i = len(rest) if close < 0 else close + 1
    hash_at = rest.find("#", i)
    return None if hash_at < 0 else hash_at


def _toml_string(value: str) -> str:
    out = ['"']
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _replace_atomically(path: Path, text: str) -> None:
    folder = path.parent
    old = path.stat()
    if not stat.S_ISREG(old.st_mode):
        raise IsADirectoryError(f"{path} is not a regular file")
    fd, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp_name, stat.S_IMODE(old.st_mode))  # mkstemp makes 0600
        # The kiosk's service user must still read its config: run as root, the new file would
        # otherwise belong to root, and the kiosk would not start.
        if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
            try:
                os.chown(temp_name, old.st_uid, old.st_gid)
            except PermissionError:
                pass  # only root may give a file away; an ordinary user writes only their own config
        os.replace(temp_name, path)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise
    # The rename itself is only durable once the folder is synced.
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
