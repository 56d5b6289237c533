"""The kiosk side of the sync: one pass pushes the outbox to the central, checks that the
central still has what it acknowledged, and reports the kiosk's health.

No threads in here: the caller schedules (the app's SyncRunner, `kiosk sync`), asking
`seconds_until_due` when the next pass is wanted. The HTTP session is handed in.

What a pass promises:
- A record is marked sent only when the central's JSON answer names its id as accepted or
  duplicate (`sync.protocol.read_batch_answer`). Anything else (no connection, a timeout, a
  5xx, a captive portal's HTML 200, a redirect, a body that is not the central's answer) leaves
  it pending; the central's dedupe makes sending it again safe.
- A record the central rejects is quarantined: kept, shown to staff, not sent again.
- 401/403: the token is refused; pushing stops until the kiosk is restarted with a good token,
  and staff get an alert.
- Failures back off exponentially with full jitter, up to ten minutes; a Retry-After is honoured.
- When the central has fewer of a store's records than the kiosk marked sent (it was restored
  from an older backup), the records after the central's contiguous seq are sent again.
- The central's clock in every answer gives the kiosk clock's skew.
- After the push, once per pass, the Ideenwand is pulled (`GET /api/v1/ideas`) and handed to
  the store, which keeps it for showing offline. The pull comes last and stands alone: when it
  fails (a portal's HTML, a 5xx, an older central without it) the kept wall stays as it was,
  nothing is marked, and the pass still counts as a success; its failure is in `ideas_error`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import random as random_module
import time
from typing import Callable

from kiosk.core.clock import utc_now, utc_text
from kiosk.core.errors import KioskError

from .protocol import (
    HEARTBEAT_PATH,
    IDEAS_PATH,
    MAX_WALL_IDEAS,
    MAX_WALL_TEXT,
    MAX_BATCH_BYTES,
    MAX_BATCH_RECORDS,
    RECORDS_PATH,
    SYNC_STATE_PATH,
    BatchAnswer,
    Heartbeat,
    HeartbeatAnswer,
    IdeasAnswer,
    NotAnAnswer,
    Outcome,
    SyncState,
    parse_utc,
    read_answer,
    read_batch_answer,
    read_error,
)
from .status import SyncStatus

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0
BACKOFF_BASE_S = 5.0
BACKOFF_CAP_S = 600.0
BATCH_RECORDS = 1000  # the most a batch may hold: fewer round trips and commits for a backlog
# An answer is a few hundred bytes per record; anything far larger is not the central's.
MAX_ANSWER_BYTES = 4 * 1024 * 1024
# The Ideenwand at its fullest: every idea with its text and an answer in three layers, each at
# the most characters, at four bytes a character in UTF-8, and room for the envelope.
MAX_IDEAS_ANSWER_BYTES = MAX_WALL_IDEAS * 4 * MAX_WALL_TEXT * 4 + 256 * 1024
# The status is kept in the store for `kiosk status` in another process. A pass that changed only
# its times (and a skew that moved by milliseconds) is saved at most this often: a write every
# pass, each a page into the -wal and later into the store, was most of an idle kiosk's writes.
STATUS_SAVE_EVERY_S = 600.0
_TIMES = ("last_attempt_at", "last_success_at", "next_attempt_at", "ideas_pulled_at", "clock_skew_s")
SKEW_CHANGE_S = 1.0


class PassFailed(Exception):
    """One request of a pass did not get the central's answer; `words` are for staff."""

    def __init__(self, words: str, *, retry_after_s: float | None = None, stop: bool = False):
        super().__init__(words)
        self.words = words
        self.retry_after_s = retry_after_s
        self.stop = stop  # the token was refused: stop pushing


