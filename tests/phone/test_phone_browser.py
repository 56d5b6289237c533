"""The phone pages in Debian's Chromium, as a visitor uses them: open the hand-off's address,
read in their language, vote, see the vote refused the second time, see the take-home list.
Screenshots at 390x844 (phone) and 1280x800 go to tests/screenshots."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from browser import after_click, chromium, full_page_screenshot, screenshot
from phone_helpers import handoff, phone_central, phone_rows


@pytest.fixture(scope="module")
def phone(tmp_path_factory, central_backend):  # a central of its own per backend
    central, token = phone_central(tmp_path_factory.mktemp("phone-browser"))
    yield central, token
    central.stop()


def test_a_visitor_votes_from_the_phone_once_and_finds_the_take_home_list(phone):
    central, token = phone
    h = handoff(token, layer="en", handoff_id="aaaabbbbcccc")
    with chromium() as browser:
        browser.get(f"{central.url}/m/open-data?lang=en&h={h}")
        assert browser.find_element(By.TAG_NAME, "h1").text == "Open data"
        assert browser.execute_script("return window.innerWidth") == 390
        screenshot(browser, "phone-exhibit-open-data-en-390x844")
        full_page_screenshot(browser, "phone-exhibit-open-data-en")
        form = browser.find_element(By.CSS_SELECTOR, "form[action$='/polls/selbst-nutzen']")
        form.find_element(By.CSS_SELECTOR, "input[value='yes']").click()
        thanks = after_click(browser, form.find_element(By.TAG_NAME, "button"), ".note.ok")
        assert thanks.text == "Thank you for your vote!"
        full_page_screenshot(browser, "phone-exhibit-after-vote-en")
        # The same hand-off again, as if the visitor scanned the code a second time.
        browser.get(f"{central.url}/m/open-data?lang=de&h={h}")
        form = browser.find_element(By.CSS_SELECTOR, "form[action$='/polls/selbst-nutzen']")
        assert "schon abgestimmt" in form.text and not form.find_elements(By.TAG_NAME, "button")
        browser.get(f"{central.url}/m/take-home?lang=ls&h={h}")
        titles = [element.text for element in browser.find_elements(By.CSS_SELECTOR, ".cards strong")]
        screenshot(browser, "phone-take-home-ls-390x844")
        browser.get(f"{central.url}/m/events?lang=de&h={h}")
        full_page_screenshot(browser, "phone-events-de")
    assert titles == ["Kostenloses Internet in der Innen·stadt", "Offene Daten"]  # Leichte Sprache
    assert phone_rows(central, "session_id = 'aaaabbbbcccc'") == [
        ("vote", "kiosk-01", "aaaabbbbcccc", "open-data", "selbst-nutzen", '{"answers":["yes"],"layer":"en"}', "[]")]


def test_the_pages_at_desktop_width_and_without_a_hand_off(phone):
    central, _ = phone
    with chromium(1280, 800) as browser:
        browser.get(f"{central.url}/m/friedhof-der-zukunft?lang=de")
        assert "Besucherinnen und Besucher" in browser.find_element(By.CSS_SELECTOR, ".take-part").text
        full_page_screenshot(browser, "phone-exhibit-desktop-public-de")
