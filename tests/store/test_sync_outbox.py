"""What the sync client needs from the store: the outbox in entry order (as JSON too), how far each
store was sent, sending again after a central lost records, the saved sync status, the newest
visitor touch and the quarantined records for staff."""

from __future__ import annotations

import datetime as dt
import uuid

from kiosk.store import Store

from .helpers import feedback, idea, vote


def other_store_rows(count: int, store_id: str | None = None) -> list[dict]:
    """Records of another (salvaged) store of the same kiosk: their own store_id, seqs from 1."""
    store_id = store_id or str(uuid.uuid4())
    return [{"id": str(uuid.uuid4()), "kiosk_id": "kiosk-test", "store_id": store_id, "seq": seq, "boot_id": "b0",
             "session_id": "s0", "kind": "view", "exhibit_id": "radwege", "poll_id": None, "question_version": None,
             "content_version": "cv0", "payload": '{"dwell_s":3.0,"layer":"de"}', "flags": "[]",
             "created_at": f"2026-02-01T10:00:{seq:02d}.000000Z", "redacted_at": None}
            for seq in range(1, count + 1)]


def test_the_outbox_goes_in_entry_order_each_store_in_seq_order(store):
    mine = [store.append(vote()) for _ in range(3)]
    salvaged = other_store_rows(3)
    assert store.add_salvaged(salvaged) == (3, 0, [])
    later = [store.append(vote()) for _ in range(2)]
    pending = store.outbox_pending()
    # As they entered the outbox: this store's first three, the salvaged ones, then the later two.
    assert [r.id for r in pending] == [r.id for r in mine] + [row["id"] for row in salvaged] + [r.id for r in later]
    for store_id in {r.store_id for r in pending}:
        seqs = [r.seq for r in pending if r.store_id == store_id]
        assert seqs == sorted(seqs)
    # The JSON form the sync sends is the same records in the same order.
    assert [record_id for record_id, _ in store.outbox_pending_json()] == [r.id for r in pending]


def test_sent_progress_is_the_highest_answered_seq_per_store(store):
    assert store.sent_progress() == {}
    records = [store.append(vote()) for _ in range(5)]
    store.mark_sent([records[0].id, records[1].id])
    store.quarantine(records[3].id, "conflict: same id, other payload")
    salvaged = other_store_rows(2)
    store.add_salvaged(salvaged)
    store.mark_sent([salvaged[0]["id"]])
    assert store.sent_progress() == {store.store_id: 4, salvaged[0]["store_id"]: 1}
    # What the central keeps: the acknowledged ones only, not the one it rejected.
    assert store.sent_counts() == {store.store_id: 2, salvaged[0]["store_id"]: 1}


def test_resend_after_puts_sent_and_quarantined_records_back(store, clock):
    records = [store.append(idea(f"Idee {n}")) for n in range(6)]
    store.mark_sent([r.id for r in records[:5]])
    store.quarantine(records[5].id, "rejected: bad field")
    salvaged = other_store_rows(2)
    store.add_salvaged(salvaged)
    store.mark_sent([row["id"] for row in salvaged])
    # The central answered that it has this store's records up to seq 2 only.
    assert store.resend_after(store.store_id, 2) == 4
    assert [r.seq for r in store.outbox_pending() if r.store_id == store.store_id] == [3, 4, 5, 6]
    assert store.sent_progress() == {store.store_id: 2, salvaged[0]["store_id"]: 2}
    rows = dict(store._read("SELECT record_id, quarantined_reason FROM outbox WHERE sent_at IS NULL "
                            "AND state = 'pending'"))
    assert rows[records[5].id] == "rejected: bad field"  # kept, as history
    assert store.resend_after(store.store_id, 2) == 0
    # Only what is sent is redacted: the records sent again are pending, and keep their text.
    clock.advance(days=400)
    assert store.redact_free_text(clock.now) == 2
    assert {r.seq for r in store.iter_records() if r.extra.get("redacted_at")} == {1, 2}


def test_the_sync_status_is_saved_and_read_back(store, store_path):
    assert store.sync_status() == {}
    assert store.health()["sync_status"] == {}
    status = {"configured": True, "online": False, "last_error": "Zentrale nicht erreichbar (Zeitüberschreitung)",
              "clock_skew_s": -3.5, "pending": 12}
    store.save_sync_status(status)
    assert store.sync_status() == status
    store.save_sync_status({"configured": True, "online": True})
    assert store.sync_status() == {"configured": True, "online": True}
    with Store.open_for_reading(store_path, "kiosk-test") as reading:
        assert reading.sync_status() == {"configured": True, "online": True}
        health = reading.health()
    assert health["sync_status"] == {"configured": True, "online": True}
    assert {"path", "records", "outbox", "last_seq", "store_id", "alerts"} <= set(health)


