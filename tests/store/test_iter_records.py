"""Streaming records for exports: seq order, filters, one snapshot, constant memory."""

from __future__ import annotations

import datetime as dt
import tracemalloc

from kiosk.core.records import Kind

from .helpers import feedback, idea, view, vote


def test_stream_in_seq_order_with_filters(store, clock):
    day1 = [store.append(d) for d in (view(), vote(), idea(), vote(poll="anderes"))]
    clock.advance(days=1)
    boundary = clock.now
    day2 = [store.append(d) for d in (vote(), feedback(), view())]

    assert [r.seq for r in store.iter_records(batch=2)] == list(range(1, 8))
    assert list(store.iter_records(batch=3)) == day1 + day2
    assert list(store.iter_records(until=boundary)) == day1
    assert list(store.iter_records(since=boundary)) == day2
    assert list(store.iter_records(since=boundary.isoformat().replace("+00:00", "Z"))) == day2
    assert [r.seq for r in store.iter_records(poll_id="wunsch")] == [2, 5]
    assert [r.kind for r in store.iter_records(kinds=[Kind.VIEW, "idea"])] == [Kind.VIEW, Kind.IDEA, Kind.VIEW]
    assert list(store.iter_records(kinds=[])) == []
    assert list(store.iter_records(since=boundary - dt.timedelta(days=3), until=boundary, poll_id="anderes")) == \
        [day1[3]]


def test_stream_reads_one_snapshot_while_recording_goes_on(store):
    for _ in range(10):
        store.append(view())
    stream = store.iter_records(batch=4)
    first = next(stream)
    store.append(vote())  # committed while the export runs
    assert [first.seq] + [r.seq for r in stream] == list(range(1, 11))
    assert store.count() == 11


def test_stream_memory_does_not_grow_with_the_store(store):
    text = "Ein langer Vorschlag mit Umlauten äöüß und Emoji 🌳 " * 20
    for _ in range(2000):
        store.append(idea(text))
    tracemalloc.start()
    try:
        seen = 0
        for record in store.iter_records(batch=50):
            seen += len(record.payload["text"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == 2000 * len(text)
    # All 2000 records at once would take several MB; a batch of 50 is well under one.
    assert peak < 1_000_000, peak
