"""Moderation of ideas and feedback comments, and staff's answers (issue 12, point 3), against a
real central with requests: the queue (texts flagged for contact data first, then the oldest),
approve, reject, redact with a note, answer in the layers staff give; every action logged; a
redaction that really takes the text out of the central's records (and its file) while a kiosk
pushing the record again still gets a duplicate; nothing without a login or the CSRF token;
hostile input refused with words and nothing changed."""

from __future__ import annotations

import json
import re
import uuid

import pytest
import requests

from central_records import outcomes, push, record
from staff_helpers import add_staff, log_in

PHONE_NUMBER = "0171 2345678"
HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>'


def free_text(kind: str, text: str | None, seq: int, store_id: str, created_at: str, **changes) -> dict:
    payload = ({"text": text, "layer": "de"} if kind == "idea" else
               {"rating": 4, "comment": text, "layer": "de"})
    return record("kiosk-01", store_id, seq, kind=kind, poll_id=None, question_version=None, payload=payload,
                  created_at=created_at, **changes)


@pytest.fixture
def texts(central):
    assert add_staff(central, "anna").returncode == 0
    token = central.add_kiosk("kiosk-01")
    store = str(uuid.uuid4())
    sent = {
        "old": free_text("idea", "Mehr Bänke am Markt", 1, store, "2026-11-01T09:00:00.000000Z"),
        "comment": free_text("feedback", "Schöne Ausstellung", 2, store, "2026-11-02T09:00:00.000000Z"),
        "flagged": free_text("idea", f"Ruft mich an: {PHONE_NUMBER}, Trinkbrunnen bitte", 3, store,
                             "2026-11-03T09:00:00.000000Z", flags=["contact_data"]),
        "hostile": free_text("idea", HOSTILE + "\n**fett** [Link](javascript:alert(3)) <b>b</b>", 4, store,
                             "2026-11-04T09:00:00.000000Z"),
        "rating": free_text("feedback", None, 5, store, "2026-11-05T09:00:00.000000Z"),
        "vote": record("kiosk-01", store, 6, created_at="2026-11-06T09:00:00.000000Z"),
    }
    assert push(central, token, list(sent.values())).status_code == 200
    return central, token, sent


def staff(central) -> tuple[requests.Session, str]:
    session = requests.Session()
    assert log_in(session, central, "anna").status_code == 303
    page = session.get(central.url + "/staff/ideas").text
    return session, re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def act(session, central, record_id: str, action: str, csrf: str, **form) -> requests.Response:
    return session.post(f"{central.url}/staff/ideas/{record_id}/{action}", data={"csrf": csrf, **form},
                        allow_redirects=False, timeout=30)


def queue_ids(page: str) -> list[str]:
    return re.findall(r'href="/staff/ideas/([0-9a-f-]{36})"', page)


def state_of_everything(central) -> list:
    return [central.rows(f"SELECT * FROM {table}") for table in ("moderation", "answers", "moderation_log",
                                                                 "redactions")] + [
        central.rows("SELECT id, payload FROM records ORDER BY id")]


def test_the_queue_puts_flagged_texts_first_then_the_oldest_and_only_free_text(texts):
    central, _, sent = texts
    session, _ = staff(central)
    page = session.get(central.url + "/staff/ideas").text
    assert queue_ids(page) == [sent[name]["id"] for name in ("flagged", "old", "comment", "hostile")]
    assert page.count("⚠ Kontaktdaten?") == 1 and 'aria-current="page">Offen <span class="count">4</span>' in page
    assert "Schöne Ausstellung" in page and "4 von 5 Sternen" in page
    # A text that may hold contact data has no quick approval in the queue: it is opened first.
    flagged_entry = page.split('<li class="entry')[1]
    assert "flagged" in flagged_entry.split(">")[0] and ">Freigeben<" not in flagged_entry
    assert page.split('<li class="entry')[2].count(">Freigeben<") == 1