def test_last_visitor_touch_is_the_newest_records_time(store, clock):
    assert store.last_visitor_touch() is None
    store.append(vote())
    clock.advance(minutes=5)
    newest = store.append(feedback())
    assert store.last_visitor_touch() == newest.created_at


def test_quarantined_records_for_staff_newest_first(store, clock):
    records = []
    for n in range(4):
        clock.advance(minutes=1)
        records.append(store.append(idea(f"Idee {n}")))
    store.quarantine(records[0].id, "conflict")
    store.quarantine(records[2].id, "unknown exhibit")
    listed = store.quarantined()
    assert [q["id"] for q in listed] == [records[2].id, records[0].id]
    assert listed[0] == {"id": records[2].id, "kind": "idea", "created_at": records[2].created_at,
                         "reason": "unknown exhibit"}
    assert [q["id"] for q in store.quarantined(limit=1)] == [records[2].id]


def test_salvaged_records_are_added_once_and_clashes_are_refused(store):
    rows = other_store_rows(3)
    assert store.add_salvaged(rows) == (3, 0, [])
    assert store.add_salvaged(rows) == (0, 3, [])
    clash = dict(rows[0], id=str(uuid.uuid4()))
    assert store.add_salvaged([clash]) == (0, 0, [clash["id"]])
    assert store.count() == 3 and store.health()["outbox"]["pending"] == 3


def test_a_store_opened_without_a_boot_records_none(store_path):
    Store.open(store_path, "k1").close()
    with Store.open(store_path, "k1", record_boot=False) as maintenance:
        assert maintenance.boot_id == ""
    with Store.open_for_reading(store_path, "k1") as reading:
        assert reading._read("SELECT COUNT(*) FROM boots") == [(1,)]


def test_times_are_utc_text(store):
    record = store.append(vote())
    assert dt.datetime.fromisoformat(store.last_visitor_touch()) == dt.datetime.fromisoformat(record.created_at)


def test_the_json_of_a_pending_record_is_the_record_as_the_wire_has_it(store):
    import json

    from kiosk.core.records import Flag, Kind, RecordDraft
    from sync.protocol import record_to_wire

    store.append(vote())
    store.append(idea('Grüße mit "Anführungszeichen", \\ und 🌳'))
    store.append(RecordDraft(kind=Kind.VIEW, session_id="s9", content_version="cv1", exhibit_id="radwege",
                             payload={"dwell_s": 1 / 3, "layer": "ls"}, flags=(Flag.SUSPECT_BURST,)))
    store.add_salvaged(other_store_rows(1))
    records = store.outbox_pending()
    texts = store.outbox_pending_json()
    assert len(texts) == len(records) == 4
    for (record_id, text), record in zip(texts, records):
        assert record_id == record.id
        # Every field, the float's every digit and the text's every character as stored.
        assert json.loads(text) == record_to_wire(record)


def test_outbox_counts_are_what_waits_and_what_was_rejected(store):
    records = [store.append(vote()) for _ in range(4)]
    assert store.outbox_counts() == (4, 0)
    store.mark_sent([records[0].id])
    store.quarantine(records[1].id, "conflict: other payload")
    assert store.outbox_counts() == (2, 1)


def test_marking_finds_each_id_by_its_key_not_by_reading_every_pending_entry(store):
    # With the outbox_state index SQLite would otherwise read all pending entries for every
    # batch it marks: 21 ms per thousand with a backlog of 100,000, growing with the backlog.
    from kiosk.store.store import MARK_FAILED, MARK_SENT, _for_ids

    rows = other_store_rows(1000)  # a whole batch: with a few ids SQLite takes the key anyway
    store.add_salvaged(rows)
    ids = [row["id"] for row in rows]
    for sql, first in ((MARK_SENT, ("now",)), (MARK_FAILED, ("timeout",))):
        text, rows = _for_ids(sql, first, ids)
        plan = " ".join(row[-1] for row in store._read("EXPLAIN QUERY PLAN " + text, rows[0]))
        assert "outbox_state" not in plan and "record_id=?" in plan, plan
