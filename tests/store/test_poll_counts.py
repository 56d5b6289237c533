"""Live poll results: per answer and voters, bursts left out unless asked for."""

from __future__ import annotations

from .helpers import feedback, vote


def test_poll_counts_with_and_without_suspect_votes(store):
    store.append(vote(("a",)))
    store.append(vote(("a", "c")))            # multi: each ticked answer counts
    store.append(vote(("b",)))
    store.append(vote(("b",), suspect=True))  # a burst: kept, not in live results
    store.append(vote(("b",), suspect=True))
    store.append(vote(("a",), version="qv0"))       # the question as it was worded before
    store.append(vote(("a",), poll="anderes"))
    store.append(vote(("a",), exhibit="friedhof"))
    store.append(feedback())

    assert store.poll_counts("radwege", "wunsch", "qv1") == {"answers": {"a": 2, "b": 1, "c": 1}, "voters": 3}
    assert store.poll_counts("radwege", "wunsch", "qv1", include_suspect=True) == {
        "answers": {"a": 2, "b": 3, "c": 1}, "voters": 5}
    assert store.poll_counts("radwege", "wunsch", "qv0") == {"answers": {"a": 1}, "voters": 1}
    assert store.poll_counts("radwege", "nie-gefragt", "qv1") == {"answers": {}, "voters": 0}


def test_poll_counts_see_what_the_writer_committed(store):
    from kiosk.store import StoreWriter

    writer = StoreWriter(store)
    for answer in "abcab":
        writer.submit(vote((answer,)))
    assert writer.close()
    assert store.poll_counts("radwege", "wunsch", "qv1") == {"answers": {"a": 2, "b": 2, "c": 1}, "voters": 5}