def test_approve_reject_and_answer_are_logged_and_move_between_the_tabs(texts):
    central, _, sent = texts
    session, csrf = staff(central)
    old, comment = sent["old"]["id"], sent["comment"]["id"]
    approved = act(session, central, old, "approve", csrf, back="queue")
    assert approved.status_code == 303 and approved.headers["location"] == "/staff/ideas?state=pending&done=approve"
    assert act(session, central, comment, "reject", csrf, note="Werbung").headers["location"] == (
        f"/staff/ideas/{comment}?done=reject")
    answered = act(session, central, old, "answer", csrf, status="reviewing", answer_de="Wir prüfen das.\r\nDanke!",
                   answer_en="", answer_ls="Wir sehen uns das an.")
    assert answered.status_code == 303
    assert central.rows("SELECT record_id, state, who, note FROM moderation ORDER BY state") == [
        (old, "approved", "anna", None), (comment, "rejected", "anna", "Werbung")]
    assert central.rows("SELECT status, answer_de, answer_en, answer_ls, who FROM answers") == [
        ("reviewing", "Wir prüfen das.\nDanke!", None, "Wir sehen uns das an.", "anna")]
    log = central.rows("SELECT record_id, who, action, detail FROM moderation_log ORDER BY id")
    assert [(r, w, a) for r, w, a, _ in log] == [(old, "anna", "approve"), (comment, "anna", "reject"),
                                                 (old, "anna", "answer")]
    assert json.loads(log[1][3]) == {"note": "Werbung"} and json.loads(log[2][3]) == {"status": "reviewing",
                                                                                      "layers": ["de", "ls"]}
    pending = session.get(central.url + "/staff/ideas").text
    assert old not in queue_ids(pending) and comment not in queue_ids(pending)
    assert queue_ids(session.get(central.url + "/staff/ideas?state=approved").text) == [old]
    page = session.get(f"{central.url}/staff/ideas/{old}?done=answer").text
    assert "Antwort gespeichert." in page and "in Prüfung (Deutsch, Leichte Sprache)" in page
    assert "Wir prüfen das.\nDanke!</textarea>" in page
    # A change of mind is one more line in the log.
    assert act(session, central, comment, "approve", csrf).status_code == 303
    assert central.rows("SELECT state FROM moderation WHERE record_id = ?", (comment,)) == [("approved",)]
    assert len(central.rows("SELECT * FROM moderation_log")) == 4


def test_redaction_removes_the_text_from_the_records_and_a_push_again_stays_a_duplicate(texts):
    central, token, sent = texts
    session, csrf = staff(central)
    flagged = sent["flagged"]["id"]
    redacted = act(session, central, flagged, "redact", csrf, text="Ruft mich an: [entfernt], Trinkbrunnen bitte",
                   note="Telefonnummer entfernt")
    assert redacted.status_code == 303
    (payload,) = central.rows("SELECT payload FROM records WHERE id = ?", (flagged,))
    assert json.loads(payload[0]) == {"text": "Ruft mich an: [entfernt], Trinkbrunnen bitte", "layer": "de"}
    assert central.rows("SELECT field, who, note, applied FROM redactions") == [
        ("text", "anna", "Telefonnummer entfernt", 1)]
    assert central.rows("SELECT action FROM moderation_log") == [("redact",)]
    # The kiosk pushes the same record again (its outbox lost the acknowledgement): a duplicate.
    assert outcomes(push(central, token, [sent["flagged"]]))[flagged] == ("duplicate", None)
    # Exports with free text show the redacted text.
    export = session.post(central.url + "/staff/export", data={"csrf": csrf, "format": "json", "free_text": "yes"},
                          timeout=60)
    assert "Ruft mich an: [entfernt]" in export.text and PHONE_NUMBER not in export.text
    page = session.get(f"{central.url}/staff/ideas/{flagged}").text
    assert PHONE_NUMBER not in page and "Telefonnummer entfernt" in page and "geschwärzt" in page.lower()
    # Nothing of the old text stays in the database file once the central has folded its WAL in
    # (on PostgreSQL the old row version stays until VACUUM: docs/central.md).
    session.close()
    central.stop()
    if central.db_path is None:
        return
    assert PHONE_NUMBER.encode() not in central.db_path.read_bytes()
    assert not central.db_path.with_name(central.db_path.name + "-wal").exists() or \
        PHONE_NUMBER.encode() not in central.db_path.with_name(central.db_path.name + "-wal").read_bytes()


