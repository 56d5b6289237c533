"""Simulated visitors through the same path as the screens: Visits builds the drafts,
the store's writer thread commits them. For benchmarks, fault tests and demos.

Time is simulated (a visit takes seconds of virtual time, not of real time), so cooldowns
and dwell times behave as with people, while the records are written as fast as the store
allows.
"""

from __future__ import annotations

import os
import random
import threading
from dataclasses import dataclass
from pathlib import Path

from .core.content_loader import LoadedContent
from .core.content_model import PollType
from .core.records import Record
from .core.visit import Visits, VoteBlocked

IDEAS = [
    "Mehr Bänke und Schatten auf dem Marktplatz 🌳",
    "Ein Trinkwasserbrunnen am Bahnhof wäre großartig 💧",
    "Öffentliches WLAN auch im Theodor-Heuss-Park",
    "Digitale Anzeige für freie Plätze in der Bücherei 📚",
    "Größere Schrift auf den Infotafeln, bitte!",
    "Ruft mich gern an: 02921 123456",
    "Baumpatenschaften über eine App vermitteln 🌱",
]
COMMENTS = ["Sehr verständlich erklärt 👍", "Zu viel Text", "Schön gemacht!", "Mehr Beispiele aus Soest", ""]


@dataclass
class SimulationResult:
    visitors: int = 0
    acknowledged: int = 0
    failed: int = 0


class VirtualClock:
    def __init__(self, start: float = 0.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def simulate(content: LoadedContent, writer, *, visitors: int, seed: int | None = None,
             ack_log: Path | None = None, cooldown_s: float = 20.0) -> SimulationResult:
    """Drive `visitors` sessions; `writer` is a kiosk.store.StoreWriter."""
    rng = random.Random(seed)
    clock = VirtualClock()
    visits = Visits(content.version, vote_cooldown_s=cooldown_s, clock=clock)
    result = SimulationResult()
    log = open(ack_log, "a", encoding="utf-8") if ack_log else None
    lock = threading.Lock()
    done = threading.Condition(lock)
    pending = [0]

    def acknowledged(outcome):
        with lock:
            if isinstance(outcome, Record):
                result.acknowledged += 1
                if log is not None:
                    log.write(outcome.id + "\n")
                    log.flush()
                    os.fsync(log.fileno())
            else:
                result.failed += 1
            pending[0] -= 1
            done.notify_all()

    def record(draft):
        if draft is None:
            return
        with lock:
            pending[0] += 1
        writer.submit(draft, acknowledged)

    try:
        for _ in range(visitors):
            _one_visit(rng, clock, visits, content, record)
            result.visitors += 1
            clock.advance(rng.uniform(5, 120))
        with lock:
            done.wait_for(lambda: pending[0] == 0, timeout=120)
    finally:
        if log is not None:
            log.close()
    return result


def _one_visit(rng, clock, visits: Visits, content: LoadedContent, record) -> None:
    visits.start(rng.choice(("de", "de", "de", "en", "ls")))
    for exhibit in rng.sample(content.exhibits, k=min(len(content.exhibits), rng.randint(1, 4))):
        record(visits.enter_exhibit(exhibit.id))
        clock.advance(rng.uniform(8, 90))
        for poll in exhibit.polls:
            if rng.random() < 0.6:
                shown = clock()
                clock.advance(rng.uniform(0.5, 15))
                try:
                    record(visits.vote(exhibit, poll, _answers(rng, poll), shown))
                except VoteBlocked:
                    pass
        if exhibit.feedback and rng.random() < 0.3:
            record(visits.feedback(exhibit, rng.randint(1, 5), rng.choice(COMMENTS)))
        if exhibit.idea is not None and rng.random() < 0.2:
            record(visits.idea(exhibit, rng.choice(IDEAS)))
    for draft in visits.end(rng.choice(("idle", "done", "done"))):
        record(draft)


def _answers(rng, poll) -> list[str]:
    ids = list(poll.answer_ids())
    if poll.type is PollType.MULTI:
        return rng.sample(ids, k=rng.randint(1, poll.max_choices))
    return [rng.choice(ids)]
