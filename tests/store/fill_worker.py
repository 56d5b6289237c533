"""A process whose store fills up for real: the child of the disk-full test.

    python tests/store/fill_worker.py --store PATH --ack-log FILE --limit BYTES [--after N]

Opens the store, then lowers its own RLIMIT_FSIZE to BYTES (SIGXFSZ ignored, so a write past
the limit fails with EFBIG as on a full disk) and records through StoreWriter until a write
fails. Then it raises the limit again, as when staff free space, and records N more through the
same store and writer, without reopening. Acknowledged ids go to the ack-log (fsynced);
a JSON summary goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import resource
import signal
import sys

from kiosk.core.records import Kind, Record, RecordDraft
from kiosk.store import Store, StoreFullError, StoreWriter

MAX_ATTEMPTS = 20000


def draft(n: int) -> RecordDraft:
    return RecordDraft(kind=Kind.IDEA, session_id=f"s{n // 5}", content_version="cv1", exhibit_id="friedhof",
                       payload={"text": f"Idee Nr. {n}: mehr Grün und Bänke am Friedhof 🌳 " * 4, "layer": "de"})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", required=True)
    parser.add_argument("--ack-log", required=True)
    parser.add_argument("--limit", type=int, required=True)
    parser.add_argument("--after", type=int, default=20)
    args = parser.parse_args()

    store = Store.open(args.store, "fill-test")
    writer = StoreWriter(store)
    log = open(args.ack_log, "a", encoding="utf-8")
    results: queue.SimpleQueue = queue.SimpleQueue()
    summary = {"acked_before_full": 0, "full_errors": [], "other_errors": [], "acked_after": 0}

    def write(n: int):
        writer.submit(draft(n), results.put)
        result = results.get(timeout=30)
        if isinstance(result, Record):
            log.write(result.id + "\n")
            log.flush()
            os.fsync(log.fileno())
        return result

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (args.limit, hard))
    n = 0
    while n < MAX_ATTEMPTS:
        result = write(n)
        n += 1
        if isinstance(result, Record):
            summary["acked_before_full"] += 1
            continue
        (summary["full_errors"] if isinstance(result, StoreFullError) else summary["other_errors"]).append(
            f"{type(result).__name__}: {result}")
        break
    # Still full: more attempts fail the same way, and the store stays usable.
    for _ in range(3):
        result = write(n)
        n += 1
        (summary["full_errors"] if isinstance(result, StoreFullError) else summary["other_errors"]).append(
            f"{type(result).__name__}: {result}")
    summary["alerts_while_full"] = [a["kind"] for a in store.alerts()]

    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # space is back
    for _ in range(args.after):
        result = write(n)
        n += 1
        if isinstance(result, Record):
            summary["acked_after"] += 1
        else:
            summary["other_errors"].append(f"after: {type(result).__name__}: {result}")
    summary["alerts_after"] = [a["kind"] for a in store.alerts()]
    summary["boot_id_unchanged"] = store.health()["boot_id"] == store.boot_id
    writer.close()
    store.close()
    log.close()
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
