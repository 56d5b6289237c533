"""The Ideenwand's cache in the kiosk store (migration m007): replaced wholesale, kept across
restarts, never a record, never in the outbox or an export."""

from __future__ import annotations

import sqlite3

import pytest

from kiosk.store import Store, StoreWriteError

from .helpers import idea, vote

SERVER_TIME = "2026-12-01T10:00:00.000000Z"


def wall_idea(number: int, **changes) -> dict:
    values = {"id": f"00000000-0000-4000-8000-{number:012d}", "text": f"Idee {number}", "layer": "de",
              "exhibit_id": "friedhof", "created_at": "2026-11-20T09:00:00.000000Z", "status": "reviewing",
              "answer": {"de": f"Antwort {number}", "en": None, "ls": None},
              "answered_at": "2026-11-28T09:00:00.000000Z"}
    return {**values, **changes}


def test_an_empty_store_has_an_empty_wall(store):
    assert store.idea_wall() == [] and store.idea_wall_pulled() is None


def test_the_wall_is_kept_as_given_in_the_central_s_order(store):
    ideas = [wall_idea(3), wall_idea(1, answer=None, answered_at=None, status="received"),
             wall_idea(2, text="Mehr Bänke 🌳\nund Schatten", layer="en",
                      answer={"de": "Ja", "en": "Yes", "ls": "Ja. Das machen wir."}, status="done")]
    assert store.replace_idea_wall(ideas, server_time=SERVER_TIME) == 3
    assert store.idea_wall() == ideas
    assert store.idea_wall_pulled()["server_time"] == SERVER_TIME


def test_a_new_answer_replaces_the_whole_wall(store):
    store.replace_idea_wall([wall_idea(1), wall_idea(2)], server_time=SERVER_TIME)
    store.replace_idea_wall([wall_idea(5)], server_time="2026-12-01T11:00:00.000000Z")
    assert [i["text"] for i in store.idea_wall()] == ["Idee 5"]
    store.replace_idea_wall([], server_time="2026-12-01T12:00:00.000000Z")
    assert store.idea_wall() == [] and store.idea_wall_pulled()["server_time"] == "2026-12-01T12:00:00.000000Z"


def test_a_failed_replacement_keeps_the_old_wall(store):
    store.replace_idea_wall([wall_idea(1), wall_idea(2)], server_time=SERVER_TIME)
    broken = [wall_idea(7), {**wall_idea(8), "text": None}]  # NOT NULL fails on the second row
    with pytest.raises(StoreWriteError):
        store.replace_idea_wall(broken, server_time="2026-12-02T00:00:00.000000Z")
    assert [i["text"] for i in store.idea_wall()] == ["Idee 1", "Idee 2"]
    assert store.idea_wall_pulled()["server_time"] == SERVER_TIME


def test_the_wall_survives_a_restart(store_path):
    with Store.open(store_path, "k1") as store:
        store.replace_idea_wall([wall_idea(1)], server_time=SERVER_TIME)
    with Store.open(store_path, "k1") as store:
        assert store.idea_wall() == [wall_idea(1)]


def test_the_wall_is_no_record_and_never_leaves_the_kiosk(store):
    store.append(vote())
    store.append(idea("Meine eigene Idee"))
    hostile = "[b]fett[/b] <script>alert(1)</script> WANDTEXT"
    store.replace_idea_wall([wall_idea(1, text=hostile)], server_time=SERVER_TIME)
    assert store.count() == 2
    assert store.health()["outbox"]["pending"] == 2
    assert all("WANDTEXT" not in text for _, text in store.outbox_pending_json())
    assert all("WANDTEXT" not in str(record.payload) for record in store.iter_records())
    with store.export_lines(include_free_text=True) as stream:
        exported = b"".join(line for batch in stream for line in batch)
    assert b"Meine eigene Idee" in exported and b"WANDTEXT" not in exported


def test_a_reading_store_reads_the_wall(store_path):
    with Store.open(store_path, "k1") as store:
        store.replace_idea_wall([wall_idea(1)], server_time=SERVER_TIME)
    reader = Store.open_for_reading(store_path, "k1")
    try:
        assert reader.idea_wall() == [wall_idea(1)]
    finally:
        reader.close()


def test_the_wall_table_takes_any_text_as_data(store):
    # Parameters, never SQL text: quotes and semicolons are just characters of an idea.
    text = "'); DROP TABLE records; --"
    store.replace_idea_wall([wall_idea(1, text=text)], server_time=SERVER_TIME)
    assert store.idea_wall()[0]["text"] == text
    conn = sqlite3.connect(store.path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM records").fetchone()[0] == 0
    finally:
        conn.close()
