"""What staff see: health figures and alerts they can clear."""

from __future__ import annotations

from kiosk.core.records import Kind

from .helpers import feedback, view, vote


def test_health_reports_the_store(store, store_path):
    first = store.append(vote())
    store.append(view())
    store.append(feedback())
    store.mark_sent([first.id])
    health = store.health()
    assert health["path"] == str(store_path)
    assert health["size_bytes"] > 0
    assert health["records"] == 3 and store.count() == 3 and store.count(Kind.VOTE) == 1
    assert health["outbox"] == {"pending": 2, "sent": 1, "quarantined": 0}
    assert health["last_seq"] == 3
    assert health["boot_id"] == store.boot_id
    assert health["pragmas"]["journal_mode"] == "wal"
    assert health["alerts"] == []


def test_alerts_can_be_added_listed_and_cleared(store):
    first = store.add_alert("sync", "Zentrale seit 3 Tagen nicht erreichbar")
    second = store.add_alert("content", "Bild fehlt: media/radweg.jpg")
    assert [a["id"] for a in store.alerts()] == [second, first]
    assert store.clear_alert(first) is True
    assert store.clear_alert(first) is False
    assert [a["message"] for a in store.health()["alerts"]] == ["Bild fehlt: media/radweg.jpg"]
    cleared = [a for a in store.alerts(include_cleared=True) if a["id"] == first]
    assert cleared[0]["cleared_at"] is not None


def test_outbox_states_for_the_sync(store):
    records = [store.append(vote()) for _ in range(4)]
    assert [r.id for r in store.outbox_pending(limit=3)] == [r.id for r in records[:3]]
    assert store.mark_failed([records[0].id], "timeout") == 1
    assert store.quarantine(records[1].id, "rejected: conflict") == 1
    assert store.mark_sent([records[0].id, records[2].id]) == 2
    assert store.mark_sent([records[1].id]) == 0  # quarantined stays quarantined
    assert [r.id for r in store.outbox_pending()] == [records[3].id]
    assert store.health()["outbox"] == {"pending": 1, "sent": 2, "quarantined": 1}
