"""`GET /api/v1/ideas` (issue 12, point 3), against a real central, read as a kiosk reads it
(sync.protocol.read_answer): only the ideas staff approved, their text as approved (redacted
where staff redacted it), their status and answer in the layers staff gave, newest change
first, at most MAX_WALL_IDEAS; nothing about who wrote them; a kiosk without a valid token gets
nothing. Staff's actions are taken through CentralDb, the dashboard's own calls (the pages are
tested in tests/dashboard/test_moderation.py)."""

from __future__ import annotations

import uuid

import pytest
import requests

from central_records import push, record
from sync.protocol import IDEAS_PATH, MAX_WALL_IDEAS, MAX_WALL_TEXT, ErrorAnswer, IdeasAnswer, IdeaStatus, read_answer

PHONE_NUMBER = "0171 2345678"


def idea(text: str, seq: int, store_id: str, layer: str = "de", **changes) -> dict:
    return record("kiosk-01", store_id, seq, kind="idea", poll_id=None, question_version=None,
                  payload={"text": text, "layer": layer}, **changes)


def at(second: int) -> str:
    return f"2026-12-01T10:00:{second:02d}.000000Z"


def wall(central, token: str | None) -> requests.Response:
    headers = central.auth(token) if token else {}
    return requests.get(central.url + IDEAS_PATH, headers=headers, timeout=30)


@pytest.fixture
def ideas(central):
    token = central.add_kiosk("kiosk-01")
    store = str(uuid.uuid4())
    sent = {
        "redacted": idea(f"Mehr Bänke am Markt, ruft mich an: {PHONE_NUMBER}", 1, store, flags=["contact_data"]),
        "answered": idea("Trinkbrunnen am Bahnhof", 2, store, layer="ls"),
        "plain": idea("More trees, please", 3, store, layer="en"),
        "rejected": idea("Alle sind doof", 4, store),
        "pending": idea("Ein Café im Rathaus", 5, store),
        "feedback": record("kiosk-01", store, 6, kind="feedback", poll_id=None, question_version=None,
                           payload={"rating": 5, "comment": "Toll gemacht", "layer": "de"}),
    }
    assert push(central, token, list(sent.values())).status_code == 200
    ids = {name: values["id"] for name, values in sent.items()}
    with central.database() as db:
        db.redact(ids["redacted"], "Mehr Bänke am Markt, ruft mich an: [entfernt]", "anna", at(1),
                  "Telefonnummer entfernt")
        db.moderate(ids["redacted"], "approved", "anna", at(2))
        db.moderate(ids["answered"], "approved", "anna", at(3))
        db.answer_idea(ids["answered"], IdeaStatus.DONE.value,
                       {"de": "Der Brunnen steht seit Mai.", "en": None, "ls": "Am Bahnhof gibt es jetzt Wasser."},
                       "ben", at(6))
        db.moderate(ids["plain"], "approved", "anna", at(4))
        db.moderate(ids["rejected"], "rejected", "anna", at(5), "beleidigend")
        db.moderate(ids["feedback"], "approved", "anna", at(5))
    return central, token, ids


def test_only_approved_ideas_with_their_answers_newest_change_first(ideas):
    central, token, ids = ideas
    answer = wall(central, token)
    assert answer.status_code == 200
    got = read_answer(IdeasAnswer, answer.headers["content-type"], answer.content)
    assert [i.id for i in got.ideas] == [ids["answered"], ids["plain"], ids["redacted"]]
    answered, plain, redacted = got.ideas
    assert answered.status is IdeaStatus.DONE and answered.layer == "ls" and answered.answered_at == at(6)
    assert answered.answer.de == "Der Brunnen steht seit Mai." and answered.answer.en is None
    assert answered.answer.ls == "Am Bahnhof gibt es jetzt Wasser."
    assert plain.status is IdeaStatus.RECEIVED and plain.answer is None and plain.answered_at is None
    assert plain.text == "More trees, please" and plain.layer == "en" and plain.exhibit_id == "friedhof"
    assert redacted.text == "Mehr Bänke am Markt, ruft mich an: [entfernt]"
    body = answer.content.decode()
    assert PHONE_NUMBER not in body and "doof" not in body and "Café" not in body and "Toll" not in body
    assert "kiosk-01" not in body and "session" not in body  # nothing about who wrote them


