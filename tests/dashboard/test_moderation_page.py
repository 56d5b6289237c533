"""Moderation and answers in Debian's Chromium (issue 12, point 3): staff log in, open the queue,
approve an idea and answer it in two layers, as they would; the answer reaches the kiosks' API.
Visitors' hostile text (script, HTML, Markdown) is shown as text and runs nothing, in the queue
and on its page; axe-core finds no serious or critical violation on either page. Screenshots go
to tests/screenshots."""

from __future__ import annotations

import json
import uuid

import pytest
import requests
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

from browser import after_click, chromium, screenshot, serious_violations
from central_records import push, record
from staff_helpers import PASSWORD, add_staff
from sync.protocol import IDEAS_PATH, IdeasAnswer, read_answer

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
MARKDOWN = "**fett** [Klick](javascript:alert(3)) <a href=\"javascript:alert(4)\">Link</a>"


def idea(text: str, seq: int, store_id: str, created_at: str, **changes) -> dict:
    return record("kiosk-01", store_id, seq, kind="idea", poll_id=None, question_version=None,
                  payload={"text": text, "layer": "de"}, created_at=created_at, **changes)


@pytest.fixture
def queue(central):
    assert add_staff(central, "anna").returncode == 0
    token = central.add_kiosk("kiosk-01")
    store = str(uuid.uuid4())
    sent = {
        "bench": idea("Mehr Bänke am Marktplatz, damit Ältere sich ausruhen können.", 1, store,
                      "2026-11-20T09:15:00.000000Z"),
        "contact": idea("Schattige Plätze am Friedhof. Meldet euch gern: anna.beispiel@example.org", 2, store,
                        "2026-11-24T16:40:00.000000Z", flags=["contact_data"]),
        "hostile": idea(f"{HOSTILE}\n{MARKDOWN}", 3, store, "2026-11-25T11:05:00.000000Z"),
        "comment": record("kiosk-01", store, 4, kind="feedback", poll_id=None, question_version=None,
                          payload={"rating": 5, "comment": "Sehr verständlich erklärt, danke!", "layer": "de"},
                          created_at="2026-11-26T14:30:00.000000Z"),
    }
    assert push(central, token, list(sent.values())).status_code == 200
    return central, token, sent


def no_alert(browser) -> bool:
    try:
        browser.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


def assert_inert(browser) -> None:
    """The hostile text is on the page as text: no alert, no element made from it."""
    assert no_alert(browser)
    assert browser.execute_script("return document.querySelectorAll('main script, main img, main a[href^=\"javascript\"]"
                                  ", main strong').length") == 0
    assert HOSTILE in browser.find_element(By.TAG_NAME, "main").text
    assert HOSTILE not in browser.page_source  # the page's source has it escaped


def test_staff_approve_and_answer_an_idea_and_hostile_text_stays_inert(queue):
    central, token, sent = queue
    problems = []
    with chromium(1280, 800) as browser:
        browser.get(central.url + "/staff/ideas")
        assert browser.current_url.endswith("/staff/login")
        browser.find_element(By.ID, "user").send_keys("anna")
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        after_click(browser, browser.find_element(By.CSS_SELECTOR, "form.login button"), "h1")
        heading = after_click(browser, browser.find_element(By.LINK_TEXT, "Ideen & Feedback"), "h1")
        assert heading.text == "Ideen & Feedback"
        entries = browser.find_elements(By.CSS_SELECTOR, "ol.queue > li")
        assert [e.find_element(By.CSS_SELECTOR, "a.open").get_attribute("href").rsplit("/", 1)[1] for e in entries] \
            == [sent[name]["id"] for name in ("contact", "bench", "hostile", "comment")]
        assert "flagged" in entries[0].get_attribute("class") and "⚠ Kontaktdaten?" in entries[0].text
        assert_inert(browser)
        screenshot(browser, "dashboard-ideas-1280x800")
        problems += serious_violations(browser)

        bench = browser.find_elements(By.CSS_SELECTOR, "ol.queue > li")[1]
        done = after_click(browser, bench.find_element(By.XPATH, ".//button[text()='Freigeben']"), "p.done")
        assert done.text == "Freigegeben."
        assert len(browser.find_elements(By.CSS_SELECTOR, "ol.queue > li")) == 3
        after_click(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "Freigegeben"), "ol.queue")
        link = browser.find_element(By.CSS_SELECTOR, "ol.queue > li a.open")
        after_click(browser, link, "form.answer")
        browser.find_element(By.CSS_SELECTOR, "input[name=status][value=reviewing]").click()
        browser.find_element(By.ID, "answer_de").send_keys("Danke! Das Ordnungsamt prüft bis März, wo Bänke "
                                                           "hinpassen.")
        browser.find_element(By.ID, "answer_ls").send_keys("Danke für Ihre Idee.\nDie Stadt prüft das jetzt.")
        done = after_click(browser, browser.find_element(By.XPATH, "//button[text()='Antwort speichern']"), "p.done")
        assert done.text == "Antwort gespeichert."
        assert browser.find_element(By.CSS_SELECTOR, "input[name=status][value=reviewing]").is_selected()
        assert "in Prüfung (Deutsch, Leichte Sprache)" in browser.find_element(By.CSS_SELECTOR, ".history").text
        screenshot(browser, "dashboard-idea-1280x800")
        problems += serious_violations(browser)

        browser.get(f"{central.url}/staff/ideas/{sent['hostile']['id']}")
        assert_inert(browser)
        assert browser.find_element(By.ID, "redact-text").get_attribute("value").startswith(HOSTILE)
        problems += serious_violations(browser)
    assert not problems, json.dumps(problems, indent=1)
    answer = requests.get(central.url + IDEAS_PATH, headers=central.auth(token), timeout=30)
    (wall,) = read_answer(IdeasAnswer, answer.headers["content-type"], answer.content).ideas
    assert wall.id == sent["bench"]["id"] and wall.status.value == "reviewing"
    assert wall.answer.ls == "Danke für Ihre Idee.\nDie Stadt prüft das jetzt." and wall.answer.en is None
