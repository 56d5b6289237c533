"""Records for export tests, built as the store would hand them out, and the shipped content."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from conftest import PROJECT
from kiosk.core.content_loader import load_content
from kiosk.core.records import Flag, Kind, Record, RecordDraft

KIOSK = "kiosk-01"
BOOT = "3f1c0e4e-0000-4000-8000-000000000001"
CONTENT_VERSION = "c0ffee0123456789"


@pytest.fixture(scope="session")
def shipped():
    return load_content(PROJECT)


@pytest.fixture
def make_record():
    """record(seq, kind, payload, ...) -> Record, with the identity fields a store would add."""

    def record(seq: int, kind: Kind = Kind.VOTE, payload: dict | None = None, *, exhibit_id=None, poll_id=None,
               question_version=None, flags=(), created_at="2026-03-10T10:00:00.000000Z",
               session_id=None) -> Record:
        return Record(id=str(uuid.UUID(int=seq)), kiosk_id=KIOSK, store_id="store-1", seq=seq, boot_id=BOOT,
                      session_id=session_id or f"session-{seq}", kind=kind, exhibit_id=exhibit_id,
                      poll_id=poll_id, question_version=question_version, content_version=CONTENT_VERSION,
                      payload=payload or {}, flags=tuple(flags), created_at=created_at)

    return record


@pytest.fixture
def vote(make_record, shipped):
    """vote(seq, exhibit_id, poll_id, answers, suspect=False, ...) for a shipped poll's current version."""

    def cast(seq: int, exhibit_id: str, poll_id: str, answers: list[str], *, suspect=False, question_version=None,
             created_at="2026-03-10T10:00:00.000000Z") -> Record:
        poll = shipped.exhibit(exhibit_id).poll(poll_id)
        return make_record(seq, Kind.VOTE, {"answers": answers, "layer": "de"}, exhibit_id=exhibit_id,
                           poll_id=poll_id, question_version=question_version or poll.question_version,
                           flags=(Flag.SUSPECT_BURST,) if suspect else (), created_at=created_at)

    return cast


@pytest.fixture
def idea(make_record):
    def write(seq: int, text: str, *, exhibit_id="stadtlabor", created_at="2026-03-10T10:00:00.000000Z") -> Record:
        return make_record(seq, Kind.IDEA, {"text": text, "layer": "de"}, exhibit_id=exhibit_id,
                           created_at=created_at)

    return write


class SetClock:
    """The store's clock, set by the test: records get the created_at the test needs."""

    def __init__(self, at: dt.datetime = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.timezone.utc)):
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


@pytest.fixture
def clock() -> SetClock:
    return SetClock()


@pytest.fixture
def store(tmp_path, clock):
    from kiosk.store import Store

    opened = Store.open(tmp_path / "var" / "kiosk.sqlite3", KIOSK, app_version="test", clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def cast(store, shipped):
    """cast(exhibit_id, poll_id, answers, suspect=False, question_version=None) -> Record, through Store.append."""

    def append(exhibit_id: str, poll_id: str, answers: list[str], *, suspect=False, question_version=None,
               session_id="s-1") -> Record:
        poll = shipped.exhibit(exhibit_id).poll(poll_id)
        return store.append(RecordDraft(kind=Kind.VOTE, session_id=session_id, content_version=shipped.version,
                                        payload={"answers": answers, "layer": "de"}, exhibit_id=exhibit_id,
                                        poll_id=poll_id, question_version=question_version or poll.question_version,
                                        flags=(Flag.SUSPECT_BURST,) if suspect else ()))

    return append