def test_a_change_of_mind_takes_an_idea_off_the_wall_and_a_new_answer_moves_it_up(ideas):
    central, token, ids = ideas
    with central.database() as db:
        db.moderate(ids["answered"], "rejected", "anna", at(7), "doch nicht")
        db.answer_idea(ids["redacted"], IdeaStatus.REVIEWING.value, {"de": None, "en": "We are looking into it.",
                                                                     "ls": None}, "ben", at(8))
    got = read_answer(IdeasAnswer, "application/json", wall(central, token).content)
    assert [i.id for i in got.ideas] == [ids["redacted"], ids["plain"]]
    assert got.ideas[0].status is IdeaStatus.REVIEWING and got.ideas[0].answer.en == "We are looking into it."


def test_no_token_an_unknown_or_a_revoked_one_gets_nothing(ideas):
    central, token, _ = ideas
    for sent, status, code in ((None, 401, "no_token"), ("not-a-token", 401, "unknown_token")):
        answer = wall(central, sent)
        assert answer.status_code == status
        assert read_answer(ErrorAnswer, answer.headers["content-type"], answer.content).error.code == code
    central.revoke_kiosk("kiosk-01")
    answer = wall(central, token)
    assert answer.status_code == 403 and "Trinkbrunnen" not in answer.text
    assert read_answer(ErrorAnswer, answer.headers["content-type"], answer.content).error.code == "revoked"


def test_the_wall_holds_at_most_its_limit_and_odd_records_fit_the_wire(central):
    token = central.add_kiosk("kiosk-01")
    store = str(uuid.uuid4())
    many = [idea(f"Idee Nummer {n}", n, store) for n in range(1, MAX_WALL_IDEAS + 6)]
    long_one = idea("x" * (MAX_WALL_TEXT + 500), MAX_WALL_IDEAS + 6, store, layer="klingonisch")
    for start in range(0, len(many), 50):
        assert push(central, token, many[start:start + 50]).status_code == 200
    assert push(central, token, [long_one]).status_code == 200
    with central.database() as db:
        for n, values in enumerate(many):
            db.moderate(values["id"], "approved", "anna", f"2026-12-01T10:{n // 60:02d}:{n % 60:02d}.000000Z")
        db.moderate(long_one["id"], "approved", "anna", "2026-12-01T11:00:00.000000Z")
    got = read_answer(IdeasAnswer, "application/json", wall(central, token).content)
    assert len(got.ideas) == MAX_WALL_IDEAS
    assert got.ideas[0].id == long_one["id"] and len(got.ideas[0].text) == MAX_WALL_TEXT
    assert got.ideas[0].text.endswith("…") and got.ideas[0].layer == "de"
    assert got.ideas[-1].text == f"Idee Nummer {len(many) - MAX_WALL_IDEAS + 2}"  # the oldest approvals fell off


def test_answered_ideas_of_a_period_for_the_report(ideas):
    central, _, ids = ideas
    with central.database() as db:
        every = db.answered_ideas()
        none = db.answered_ideas("2000-01-01", "2000-01-02")
    assert [i["id"] for i in every] == [ids["redacted"], ids["answered"], ids["plain"]]  # oldest first
    answered = every[1]
    assert answered["status"] == "done" and answered["answered_by"] == "ben" and answered["source"] == "kiosk"
    assert answered["answer"] == {"de": "Der Brunnen steht seit Mai.", "en": None,
                                  "ls": "Am Bahnhof gibt es jetzt Wasser."}
    assert every[0]["text"].endswith("[entfernt]") and every[2]["answer"] is None and none == []
