"""Reading for the CSV export: lines rendered by SQLite, vote tallies, one snapshot for both."""

from __future__ import annotations

import pytest

from kiosk.core.records import Kind
from kiosk.store import StoreClosedError

from .helpers import feedback, idea, view, vote


def _lines(stream) -> list[bytes]:
    return [line for batch in stream for line in batch]


def test_lines_hold_the_cells_in_seq_order(store):
    records = [store.append(d) for d in (view(), vote(("a", "b")), feedback("gut"), idea("Bänke 🌳"),
                                         vote(("c",), suspect=True))]
    with store.export_lines(batch=2) as stream:
        lines = _lines(stream)
    assert len(lines) == 5
    cells = [line.decode("utf-8").split(",") for line in lines]
    assert [c[0] for c in cells] == [r.id for r in records]
    assert [c[2] for c in cells] == ["1", "2", "3", "4", "5"]
    assert [c[5] for c in cells] == ["view", "vote", "feedback", "idea", "vote"]
    # answers, rating, layer, dwell_s, flags
    assert [c[11:] for c in cells] == [["", "", "de", "12.5", ""], ["a;b", "", "de", "", ""], ["", "4", "de", "", ""],
                                       ["", "", "de", "", ""], ["c", "", "de", "", "suspect_burst"]]
    with store.export_lines(include_free_text=True) as stream:
        assert stream.columns[-1] == "free_text"
        assert [line.decode("utf-8").split(",")[-1] for line in _lines(stream)] == ["", "", "gut", "Bänke 🌳", ""]


def test_lines_select_as_iter_records_does(store, clock):
    store.append(view())
    store.append(vote(poll="anderes"))
    clock.advance(days=1)
    boundary = clock.now
    store.append(vote())
    store.append(vote(exhibit="friedhof"))
    store.append(idea())

    def seqs(**selection):
        with store.export_lines(**selection) as stream:
            return [int(line.split(b",")[2]) for line in _lines(stream)]

    assert seqs() == [1, 2, 3, 4, 5]
    assert seqs(until=boundary) == [r.seq for r in store.iter_records(until=boundary)] == [1, 2]
    assert seqs(since=boundary) == [3, 4, 5]
    assert seqs(poll_id="wunsch") == [3, 4]
    assert seqs(poll_id="wunsch", exhibit_id="friedhof") == [4]
    assert seqs(exhibit_id="friedhof", since=boundary) == [4, 5]


def test_records_of_a_batch_come_from_the_same_snapshot(store):
    appended = [store.append(view()) for _ in range(7)]
    with store.export_lines(batch=3) as stream:
        batches = iter(stream)
        assert len(next(batches)) == 3
        second = next(batches)
        store.append(vote())  # committed while the export runs
        # The first records asked for: the stream rereads with rowids from this batch on.
        assert stream.records([2, 0]) == [appended[5], appended[3]]
        last = next(batches)
        assert stream.records([0]) == [appended[6]]
        assert len(second) == 3 and len(last) == 1 and next(batches, None) is None
    assert store.count() == 8


def test_tallies_count_only_the_snapshot_of_the_lines(store):
    store.append(vote(("a", "b")))
    store.append(vote(("a",), suspect=True))
    with store.export_lines() as stream:
        store.append(vote(("b",)))  # after the snapshot: in neither the lines nor the tallies
        tallies = store.vote_tallies(upto=stream.upto)
        assert len(_lines(stream)) == 2
    assert sorted(tallies) == [("radwege", "wunsch", "qv1", 0, "a", 1, 1, 0), ("radwege", "wunsch", "qv1", 0, "b", 1, 0, 0),
                               ("radwege", "wunsch", "qv1", 1, "a", 1, 1, 0)]
    assert sum(row[5] for row in store.vote_tallies() if row[4] == "b") == 2


def _counts(rows) -> dict:
    answers: dict = {}
    for row in rows:
        if row[4] is not None:
            answers[row[4]] = answers.get(row[4], 0) + row[5]
    return {"answers": answers, "voters": sum(row[6] for row in rows)}


def test_tallies_equal_poll_counts(store):
    for answers, suspect, version in [(("a",), False, "qv1"), (("a", "b"), False, "qv1"), (("b",), True, "qv1"),
                                      ((), False, "qv1"), (("a",), False, "qv0"), (("c",), True, "qv0")]:
        store.append(vote(answers, suspect=suspect, version=version))
    store.append(view())
    for version in ("qv1", "qv0"):
        rows = [row for row in store.vote_tallies(poll_id="wunsch") if row[:3] == ("radwege", "wunsch", version)]
        assert _counts([row for row in rows if not row[3]]) == store.poll_counts("radwege", "wunsch", version)
        assert _counts(rows) == store.poll_counts("radwege", "wunsch", version, include_suspect=True)
    assert store.vote_tallies(poll_id="keine") == []


def test_a_closed_store_says_so(store):
    store.close()
    with pytest.raises(StoreClosedError):
        store.export_lines()
    with pytest.raises(StoreClosedError):
        store.vote_tallies()


def test_a_closed_stream_says_so(store):
    store.append(view())
    stream = store.export_lines()
    stream.close()
    with pytest.raises(StoreClosedError):
        _lines(stream)
    assert [r.kind for r in store.iter_records()] == [Kind.VIEW]
