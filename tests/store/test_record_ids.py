"""Record ids: UUID version 7, so that ids made one after another sort in that order (the
central's unique index takes a batch into a few pages) and never collide."""

from __future__ import annotations

import time
import uuid

from kiosk.core.records import new_record_id

from .helpers import vote


def test_an_id_is_a_uuid_version_7_of_the_time_it_was_made():
    before = time.time_ns() // 1_000_000
    made = uuid.UUID(new_record_id())
    after = time.time_ns() // 1_000_000
    assert made.version == 7 and made.variant == uuid.RFC_4122
    assert before <= made.int >> 80 <= after


def test_ids_made_later_sort_after_as_text():
    earlier = [new_record_id() for _ in range(50)]
    time.sleep(0.002)
    later = [new_record_id() for _ in range(50)]
    assert max(earlier) < min(later)
    one_by_one = []
    for _ in range(20):
        one_by_one.append(new_record_id())
        time.sleep(0.0001)
    assert one_by_one == sorted(one_by_one)


def test_a_hundred_thousand_ids_are_all_different_even_within_a_millisecond():
    ids = [new_record_id() for _ in range(100_000)]
    assert len(set(ids)) == len(ids)
    assert len({made[:13] for made in ids}) < len(ids) / 10  # many share their millisecond


def test_the_store_gives_its_records_such_ids(store):
    ids = [store.append(vote()).id for _ in range(3)]
    assert {uuid.UUID(made).version for made in ids} == {7}
    assert ids == sorted(ids)