class SyncClient:
    def __init__(self, store, *, central_url: str, token: str, kiosk_id: str, interval_s: float, session,
                 app_version: str = "", content_version: Callable[[], str] = lambda: "", restarts: int = 0,
                 clock: Callable[[], dt.datetime] = utc_now, monotonic: Callable[[], float] = time.monotonic,
                 random: Callable[[], float] = random_module.random, batch_records: int = BATCH_RECORDS,
                 timeouts: tuple[float, float] = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)):
        self.store = store
        self.base_url = central_url.rstrip("/")
        self.kiosk_id = kiosk_id
        self.interval_s = float(interval_s)
        self.session = session
        self.app_version = app_version
        self.content_version = content_version
        self.restarts = restarts
        self.batch_records = min(batch_records, MAX_BATCH_RECORDS)
        self.timeouts = timeouts
        self._token = token
        self._clock = clock
        self._monotonic = monotonic
        self._random = random
        self._started = monotonic()
        self._saved_at: float | None = None  # when this process last saved the status (monotonic)
        self._due_at = monotonic()  # the first pass is due at once
        # What the last kiosk process saw stays on show until this one has tried; a refused
        # token is tried again once per start (the config may have been fixed).
        saved = SyncStatus.from_dict(store.sync_status())
        self._status = SyncStatus(**{**saved.as_dict(), "configured": True, "stopped": False,
                                     "next_attempt_at": None})

    # -- scheduling ----------------------------------------------------------------------

    def status(self) -> SyncStatus:
        return self._status

    def seconds_until_due(self, *, kicked: bool = False) -> float | None:
        """Seconds until the next pass is wanted; None while pushing is stopped (token refused).
        A kick (a visit ended) makes it due now unless the client is backing off."""
        if self._status.stopped:
            return None
        if kicked and self._status.failures == 0:
            return 0.0
        return max(0.0, self._due_at - self._monotonic())

    def backoff_s(self, failures: int) -> float:
        """Full jitter: anywhere between 0 and the exponential step, capped at ten minutes."""
        return self._random() * min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** min(failures, 30))

    def check_central(self) -> float | None:
        """Ask the central for this kiosk's sync state and change nothing (`kiosk doctor`): the
        clock skew its answer showed, or PassFailed saying why not (its `__context__` is the
        requests error, where there was one)."""
        _, skew = self._request("GET", SYNC_STATE_PATH, None, SyncState)
        return skew

    # -- one pass ------------------------------------------------------------------------

    def run_pass(self) -> SyncStatus:
        """Push everything pending, check the central's progress, send a heartbeat. Network and
        server faults end the pass and are in the status it returns; it never raises for them
        (a fault of the kiosk's own store does raise)."""
        started = self._clock()
        skew = self._status.clock_skew_s
        try:
            skew = self._push_all(skew)
            skew = self._heartbeat(skew)
        except PassFailed as failure:
            return self._failed(failure, started, skew)
        skew, wall = self._pull_ideas(skew)
        self._due_at = self._monotonic() + self.interval_s
        return self._finish(started, skew, online=True, last_success_at=utc_text(started), last_error=None,
                            failures=0, stopped=False, **wall)

    def _pull_ideas(self, skew: float | None) -> tuple[float | None, dict]:
        """Fetch the Ideenwand and have the store keep it; the skew and the status fields the
        pull changes. A failure is only noted: no record is marked, no backoff, no stop (a token
        the central took for the push a moment ago is not refused for this), the kept wall stays."""
        try:
            answer, skew = self._request("GET", IDEAS_PATH, None, IdeasAnswer, max_bytes=MAX_IDEAS_ANSWER_BYTES)
        except PassFailed as failure:
            return skew, {"ideas_error": f"Ideenwand nicht abgeholt: {failure.words}"}
        try:
            self.store.replace_idea_wall([idea.model_dump(mode="json") for idea in answer.ideas],
                                         server_time=answer.server_time)
        except KioskError as error:  # the store's own fault (a full disk): the old wall stays
            return skew, {"ideas_error": f"Ideenwand nicht gespeichert: {error}"}
        return skew, {"ideas_pulled_at": utc_text(self._clock()), "ideas_error": None}

    def _push_all(self, skew: float | None) -> float | None:
        """Push batches until nothing is pending, then ask the central how far it is (once the
        outbox is empty: its answer then covers every store of this kiosk) and send again what
        it lost, once per store and pass."""
        resent_stores: set[str] = set()
        while True:
            while records := self.store.outbox_pending_json(self.batch_records):
                skew = self._push(records)
            state, skew = self._request("GET", SYNC_STATE_PATH, None, SyncState)
            if not self._resend_what_the_central_lost(state.stores, resent_stores):
                return skew

    def _push(self, records: list[tuple[str, str]]) -> float | None:
        """Push one batch of (id, record as JSON text); mark what the answer acknowledges."""
        body = self._batch_body(records)
        while len(body) > MAX_BATCH_BYTES and len(records) > 1:  # long ideas: fewer per batch
            records = records[: len(records) // 2]
            body = self._batch_body(records)
        ids = [record_id for record_id, _ in records]
        try:
            answer, skew = self._request("POST", RECORDS_PATH, body, BatchAnswer, sent_ids=ids)
        except PassFailed as failure:
            self.store.mark_failed(ids, failure.words)
            raise
        sent = [result.id for result in answer.results if result.outcome in (Outcome.ACCEPTED, Outcome.DUPLICATE)]
        self.store.mark_sent(sent)
        for result in answer.results:
            if result.outcome is Outcome.REJECTED:
                self.store.quarantine(result.id, f"{result.code.value if result.code else 'rejected'}: "
                                                 f"{result.message or ''}".strip())
        return skew

    def _batch_body(self, records: list[tuple[str, str]]) -> bytes:
        # The records are JSON already (Store.outbox_pending_json: the fields of a Record, as
        # sync.protocol.record_to_wire gives them); the envelope is put around them as text.
        head = json.dumps({"protocol": 1, "kiosk_id": self.kiosk_id, "sent_at": utc_text(self._clock())},
                          separators=(",", ":"))
        return f'{head[:-1]},"records":[{",".join(text for _, text in records)}]}}'.encode()

    def _resend_what_the_central_lost(self, progress, resent_stores: set[str]) -> bool:
        """The central restored from an older backup has fewer records than it acknowledged:
        send again everything after its contiguous seq (once per store and pass; what it still
        has comes back as duplicates). `progress` is the central's sync state: every store it
        has of this kiosk, so a store missing from it is one the central lost entirely.
        True when something went back into the outbox."""
        central = {store.store_id: store for store in progress}
        counts = self.store.sent_counts()
        behind = False
        for store_id, highest_sent in self.store.sent_progress().items():
            known = central.get(store_id)
            if store_id in resent_stores:
                continue
            contiguous, has = (known.contiguous_seq, known.count) if known else (0, 0)
            # Gaps the central can never fill (records lost with a damaged store) keep its
            # contiguous seq low for good; the count says whether anything is really missing.
            if contiguous < highest_sent and has < counts.get(store_id, 0):
                resent_stores.add(store_id)
                behind |= self.store.resend_after(store_id, contiguous) > 0
        return behind

    def _heartbeat(self, skew: float | None) -> float | None:
        health = self.store.health()
        outbox = health["outbox"]
        beat = Heartbeat(kiosk_id=self.kiosk_id, kiosk_time=utc_text(self._clock()), app_version=self.app_version,
                         content_version=self.content_version() or "", store_id=health.get("store_id"),
                         outbox_depth=outbox.get("pending", 0), quarantined=outbox.get("quarantined", 0),
                         last_visitor_touch=self.store.last_visitor_touch(), restarts=self.restarts,
                         uptime_s=round(max(0.0, self._monotonic() - self._started), 1), clock_skew_s=skew)
        _, skew = self._request("POST", HEARTBEAT_PATH, beat.model_dump_json().encode(), HeartbeatAnswer)
        return skew

    # -- one request ---------------------------------------------------------------------

    def _request(self, method: str, path: str, body: bytes | None, answer_model, *, sent_ids=None,
                 max_bytes: int = MAX_ANSWER_BYTES):
        """Send one request; the answer as `answer_model` and the skew it showed, or PassFailed."""
        import requests  # the caller's session is a requests.Session; only its errors are needed

        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        sent_at = self._clock()
        try:
            response = self.session.request(method, self.base_url + path, data=body, headers=headers,
                                            timeout=self.timeouts, allow_redirects=False, stream=True)
            try:
                content = self._read_body(response, max_bytes)
            finally:
                response.close()
        except requests.exceptions.ConnectTimeout:
            raise PassFailed(f"Zentrale nicht erreichbar: keine Verbindung nach {self.timeouts[0]:g} s "
                             f"({self.base_url})") from None
        except requests.exceptions.ReadTimeout:
            raise PassFailed(f"Zentrale antwortet nicht: keine Antwort nach {self.timeouts[1]:g} s") from None
        except requests.exceptions.ConnectionError as error:
            raise PassFailed(f"Zentrale nicht erreichbar ({self.base_url}): {_reason(error)}") from None
        except requests.exceptions.RequestException as error:
            raise PassFailed(f"Verbindung zur Zentrale gestört: {_reason(error)}") from None
        received_at = self._clock()
        content_type = response.headers.get("Content-Type")
        status = response.status_code
        if status == 200:
            try:
                if sent_ids is not None:
                    answer = read_batch_answer(content_type, content, sent_ids)
                else:
                    answer = read_answer(answer_model, content_type, content)
            except NotAnAnswer as error:
                raise PassFailed(f"Antwort kommt nicht von der Zentrale (WLAN-Anmeldeseite oder Proxy "
                                 f"dazwischen?): {error}") from None
            return answer, _skew(sent_at, received_at, answer.server_time)
        raise self._refusal(status, response.headers, content_type, content)

    def _read_body(self, response, max_bytes: int = MAX_ANSWER_BYTES) -> bytes:
        # A read timeout bounds each wait for bytes; this bounds the whole answer, so a portal
        # that drips a page forever cannot hold the pass (and its memory) open.
        deadline = self._monotonic() + self.timeouts[1]
        chunks, size = [], 0
        for chunk in response.iter_content(64 * 1024):
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                raise PassFailed(f"Antwort der Zentrale zu groß (über {max_bytes // 1024 // 1024} MB): "
                                 f"kommt sie wirklich von der Zentrale?")
            if self._monotonic() > deadline:
                raise PassFailed(f"Antwort der Zentrale kam nicht in {self.timeouts[1]:g} s vollständig an")
        return b"".join(chunks)

    def _refusal(self, status: int, headers, content_type, content: bytes) -> PassFailed:
        error = read_error(content_type, content)
        said = f": {error.error.message}" if error else ""
        if status in (401, 403):
            return PassFailed(f"Die Zentrale lehnt das Token dieses Kiosks ab ({status}{said}). Senden angehalten: "
                              f"[sync] token in der config.toml prüfen (kiosk-central add-kiosk "
                              f"{self.kiosk_id}), dann den Kiosk neu starten.", stop=True)
        retry_after = _retry_after_s(headers.get("Retry-After"), self._clock())
        if status in (429, 503):
            return PassFailed(f"Zentrale ausgelastet ({status}){said}", retry_after_s=retry_after)
        if 300 <= status < 400:
            return PassFailed(f"Umleitung ({status}) nach {headers.get('Location', '?')} statt einer Antwort der "
                              f"Zentrale (WLAN-Anmeldeseite?)", retry_after_s=retry_after)
        if status >= 500:
            return PassFailed(f"Fehler in der Zentrale ({status}){said}", retry_after_s=retry_after)
        return PassFailed(f"Die Zentrale nimmt die Sendung nicht an ({status}){said}", retry_after_s=retry_after)

    # -- the outcome -----------------------------------------------------------------------

    def _failed(self, failure: PassFailed, started: dt.datetime, skew: float | None) -> SyncStatus:
        if failure.stop:
            self.store.add_alert("sync_token_refused", failure.words)
            return self._finish(started, skew, online=True, last_error=failure.words, stopped=True,
                                failures=self._status.failures + 1, next_attempt_at=None)
        failures = self._status.failures + 1
        delay = self.backoff_s(failures)
        if failure.retry_after_s is not None:
            delay = max(delay, min(failure.retry_after_s, BACKOFF_CAP_S))
        self._due_at = self._monotonic() + delay
        return self._finish(started, skew, online=False, last_error=failure.words, failures=failures,
                            next_attempt_at=utc_text(self._clock() + dt.timedelta(seconds=delay)))

    def _finish(self, started: dt.datetime, skew: float | None, **changes) -> SyncStatus:
        outbox = self.store.health()["outbox"]
        if "next_attempt_at" not in changes:
            changes["next_attempt_at"] = utc_text(self._clock() + dt.timedelta(seconds=self.interval_s))
        values = {**self._status.as_dict(), "configured": True, "last_attempt_at": utc_text(started),
                  "clock_skew_s": skew, "pending": outbox.get("pending", 0),
                  "quarantined": outbox.get("quarantined", 0), **changes}
        saved, self._status = self._status, SyncStatus(**values)
        if self._worth_saving(saved, self._status):
            self.store.save_sync_status(self._status.as_dict())
            self._saved_at = self._monotonic()
        return self._status

    def _worth_saving(self, before: SyncStatus, after: SyncStatus) -> bool:
        """Anything but the times changed, the skew moved by a second or more, or the last save
        is STATUS_SAVE_EVERY_S old (the first pass of a process always saves)."""
        if self._saved_at is None or self._monotonic() - self._saved_at >= STATUS_SAVE_EVERY_S:
            return True
        old, new = before.as_dict(), after.as_dict()
        if any(old[key] != new[key] for key in old if key not in _TIMES):
            return True
        skews = (old["clock_skew_s"], new["clock_skew_s"])
        if None in skews:
            return skews[0] != skews[1]
        return abs(skews[0] - skews[1]) >= SKEW_CHANGE_S


def _skew(sent_at: dt.datetime, received_at: dt.datetime, server_time: str) -> float:
    """Kiosk clock minus the central's, taking the server's clock as read halfway through."""
    midpoint = sent_at + (received_at - sent_at) / 2
    return round((midpoint - parse_utc(server_time)).total_seconds(), 3)


def _retry_after_s(value: str | None, now: dt.datetime) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - now).total_seconds())


def _reason(error: Exception) -> str:
    text = str(error)
    for marker, words in (("Connection refused", "Verbindung abgelehnt (läuft die Zentrale?)"),
                          ("Name or service not known", "Name nicht auflösbar (DNS)"),
                          ("Temporary failure in name resolution", "Name nicht auflösbar (DNS, offline?)"),
                          ("Network is unreachable", "Netz nicht erreichbar (offline?)"),
                          ("No route to host", "kein Weg zum Rechner (offline?)"),
                          ("RemoteDisconnected", "Verbindung ohne Antwort geschlossen"),
                          ("Connection reset", "Verbindung abgebrochen"),
                          ("CERTIFICATE_VERIFY_FAILED", "TLS-Zertifikat ungültig")):
        if marker in text:
            return words
    return text[:200]
