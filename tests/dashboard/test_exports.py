"""Exports from the dashboard and the export log (issue 12, point 5), against a real central:
every format downloaded by a logged-in staff member with the same filters as the command line,
free text only when asked for, nothing without a login or without the form's CSRF token, and
every export in the log (who, when, what, filters), which only administrators can read."""

from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile

import pytest
import requests

from central_records import push, record, records
from central_server import central_command
from staff_helpers import add_staff, log_in


@pytest.fixture
def filled(central):
    for user, extra in (("anna", ("--admin",)), ("ben", ())):
        assert add_staff(central, user, "correct horse battery staple", *extra).returncode == 0
    for kiosk in ("kiosk-01", "kiosk-02"):
        token = central.add_kiosk(kiosk)
        batch = records(3, kiosk_id=kiosk) + [record(kiosk, seq=10, kind="idea", poll_id=None, question_version=None,
                                                     payload={"text": "Mehr Bänke am Markt", "layer": "de"})]
        assert push(central, token, batch, kiosk_id=kiosk).status_code == 200
    return central


def staff_session(central, user: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    assert log_in(session, central, user, "correct horse battery staple").status_code == 303
    page = session.get(central.url + "/staff/export").text
    return session, re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def export(session, central, csrf: str, **form) -> requests.Response:
    return session.post(central.url + "/staff/export", data={"csrf": csrf, **form}, timeout=60)


def test_each_format_downloads_with_the_filters_and_free_text_only_when_asked(filled):
    session, csrf = staff_session(filled, "ben")
    plain = export(session, filled, csrf, format="json")
    assert plain.status_code == 200 and plain.headers["content-type"].startswith("application/json")
    data = json.loads(plain.content)
    ideas = [r for r in data["records"] if r["kind"] == "idea"]
    assert len(data["records"]) == 8 and ideas and all("Mehr Bänke" not in json.dumps(r, ensure_ascii=False) for r in ideas)
    one = json.loads(export(session, filled, csrf, format="json", kiosk="kiosk-02", free_text="yes").content)
    assert {r["kiosk_id"] for r in one["records"]} == {"kiosk-02"} and "Mehr Bänke am Markt" in json.dumps(one, ensure_ascii=False)
    phones = json.loads(export(session, filled, csrf, format="json", source="phone").content)
    assert phones["records"] == []
    xlsx = export(session, filled, csrf, format="xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK" and "attachment" in xlsx.headers["content-disposition"]
    from openpyxl import load_workbook

    assert len(load_workbook(io.BytesIO(xlsx.content), read_only=True).sheetnames) >= 2
    csv = export(session, filled, csrf, format="csv", since="2000-01-01", until="2100-12-31")
    with zipfile.ZipFile(io.BytesIO(csv.content)) as archive:
        names = sorted(archive.namelist())
        assert names == ["stadtlabor-export-summary.csv", "stadtlabor-export.csv"]
        assert all(archive.read(name).startswith("\ufeff".encode()) for name in names)  # BOM for Excel


@pytest.mark.parametrize("form, words", [
    ({"format": "pdf"}, "Format"), ({"format": "json", "since": "gestern"}, "JJJJ-MM-TT"),
    ({"format": "json", "kiosk": "kiosk-99"}, "Kiosk"), ({"format": "json", "poll": "x/y"}, "Umfrage"),
    ({"format": "json", "source": "fax"}, "Herkunft"),
])
def test_wrong_choices_are_named_and_nothing_is_exported(filled, form, words):
    session, csrf = staff_session(filled, "ben")
    answer = export(session, filled, csrf, **form)
    assert answer.status_code == 422 and words in answer.text
    assert filled.rows("SELECT COUNT(*) FROM export_log") == [(0,)]


def test_no_export_without_a_login_or_without_the_csrf_token(filled):
    anonymous = requests.post(filled.url + "/staff/export", data={"format": "json"}, timeout=30)
    assert anonymous.status_code == 403 and b"records" not in anonymous.content
    token = filled.add_kiosk("kiosk-03")
    bearer = requests.post(filled.url + "/staff/export", data={"format": "json"}, timeout=30,
                           headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 403
    session, _ = staff_session(filled, "ben")
    assert export(session, filled, "", format="json").status_code == 403
    assert filled.rows("SELECT COUNT(*) FROM export_log") == [(0,)]


def test_every_export_is_in_the_log_which_only_admins_read(filled):
    session, csrf = staff_session(filled, "ben")
    export(session, filled, csrf, format="json", kiosk="kiosk-01", free_text="yes")
    done = subprocess.run(central_command("export", "--out", str(filled.folder / "x.json"), "--source", "kiosk",
                                          "--config", str(filled.config_path)), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    log = filled.rows("SELECT who, via, format, filters, free_text, records FROM export_log ORDER BY id")
    assert log[0] == ("ben", "dashboard", "json", '{"kiosk": "kiosk-01"}', 1, 4)
    assert log[1][1:] == ("cli", "json", '{"source": "kiosk"}', 0, 8) and "(command line)" in log[1][0]
    assert session.get(filled.url + "/staff/audit").status_code == 403
    admin, _ = staff_session(filled, "anna")
    page = admin.get(filled.url + "/staff/audit").text
    assert "kiosk=kiosk-01" in page and "Kommandozeile" in page and "<strong>ja</strong>" in page


def test_an_export_downloads_in_chromium_as_staff_click_it(filled, tmp_path):
    from selenium.webdriver.common.by import By

    from browser import after_click, chromium, downloaded, downloads_into

    with chromium(1280, 800) as browser:
        downloads_into(browser, tmp_path)
        browser.get(filled.url + "/staff/login")
        browser.find_element(By.ID, "user").send_keys("ben")
        browser.find_element(By.ID, "password").send_keys("correct horse battery staple")
        after_click(browser, browser.find_element(By.CSS_SELECTOR, "form.login button"), "h1")
        browser.find_element(By.LINK_TEXT, "Export").click()
        browser.find_element(By.CSS_SELECTOR, "input[name=format][value=json]").click()
        browser.find_element(By.CSS_SELECTOR, "form.export button").click()
        saved = downloaded(tmp_path, ".json")
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert len(data["records"]) == 8
    assert filled.rows("SELECT who, via, format, records FROM export_log") == [("ben", "dashboard", "json", 8)]
