"""Free text past retention is nulled, only once synced; nothing else changes, nothing is deleted."""

from __future__ import annotations

import datetime as dt

from kiosk.core.records import Kind

from .helpers import feedback, idea, view, vote


def test_redact_touches_only_sent_free_text_past_the_cut_off(store, clock):
    old_sent_idea = store.append(idea("Ruft mich an: 02921 123456"))
    old_sent_feedback = store.append(feedback("Toll, Grüße von Erika Mustermann"))
    old_pending_idea = store.append(idea("Noch nicht übertragen 🌱"))
    old_sent_vote = store.append(vote())
    old_sent_empty = store.append(feedback(None))
    clock.advance(days=200)
    cut_off = clock.now - dt.timedelta(days=180)
    new_sent_idea = store.append(idea("Frisch und schon übertragen"))
    store.mark_sent([old_sent_idea.id, old_sent_feedback.id, old_sent_vote.id, old_sent_empty.id,
                     new_sent_idea.id])
    counts_before = {kind: store.count(kind) for kind in Kind}

    assert store.redact_free_text(older_than=cut_off) == 2

    records = {r.id: r for r in store.iter_records()}
    assert records[old_sent_idea.id].payload == {"text": None, "layer": "de"}
    assert records[old_sent_feedback.id].payload == {"rating": 4, "comment": None, "layer": "de"}
    for redacted in (old_sent_idea, old_sent_feedback):
        assert records[redacted.id].extra["redacted_at"].startswith("2026-09-17T")
        assert records[redacted.id].seq == redacted.seq and records[redacted.id].created_at == redacted.created_at
    for kept in (old_pending_idea, old_sent_vote, old_sent_empty, new_sent_idea):
        assert records[kept.id].payload == kept.payload and records[kept.id].extra == {}
    assert {kind: store.count(kind) for kind in Kind} == counts_before
    assert store.health()["outbox"] == {"pending": 1, "sent": 5, "quarantined": 0}

    assert store.redact_free_text(older_than=clock.now) == 1  # only the new sent idea is left to redact
    assert store.redact_free_text(older_than=clock.now) == 0


def test_redact_keeps_unsent_text_whatever_its_age(store, clock):
    store.append(idea())
    store.append(view())
    clock.advance(days=4000)
    assert store.redact_free_text(older_than=clock.now) == 0
    assert [r.payload.get("text") for r in store.iter_records(kinds=[Kind.IDEA])] == ["Mehr Bänke am Marktplatz 🌳"]
