"""The report for the administration (issue 12, point 6), against a real central over the
shipped content: a period's participation on its local days, the polls' results, the approved
ideas with their answers; the PDF printed by Debian's Chromium and read back as text (hostile
idea text in it as typed, never run); wrong periods named, no report without a login, a central
without Chromium says what to install; in Chromium with axe-core and a screenshot."""

from __future__ import annotations

import io
import re
import uuid

import pytest
import requests
from pypdf import PdfReader
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

from browser import (SCREENSHOTS, after_click, chromium, downloaded, downloads_into, full_page_screenshot,
                     screenshot, serious_violations)
from central_records import push, record
from central_server import PROJECT
from staff_helpers import PASSWORD, add_staff, log_in
from test_moderation import HOSTILE, act, free_text
from test_results import WLAN, Kiosk, label

from central.dashboard.pdf import PdfUnavailable, print_to_pdf

PERIOD = {"since": "2026-11-01", "until": "2026-11-30"}
ANSWER_DE = "Der Bauhof stellt im Frühjahr zwölf neue Bänke auf."
ANSWER_EN = "Twelve new benches arrive in spring."


@pytest.fixture
def reported(central_with):
    """A central with votes in and around November 2026, and three ideas: one approved and
    answered, one hostile and approved, one still waiting."""
    central = central_with(content_root=str(PROJECT))
    assert add_staff(central, "anna", "correct horse battery staple", "--admin").returncode == 0
    kiosk = Kiosk(central, "kiosk-01")
    yes, no = WLAN.options[0].id, WLAN.options[1].id
    kiosk.push(kiosk.votes("freies-wlan", WLAN, [[yes]] * 3, created_at="2026-11-03T10:00:00.000000Z")
               + kiosk.votes("freies-wlan", WLAN, [[no]], created_at="2026-11-03T11:00:00.000000Z")
               # 23:30 UTC on 1 November is half past midnight on 2 November in Soest.
               + kiosk.votes("freies-wlan", WLAN, [[no]], created_at="2026-11-01T23:30:00.000000Z")
               # Outside the period: counted nowhere in the report.
               + kiosk.votes("freies-wlan", WLAN, [[no]] * 5, created_at="2026-12-02T10:00:00.000000Z"))
    store = str(uuid.uuid4())
    ideas = {"benches": free_text("idea", "Mehr Bänke am Markt", 1, store, "2026-11-04T09:00:00.000000Z"),
             "hostile": free_text("idea", HOSTILE, 2, store, "2026-11-05T09:00:00.000000Z"),
             "waiting": free_text("idea", "Noch nicht freigegeben", 3, store, "2026-11-06T09:00:00.000000Z")}
    token = central.add_kiosk("kiosk-02")
    ideas = {name: {**item, "kiosk_id": "kiosk-02"} for name, item in ideas.items()}
    assert push(central, token, list(ideas.values()), kiosk_id="kiosk-02").status_code == 200
    session = requests.Session()
    assert log_in(session, central, "anna").status_code == 303
    csrf = re.search(r'name="csrf" value="([^"]+)"', session.get(central.url + "/staff/ideas").text).group(1)
    for name in ("benches", "hostile"):
        assert act(session, central, ideas[name]["id"], "approve", csrf).status_code == 303
    assert act(session, central, ideas["benches"]["id"], "answer", csrf, status="done", answer_de=ANSWER_DE,
               answer_en=ANSWER_EN).status_code == 303
    return central, session, {"yes": label(WLAN, yes), "no": label(WLAN, no)}


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_report_shows_the_period_its_polls_and_ideas_and_its_pdf_reads_the_same(reported):
    central, session, labels = reported
    page = session.get(central.url + "/staff/report", params=PERIOD, timeout=30)
    assert page.status_code == 200, page.text[-1000:]
    text = page.text
    assert "Beteiligung vom 01.11.2026 bis 30.11.2026" in text and "nicht repräsentativ" in text
    assert WLAN.question.de in text
    # Five votes in the period (the five of December are not), 3 to 2.
    assert re.search(r"<strong>5 Abstimmende</strong>", text)
    assert re.search(rf"{re.escape(labels['yes'])}</th><td class=\"num\">3</td><td class=\"num\">60,0\xa0%", text)
    # Per local day: 2 November has the vote cast at 00:30 in Soest, 1 November none (and days
    # without anything are left out of the table, which says how many).
    rows = dict(re.findall(r'<tr><th scope="row">(\d\d\.\d\d\.)</th><td class="num">\d+</td>'
                           r'<td class="num">(\d+)</td>', text))
    assert "01.11." not in rows and rows["02.11."] == "1" and rows["03.11."] == "4"
    assert "25 Tage ohne Besuche und Beiträge sind weggelassen" in text
    assert ANSWER_DE in text and ANSWER_EN in text and "umgesetzt" in text
    assert "Noch nicht freigegeben" not in text  # not approved: not in a report
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text

    pdf = session.get(central.url + "/staff/report.pdf", params=PERIOD, timeout=120)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf", pdf.text[-500:]
    assert "stadtlabor-bericht-2026-11-01-bis-2026-11-30.pdf" in pdf.headers["Content-Disposition"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "dashboard-report.pdf").write_bytes(pdf.content)  # to look at, as staff would
    words = " ".join(pdf_text(pdf.content).split())
    assert "Beteiligung vom 01.11.2026 bis 30.11.2026" in words and "nicht repräsentativ" in words
    assert WLAN.question.de in words and "5 Abstimmende" in words and "60,0 %" in words.replace("\xa0", " ")
    assert ANSWER_DE in words and "Mehr Bänke am Markt" in words
    # The hostile idea is in the PDF as the visitor typed it: text, not markup that ran.
    assert "<script>alert(1)</script><img src=x onerror=alert(2)>" in words
    assert "Noch nicht freigegeben" not in words
    log = central.rows("SELECT who, via, format, filters, records FROM export_log WHERE via = 'report'")
    assert log == [("anna", "report", "pdf", '{"since": "2026-11-01", "until": "2026-11-30"}', 2)]


