"""The fleet page in Debian's Chromium (issue 12, point 4): staff log in as they would, every
kiosk with its last heartbeat, the stale one (no heartbeat for three intervals) highlighted,
outbox, rejected records, last touch, versions, clock and restarts; axe-core finds no serious
or critical violation on the login and fleet pages. Screenshots go to tests/screenshots."""

from __future__ import annotations

import json

import pytest
import requests
from selenium.webdriver.common.by import By

from kiosk.core.clock import utc_now, utc_text
from browser import after_click, chromium, screenshot, serious_violations
from staff_helpers import PASSWORD, add_staff
from sync.protocol import HEARTBEAT_PATH


def beat(central, token: str, kiosk_id: str, **values) -> None:
    heartbeat = {"kiosk_id": kiosk_id, "kiosk_time": utc_text(utc_now()), "app_version": "0.5.0",
                 "content_version": "1619598b92dfa61a", "outbox_depth": 0, "quarantined": 0, "restarts": 0,
                 "uptime_s": 3600.0, "last_visitor_touch": utc_text(utc_now()), **values}
    answer = requests.post(central.url + HEARTBEAT_PATH, json=heartbeat, headers=central.auth(token), timeout=30)
    assert answer.status_code == 200, answer.text


@pytest.fixture
def fleet(central_with):
    central = central_with(heartbeat_interval_s=60)
    assert add_staff(central, "anna").returncode == 0
    tokens = {kiosk: central.add_kiosk(kiosk) for kiosk in ("eingang", "foyer", "lager")}
    beat(central, tokens["eingang"], "eingang", outbox_depth=12, restarts=1)
    beat(central, tokens["foyer"], "foyer", quarantined=3)
    # The foyer's last heartbeat came 10 minutes ago: more than three intervals of 60 s.
    central.execute("UPDATE heartbeats SET received_at = ? WHERE kiosk_id = 'foyer'",
                    (utc_text(utc_now().replace(microsecond=0) - __import__("datetime").timedelta(minutes=10)),))
    return central


def test_staff_see_every_kiosk_and_the_stale_one_stands_out(fleet):
    with chromium(1280, 800) as browser:
        browser.get(fleet.url + "/staff/")
        assert browser.current_url.endswith("/staff/login")
        assert not serious_violations(browser)
        browser.find_element(By.ID, "user").send_keys("anna")
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        heading = after_click(browser, browser.find_element(By.CSS_SELECTOR, "form.login button"), "h1")
        assert heading.text == "Kioske"
        rows = {row.find_element(By.TAG_NAME, "th").text.split()[0]: row
                for row in browser.find_elements(By.CSS_SELECTOR, "tbody tr")}
        screenshot(browser, "dashboard-fleet-1280x800")
        problems = serious_violations(browser)
        browser.get(fleet.url + "/staff/export")
        screenshot(browser, "dashboard-export-1280x800")
        problems += serious_violations(browser)
        browser.get(fleet.url + "/staff/")
        rows = {row.find_element(By.TAG_NAME, "th").text.split()[0]: row
                for row in browser.find_elements(By.CSS_SELECTOR, "tbody tr")}
        stale = {kiosk for kiosk, row in rows.items() if "stale" in row.get_attribute("class")}
        cells = {kiosk: [cell.text for cell in row.find_elements(By.TAG_NAME, "td")] for kiosk, row in rows.items()}
    assert not problems, json.dumps(problems, indent=1)
    assert stale == {"foyer", "lager"}  # ten minutes silent, and never heard of
    assert cells["foyer"][0].startswith("⚠ vor 10 min") and cells["lager"][0] == "⚠ nie"
    assert cells["eingang"][1:3] == ["12", "0"] and cells["eingang"][6] == "1"
    assert cells["foyer"][2] == "3"
