"""A process that records until it is killed: the child of the kill -9 tests.

    python tests/store/append_worker.py --store PATH --ack-log FILE --seed N [--count N]

Drafts go through StoreWriter, as the screens' do. After each acknowledged record (the
callback got a Record, so the commit returned) its id is appended to the ack-log and fsynced:
the ack-log is the list of records a visitor was told "danke" for.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading

from kiosk.core.records import Flag, Kind, Record, RecordDraft
from kiosk.store import Store, StoreWriter

IDEAS = ["Mehr Bänke am Marktplatz 🌳", "Trinkbrunnen am Bahnhof 💧", "Größere Schrift, bitte!",
         "Ruft an: 02921 123456"]


def drafts(rng: random.Random):
    """Endless drafts of every kind, with umlauts and emoji where people would type them."""
    session = f"s-{rng.getrandbits(64):016x}"
    while True:
        if rng.random() < 0.1:
            session = f"s-{rng.getrandbits(64):016x}"
        roll = rng.random()
        if roll < 0.45:
            answers = rng.sample(["a", "b", "c", "d"], k=rng.randint(1, 2))
            yield RecordDraft(kind=Kind.VOTE, session_id=session, content_version="cv1", exhibit_id="radwege",
                              poll_id="wunsch", question_version="qv1", payload={"answers": answers, "layer": "de"},
                              flags=(Flag.SUSPECT_BURST,) if rng.random() < 0.05 else ())
        elif roll < 0.75:
            yield RecordDraft(kind=Kind.VIEW, session_id=session, content_version="cv1", exhibit_id="radwege",
                              payload={"dwell_s": round(rng.uniform(2, 90), 1), "layer": "ls"})
        elif roll < 0.85:
            yield RecordDraft(kind=Kind.FEEDBACK, session_id=session, content_version="cv1", exhibit_id="radwege",
                              payload={"rating": rng.randint(1, 5), "comment": "Schön erklärt 👍", "layer": "de"})
        elif roll < 0.95:
            yield RecordDraft(kind=Kind.IDEA, session_id=session, content_version="cv1", exhibit_id="friedhof",
                              payload={"text": rng.choice(IDEAS), "layer": "de"})
        else:
            yield RecordDraft(kind=Kind.SESSION, session_id=session, content_version="cv1",
                              payload={"started_at": "2026-03-01T10:00:00Z", "ended_at": "2026-03-01T10:03:00Z",
                                       "layer": "de", "ended_by": "done"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--ack-log", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=0, help="stop after N records (0: until killed)")
    parser.add_argument("--kiosk-id", default="kill-test")
    parser.add_argument("--in-flight", type=int, default=8, help="drafts queued ahead of the writer")
    args = parser.parse_args(argv)

    store = Store.open(args.store, args.kiosk_id, app_version="append_worker")
    writer = StoreWriter(store)
    log = open(args.ack_log, "a", encoding="utf-8")
    slots = threading.BoundedSemaphore(args.in_flight)
    failures: list[BaseException] = []

    def acknowledged(result):
        if isinstance(result, Record):
            log.write(result.id + "\n")
            log.flush()
            os.fsync(log.fileno())
        else:
            failures.append(result)
        slots.release()

    source = drafts(random.Random(args.seed))
    written = 0
    while not failures and (args.count == 0 or written < args.count):
        slots.acquire()
        writer.submit(next(source), acknowledged)
        written += 1
    writer.close()
    store.close()
    log.close()
    if failures:
        print(f"append_worker: {failures[0]!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