@pytest.mark.parametrize("params, words", [
    ({"since": "2026-13-01"}, "Datum bitte als JJJJ-MM-TT"),
    ({"until": "gestern"}, "Datum bitte als JJJJ-MM-TT"),
    ({"since": "2026-11-30", "until": "2026-11-01"}, "Das Von-Datum liegt nach dem Bis-Datum"),
    ({"since": "2020-01-01", "until": "2026-11-30"}, "höchstens drei Jahre"),
    ({"since": "2026-11-01' OR 1=1 --" + "x" * 500}, "Datum bitte als JJJJ-MM-TT"),
])
def test_a_wrong_period_is_named_and_no_pdf_is_made(reported, params, words):
    central, session, _ = reported
    for path in ("/staff/report", "/staff/report.pdf"):
        answer = session.get(central.url + path, params=params, timeout=30)
        assert answer.status_code == 400 and words in answer.text, (path, answer.status_code)
    assert central.rows("SELECT COUNT(*) FROM export_log") == [(0,)]


def test_no_report_without_a_login(reported):
    central, _, _ = reported
    for path in ("/staff/report", "/staff/report.pdf"):
        answer = requests.get(central.url + path, params=PERIOD, allow_redirects=False, timeout=30)
        assert answer.status_code == 303 and answer.headers["Location"] == "/staff/login"


def test_without_chromium_the_pdf_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no Chromium on it
    with pytest.raises(PdfUnavailable, match="apt install chromium"):
        print_to_pdf("<p>Bericht</p>")


def test_the_report_in_chromium_is_calm_readable_accessible_and_its_pdf_downloads(reported, tmp_path):
    central, _, _ = reported
    with chromium(1280, 800) as browser:
        downloads_into(browser, tmp_path)
        browser.get(central.url + "/staff/login")
        browser.find_element(By.ID, "user").send_keys("anna")
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        after_click(browser, browser.find_element(By.CSS_SELECTOR, "form.login button"), "h1")
        browser.get(central.url + "/staff/report?since=2026-11-01&until=2026-11-30")
        heading = browser.find_element(By.TAG_NAME, "h1").text
        try:
            alert = browser.switch_to.alert.text
        except NoAlertPresentException:
            alert = None
        screenshot(browser, "dashboard-report-1280x800")
        full_page_screenshot(browser, "dashboard-report-1280")
        problems = serious_violations(browser)
        browser.find_element(By.LINK_TEXT, "Als PDF herunterladen").click()
        pdf = downloaded(tmp_path, ".pdf")
        browser.get(central.url + "/staff/audit")
        audit_heading = browser.find_element(By.TAG_NAME, "h1").text
        problems += serious_violations(browser)
    assert heading == "Beteiligung vom 01.11.2026 bis 30.11.2026"
    assert alert is None  # the hostile idea's script never ran
    assert audit_heading and not problems, problems
    assert pdf.name == "stadtlabor-bericht-2026-11-01-bis-2026-11-30.pdf"
    assert "Beteiligung vom 01.11.2026 bis 30.11.2026" in pdf_text(pdf.read_bytes())
