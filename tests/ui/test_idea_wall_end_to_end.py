"""The loop closed on site (issue 12, point 3), end to end: a visitor types an idea on the
headless kiosk, a sync pass pushes it to a real central (uvicorn on 127.0.0.1), staff approve and
answer it in Debian's Chromium through the dashboard, the next sync pass pulls the Ideenwand, and
the kiosk's Ideenwand shows the idea with its answer, in the visitor's layer. A second idea and
the answer carry markup and script payloads: the kiosk shows them as typed, inert."""

from __future__ import annotations

import subprocess

import pytest
import requests
from selenium.webdriver.common.by import By

from browser import after_click, chromium, screenshot
from central_server import central_command
from conftest import PROJECT
from sync.client import SyncClient

from .test_participation import take_part

pytestmark = pytest.mark.ui

PASSWORD = "correct horse battery staple"
PAYLOAD = "[color=ff0000]rot[/color] [b]fett[/b] <script>alert('xss')</script>"
ANSWER_DE = "Umgesetzt: Am Spielplatz hängen seit Mai vier Sonnensegel. [size=90]groß[/size] <b>nicht fett</b>"
ANSWER_EN = "Done: four sun sails hang over the playground since May."


@pytest.fixture
def central_for_kiosk(fresh, central_with):
    """A real central with this kiosk registered and a staff member; a sync client for the kiosk's
    own store, run by the test as `kiosk sync` runs a pass."""
    central = central_with(content_root=str(PROJECT))
    app = fresh.app
    token = central.add_kiosk(app.kiosk_config.kiosk.id)
    added = subprocess.run(central_command("add-staff", "anna", "--password-stdin", "--config",
                                           str(central.config_path)),
                           input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    # The kiosk (and its store) is shared by the session's UI tests: what this test's passes keep
    # in the store (the last sync status, the wall) is put back afterwards, so that a later test
    # does not find a successful sync it never made.
    saved_status = app.recorder.store.sync_status()
    client = SyncClient(app.recorder.store, central_url=central.url, token=token, kiosk_id=app.kiosk_config.kiosk.id,
                        interval_s=60, session=requests.Session(), app_version="test")
    yield fresh, central, client
    app.recorder.store.save_sync_status(saved_status)
    app.recorder.store.replace_idea_wall([], server_time="2026-12-01T00:00:00.000000Z")
    app.end_visit("test")


def send_idea(kiosk, keys=None, text=None) -> str:
    """An idea through the real idea screen: typed on its keyboard (`keys`), or put in its field
    as a pasted or hardware-typed text would be (`text`); the stored record's id."""
    from kiosk.core.records import Record

    app = kiosk.app
    take_part(kiosk, "friedhof-der-zukunft", "Idee einbringen")
    assert app.root.current == "idea"
    screen = app.root.get_screen("idea")
    if keys:
        kiosk.type_keys(keys)
    else:
        screen.ids.entry.ids.field.text = text
    kiosk.settle()
    saved = []
    original = app.record

    def keep(draft, on_done=None):
        def done(result):
            saved.append(result)
            if on_done is not None:
                on_done(result)
        original(draft, done)

    app.record = keep
    try:
        kiosk.tap(kiosk.find(text="Absenden"))
        kiosk.wait(lambda: screen.state == "thanks", what="the idea commit")
    finally:
        del app.record
    assert isinstance(saved[-1], Record)
    return saved[-1].id


def staff_approve_and_answer(browser, central, record_id: str, status: str, answers: dict[str, str]) -> None:
    browser.get(central.url + "/staff/ideas/" + record_id)
    if "/staff/login" in browser.current_url:
        browser.find_element(By.ID, "user").send_keys("anna")
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        after_click(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"), "main")
        browser.get(central.url + "/staff/ideas/" + record_id)
    approve = browser.find_element(By.XPATH, "//form[contains(@class,'decide')]//button[text()='Freigeben']")
    after_click(browser, approve, "p.done")
    form = browser.find_element(By.CSS_SELECTOR, "form.answer")
    form.find_element(By.CSS_SELECTOR, f"input[name=status][value={status}]").click()
    for layer, words in answers.items():
        field = form.find_element(By.ID, f"answer_{layer}")
        field.clear()
        field.send_keys(words)
    after_click(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"), "p.done")
    assert "Antwort gespeichert" in browser.find_element(By.CSS_SELECTOR, "p.done").text


def moderation_pages(central) -> bool:
    """Whether this central serves the moderation pages (/staff/ideas) to a logged-in member of staff."""
    import re

    with requests.Session() as session:
        page = session.get(central.url + "/staff/login", timeout=30).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        session.post(central.url + "/staff/login", data={"user": "anna", "password": PASSWORD, "csrf": csrf},
                     timeout=30)
        return session.get(central.url + "/staff/ideas", timeout=30, allow_redirects=False).status_code == 200


def staff_through_the_database(central, record_id: str, status: str, answers: dict[str, str]) -> None:
    """The dashboard's own calls, for a central without the moderation pages."""
    from central.db import CentralDb
    from kiosk.core.clock import utc_now, utc_text

    db = CentralDb.open(central.db)
    try:
        db.moderate(record_id, "approved", "anna", utc_text(utc_now()))
        db.answer_idea(record_id, status, answers, "anna", utc_text(utc_now()))
    finally:
        db.close()


def test_an_idea_from_the_kiosk_comes_back_answered_on_its_ideenwand(central_for_kiosk):
    from kiosk.ui.screens.idea_wall import IdeaCard

    kiosk, central, client = central_for_kiosk
    app = kiosk.app
    typed = send_idea(kiosk, keys=list("Mehr") + ["Leerzeichen", "Groß"] + list("Schatten") + ["Leerzeichen"]
                      + list("am") + ["Leerzeichen", "Groß"] + list("Spielplatz!"))
    hostile = send_idea(kiosk, text=PAYLOAD)
    app.end_visit("done")

    status = client.run_pass()
    assert status.online and status.last_error is None, status.last_error
    assert status.ideas_error is None and app.recorder.store.idea_wall() == []  # nothing approved yet
    stored = dict(central.rows("SELECT id, json_extract(payload, '$.text') FROM records WHERE kind = 'idea'"))
    assert stored[typed] == "Mehr Schatten am Spielplatz!" and stored[hostile] == PAYLOAD

    if moderation_pages(central):
        with chromium(1280, 800) as browser:
            staff_approve_and_answer(browser, central, hostile, "reviewing", {"de": "Wir prüfen: " + PAYLOAD})
            staff_approve_and_answer(browser, central, typed, "done", {"de": ANSWER_DE, "en": ANSWER_EN})
            screenshot(browser, "dashboard-idea-answered-1280x800")
    else:
        staff_through_the_database(central, hostile, "reviewing", {"de": "Wir prüfen: " + PAYLOAD})
        staff_through_the_database(central, typed, "done", {"de": ANSWER_DE, "en": ANSWER_EN})

    status = client.run_pass()
    assert status.ideas_error is None and status.ideas_pulled_at
    wall = {idea["id"]: idea for idea in app.recorder.store.idea_wall()}
    assert wall[typed]["status"] == "done" and wall[typed]["answer"]["de"] == ANSWER_DE

    # A new visitor finds the wall on the home screen, offline or not: it is read from the store.
    kiosk.resize(1280, 800)
    app.start_visit()
    kiosk.settle()
    kiosk.tap(app.screen("home").ids.idea_wall)
    kiosk.settle()
    assert app.root.current == "idea_wall", app.root.current
    cards = {card.idea_text: card for card in app.screen("idea_wall").cards}
    assert set(cards) >= {"Mehr Schatten am Spielplatz!", PAYLOAD}
    shown = kiosk.screen_text()
    for words in ("Mehr Schatten am Spielplatz!", "Umgesetzt", ANSWER_DE, PAYLOAD, "In Prüfung", "Wir prüfen: " + PAYLOAD):
        assert words in shown, words
    visitor_labels = [w for w in kiosk.walk() if isinstance(getattr(w, "parent", None), IdeaCard) or
                      isinstance(getattr(getattr(w, "parent", None), "parent", None), IdeaCard)]
    assert all(not getattr(label, "markup", False) for label in visitor_labels)
    screen = app.screen("idea_wall")
    assert [card.idea_text for card in screen.cards[:2]] == ["Mehr Schatten am Spielplatz!", PAYLOAD]  # newest first
    kiosk.screenshot("kiosk-idea-wall")
    screen.ids.scroll.scroll_y = 0  # down to the payload's card
    kiosk.screenshot("kiosk-idea-wall-xss")

    app.set_layer("en")
    kiosk.settle()
    shown = kiosk.screen_text()
    assert ANSWER_EN in shown and "Done" in shown and "Under review" in shown
    assert "This text is not yet available in English. It is shown in German." in shown  # the payload's answer
    kiosk.screenshot("kiosk-idea-wall-en")