def test_without_the_csrf_token_or_a_login_nothing_changes(texts):
    central, token, sent = texts
    before = state_of_everything(central)
    session, csrf = staff(central)
    old = sent["old"]["id"]
    for wrong in ("", "0" * 32):
        assert act(session, central, old, "approve", wrong).status_code == 403
        assert act(session, central, old, "redact", wrong, text="x", note="y").status_code == 403
    anonymous = requests.post(f"{central.url}/staff/ideas/{old}/approve", data={"csrf": csrf}, allow_redirects=False,
                              timeout=30)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/staff/login"
    bearer = requests.post(f"{central.url}/staff/ideas/{old}/answer", data={"csrf": csrf, "status": "done"},
                           headers=central.auth(token), allow_redirects=False, timeout=30)
    assert bearer.status_code == 303 and bearer.headers["location"] == "/staff/login"
    for path in ("/staff/ideas", f"/staff/ideas/{old}"):
        answer = requests.get(central.url + path, allow_redirects=False, timeout=30)
        assert answer.status_code == 303 and answer.headers["location"] == "/staff/login"
    assert state_of_everything(central) == before


@pytest.mark.parametrize("target, action, form, status, words", [
    ("old", "answer", {"status": "done", "answer_de": "x" * 5001}, 422, "mehr als 5000 Zeichen"),
    ("old", "answer", {"status": "fertig", "answer_de": "Ja"}, 422, "Stand"),
    ("comment", "answer", {"status": "done", "answer_de": "Danke"}, 422, "Nur Ideen bekommen eine Antwort"),
    ("old", "redact", {"text": "Mehr Bänke am Markt", "note": "nichts"}, 422, "unverändert"),
    ("old", "redact", {"text": "Mehr Bänke", "note": ""}, 422, "Notiz"),
    ("old", "redact", {"text": "  ", "note": "alles weg"}, 422, "ohne die personenbezogenen Daten"),
    ("old", "approve", {"note": "n" * 501}, 422, "mehr als 500 Zeichen"),
    ("vote", "approve", {}, 422, "keine Idee und kein Kommentar"),
    ("rating", "reject", {}, 422, "keine Idee und kein Kommentar"),
    (str(uuid.uuid4()), "approve", {}, 404, "gibt es nicht"),
    ("x'); DROP TABLE records; --", "approve", {}, 404, "gibt es nicht"),
    ("old", "delete", {}, 404, "Aktion gibt es nicht"),
    ("old", "answer", {"status": "done", "answer_de": "ü" * 40_000}, 413, "zu groß"),
])
def test_hostile_or_wrong_input_is_refused_with_words_and_nothing_changes(texts, target, action, form, status,
                                                                           words):
    central, _, sent = texts
    before = state_of_everything(central)
    session, csrf = staff(central)
    record_id = sent[target]["id"] if target in sent else target
    answer = act(session, central, record_id, action, csrf, **form)
    assert answer.status_code == status and words in answer.text, answer.text[:2000]
    assert state_of_everything(central) == before


def test_hostile_text_is_shown_inert_in_the_queue_and_on_its_page(texts):
    central, _, sent = texts
    session, _ = staff(central)
    hostile = sent["hostile"]["id"]
    for page in (session.get(central.url + "/staff/ideas"), session.get(f"{central.url}/staff/ideas/{hostile}")):
        assert page.status_code == 200 and "script-src" not in page.headers["content-security-policy"]
        assert "<script>alert" not in page.text and "<img src=x" not in page.text and "<b>b</b>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in page.text
        assert "**fett** [Link](javascript:alert(3))" in page.text and 'href="javascript' not in page.text
