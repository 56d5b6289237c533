"""Vote tallies (the results page): the votes of a batch counted by vote_tallies' key, in the
transaction that stores them."""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
from collections import Counter
from typing import Iterable

from kiosk.core.clock import local_zone
from kiosk.core.records import Flag, Kind

from .rows import RECORD_COLUMNS as _RECORD_COLUMNS

_VOTE = Kind.VOTE.value
_SUSPECT_TEXT = json.dumps(Flag.SUSPECT_BURST.value)  # as it stands in a record's flags text
_TALLY_KEY = "exhibit_id, poll_id, question_version, suspect, answer, day, kiosk_id, source"
_ADD_TALLY = (f"INSERT INTO vote_tallies ({_TALLY_KEY}, votes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
              f"ON CONFLICT ({_TALLY_KEY}) DO UPDATE SET votes = vote_tallies.votes + excluded.votes")
_VOTE_COLUMNS = ("created_at", "exhibit_id", "poll_id", "question_version", "kiosk_id", "source", "flags", "payload")
# A stored row (_RECORD_COLUMNS order) as _tally_votes reads it.
_vote_of = operator.itemgetter(*(_RECORD_COLUMNS.index(name) for name in _VOTE_COLUMNS))
_STORED_KIND_AT = _RECORD_COLUMNS.index("kind")
_BACKFILL_SLICE = 50_000


@functools.lru_cache(maxsize=4096)
def _local_day(utc_hour: str) -> str:
    """The Europe/Berlin date of a UTC hour ("2026-11-30T23"). The zone's offsets are whole
    hours, so one conversion per hour serves all of its records."""
    try:
        return dt.datetime.fromisoformat(utc_hour + ":00:00+00:00").astimezone(local_zone()).date().isoformat()
    except (ValueError, OverflowError):  # the last hour of year 9999 has no Berlin date
        return utc_hour[:10]


def _answers(payload: str) -> tuple[str, ...]:
    """The answers of a vote's payload as the results count them: every non-empty string in its
    "answers" list. The kiosk and the phone pages send nothing else; anything else counts the
    voter only."""
    try:
        answers = json.loads(payload).get("answers")
    except (ValueError, AttributeError):
        return ()
    return tuple(a for a in answers if isinstance(a, str) and a) if isinstance(answers, list) else ()


def _tally_votes(votes: Iterable[tuple]) -> Counter:
    """Votes (their _VOTE_COLUMNS) counted by vote_tallies' key: one for the voter (answer '')
    and one for each answer. Votes alike (same poll, hour, kiosk, flags and payload: the same
    answer in the same layer) are counted together first, in C, so that the per-vote work in
    Python stays a tuple; each distinct payload is read once."""
    alike = Counter((created_at[:13], exhibit_id, poll_id, version, kiosk_id, source, flags, payload)
                    for created_at, exhibit_id, poll_id, version, kiosk_id, source, flags, payload in votes)
    tally: Counter = Counter()
    answers_of: dict[str, tuple[str, ...]] = {}
    for (hour, exhibit_id, poll_id, version, kiosk_id, source, flags, payload), count in alike.items():
        answers = answers_of.get(payload)
        if answers is None:
            answers = answers_of[payload] = _answers(payload)
        head = (exhibit_id or "", poll_id or "", version or "", int(_SUSPECT_TEXT in flags))
        tail = (_local_day(hour), kiosk_id, source)
        tally[(*head, "", *tail)] += count
        for answer in answers:
            tally[(*head, answer, *tail)] += count
    return tally


def _add_tallies(conn, tally: Counter) -> None:
    # In key order: concurrent transactions (PostgreSQL, several workers) that add to the same
    # rows take their row locks in one order, so they wait for each other and never deadlock.
    conn.executemany(_ADD_TALLY, [(*key, votes) for key, votes in sorted(tally.items())])


def count_votes(conn, rows: list[tuple]) -> None:
    """Add the votes among `rows` (just inserted, in _RECORD_COLUMNS order) to vote_tallies, in
    the transaction that inserted them: one upsert per tally row the batch touches, not one per
    record (a batch of a thousand votes touches a few dozen)."""
    tally = _tally_votes(_vote_of(row) for row in rows if row[_STORED_KIND_AT] == _VOTE)
    if tally:
        _add_tallies(conn, tally)


def backfill_vote_tallies(conn) -> int:
    """Count every stored vote into vote_tallies (empty before): m005's backfill, and how the
    results benchmark fills its table. The same counting as each batch's, a slice of votes at a
    time, so memory stays bounded however many there are. The votes counted."""
    cursor = conn.execute(f"SELECT {', '.join(_VOTE_COLUMNS)} FROM records WHERE kind = ?", (_VOTE,))
    counted = 0
    while votes := cursor.fetchmany(_BACKFILL_SLICE):
        _add_tallies(conn, _tally_votes(votes))
        counted += len(votes)
    return counted

