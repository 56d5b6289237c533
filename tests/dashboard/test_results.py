"""The results page (issue 12, point 2), against a real central over the shipped content: counts
and percentages for single and multi choice, a reworded question shown apart from the current
one, suspect votes left out and shown apart, each filter (days in Europe/Berlin, kiosk, source,
version), duplicates counted once, the migration's backfill equal to a count made straight from
the records, hostile filter values named on the page (never a 5xx), no page without a login,
script in the content shown as text; in Debian's Chromium with axe-core and a screenshot."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
import sqlite3
import uuid
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import requests
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from browser import after_click, chromium, full_page_screenshot, screenshot, serious_violations
from central_records import outcomes, push, record
from central_server import PROJECT
from staff_helpers import PASSWORD, add_staff, log_in
from kiosk.core.content_loader import load_content
from kiosk.core.handoff import handoff_key, make_handoff, new_handoff_id, token_digest

CONTENT = {e.id: e for e in load_content(PROJECT, decode_pictures=False).exhibits}
WLAN = CONTENT["freies-wlan"].poll("wo-noch")          # single choice
FRIEDHOF = CONTENT["friedhof-der-zukunft"].poll("wichtig")  # multi choice
SUSPECT = ["suspect_burst"]


def vote(kiosk: str, store: str, seq: int, exhibit: str, poll, answers: list, *, version: str | None = None,
         created_at: str = "2026-06-01T10:00:00.000000Z", flags=()) -> dict:
    return record(kiosk, store, seq, exhibit_id=exhibit, poll_id=poll.id,
                  question_version=version or poll.question_version, payload={"answers": answers, "layer": "de"},
                  flags=list(flags), created_at=created_at)


class Kiosk:
    """A kiosk of the test: its token, one store, its next seq."""

    def __init__(self, central, kiosk_id: str):
        self.central, self.kiosk_id, self.token = central, kiosk_id, central.add_kiosk(kiosk_id)
        self.store, self.seq = str(uuid.uuid4()), 0

    def votes(self, exhibit: str, poll, answer_lists: list[list], **options) -> list[dict]:
        made = []
        for answers in answer_lists:
            self.seq += 1
            made.append(vote(self.kiosk_id, self.store, self.seq, exhibit, poll, answers, **options))
        return made

    def push(self, items: list[dict]) -> requests.Response:
        answer = push(self.central, self.token, items, kiosk_id=self.kiosk_id)
        assert answer.status_code == 200, answer.text
        return answer


@pytest.fixture
def results_central(central_with):
    central = central_with(content_root=str(PROJECT))
    assert add_staff(central, "anna").returncode == 0
    return central


@pytest.fixture
def staff(results_central) -> requests.Session:
    session = requests.Session()
    assert log_in(session, results_central, "anna").status_code == 303
    return session


def page(session, central, **filters) -> requests.Response:
    return session.get(central.url + "/staff/results", params=filters, timeout=30)


def polls_on(answer: requests.Response) -> dict[tuple[str, str], dict]:
    """(exhibit/poll, version) -> {"voters": n, "answers": {label: (count, percent)}, "text": section html}
    of every poll shown with votes."""
    assert answer.status_code == 200, answer.text[-2000:]
    found = {}
    for section in re.findall(r'<section class="poll[^"]*"(.*?)</section>', answer.text, re.S):
        poll, version = re.search(r'data-poll="([^"]+)" data-version="([^"]+)"', section).groups()
        rows = re.findall(r'<tr><th scope="row">(.*?)</th><td class="num">([\d.]+)</td><td class="num">([^<]+)</td>',
                          section)
        answers = {html.unescape(label): (int(count.replace(".", "")), html.unescape(share).replace("\xa0", " "))
                   for label, count, share in rows}
        voters = answers.pop("Abstimmende")[0]
        found[(poll, version)] = {"voters": voters, "answers": answers, "text": section}
    return found


def phone_vote(central, token: str, kiosk_id: str, exhibit: str = "open-data", poll: str = "selbst-nutzen",
               answer: str = "yes") -> requests.Response:
    """A vote from a phone, as a visitor gives it: a hand-off made as the kiosk makes it, the
    exhibit's phone page, its form."""
    h = make_handoff(handoff_key(token_digest(token)), kiosk_id=kiosk_id, handoff_id=new_handoff_id(), layer="de",
                     marked=(exhibit,), catalog=list(CONTENT))
    with requests.Session() as phone:
        form = phone.get(f"{central.url}/m/{exhibit}", params={"h": h}, timeout=30).text
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form).group(1)
        return phone.post(f"{central.url}/m/{exhibit}/polls/{poll}", data={"answer": answer, "csrf": csrf, "h": h},
                          allow_redirects=False, timeout=30)


def label(poll, answer_id: str) -> str:
    return next(o.label.de for o in poll.options if o.id == answer_id)


def test_counts_and_percentages_for_single_and_multi_choice(results_central, staff):
    kiosk = Kiosk(results_central, "kiosk-01")
    kiosk.push(kiosk.votes("freies-wlan", WLAN, [["bahnhof"]] * 3 + [["parks"]])
               + kiosk.votes("friedhof-der-zukunft", FRIEDHOF, [["ruhe", "natur"], ["ruhe"], ["ruhe", "begegnung"],
                                                                ["natur"]]))
    shown = polls_on(page(staff, results_central))
    single = shown[("freies-wlan/wo-noch", WLAN.question_version)]
    assert single["voters"] == 4
    assert single["answers"][label(WLAN, "bahnhof")] == (3, "75,0 %")
    assert single["answers"][label(WLAN, "parks")] == (1, "25,0 %")
    assert single["answers"][label(WLAN, "sport")] == (0, "0,0 %")  # every option of the current question
    multi = shown[("friedhof-der-zukunft/wichtig", FRIEDHOF.question_version)]
    assert multi["voters"] == 4  # four people, seven ticks: shares of the voters
    assert multi["answers"][label(FRIEDHOF, "ruhe")] == (3, "75,0 %")
    assert multi["answers"][label(FRIEDHOF, "natur")] == (2, "50,0 %")
    assert multi["answers"][label(FRIEDHOF, "begegnung")] == (1, "25,0 %")
    assert "Mehrfachauswahl: Die Anteile beziehen sich auf die Abstimmenden" in multi["text"]
    assert "Mehrfachauswahl" not in single["text"].split("<div class")[0].replace("Einfachauswahl", "")
    for poll in (single, multi):  # the chart is a picture with its numbers in words, beside a real table
        svg = re.search(r'<svg class="chart" role="img" aria-label="([^"]+)"', poll["text"])
        assert svg and "75,0" in svg.group(1) and "<table>" in poll["text"]
    assert "nicht repräsentativ" in page(staff, results_central).text


def test_a_reworded_question_is_shown_apart_and_never_summed(results_central, staff):
    kiosk = Kiosk(results_central, "kiosk-01")
    kiosk.push(kiosk.votes("freies-wlan", WLAN, [["bahnhof"], ["bahnhof"]], version="0ldf4ssung000000")
               + kiosk.votes("freies-wlan", WLAN, [["parks"]] * 3))
    shown = polls_on(page(staff, results_central))
    current, earlier = shown[("freies-wlan/wo-noch", WLAN.question_version)], shown[("freies-wlan/wo-noch",
                                                                                   "0ldf4ssung000000")]
    assert current["voters"] == 3 and current["answers"][label(WLAN, "parks")] == (3, "100,0 %")
    assert earlier["voters"] == 2 and earlier["answers"] == {label(WLAN, "bahnhof"): (2, "100,0 %")}
    assert "Frühere Fassung der Frage" in earlier["text"] and "Frühere Fassung" not in current["text"]
    assert set(polls_on(page(staff, results_central, version="current"))) == {("freies-wlan/wo-noch",
                                                                               WLAN.question_version)}
    assert set(polls_on(page(staff, results_central, version="earlier"))) == {("freies-wlan/wo-noch",
                                                                               "0ldf4ssung000000")}


def test_suspect_votes_are_left_out_shown_apart_and_included_when_asked(results_central, staff):
    kiosk = Kiosk(results_central, "kiosk-01")
    kiosk.push(kiosk.votes("freies-wlan", WLAN, [["bahnhof"]] * 2)
               + kiosk.votes("freies-wlan", WLAN, [["parks"]] * 5, flags=SUSPECT))
    key = ("freies-wlan/wo-noch", WLAN.question_version)
    left_out = page(staff, results_central)
    poll = polls_on(left_out)[key]
    assert poll["voters"] == 2 and poll["answers"][label(WLAN, "parks")] == (0, "0,0 %")
    assert "5 verdächtig, nicht gezählt" in poll["text"] and "5 verdächtige Stimmen" in left_out.text
    included = polls_on(page(staff, results_central, suspect="1"))[key]
    assert included["voters"] == 7 and included["answers"][label(WLAN, "parks")] == (5, "71,4 %")
    assert "5 verdächtig, eingerechnet" in included["text"]


def test_each_filter_changes_the_numbers(results_central, staff):
    one, two = Kiosk(results_central, "kiosk-01"), Kiosk(results_central, "kiosk-02")
    # 21:30 UTC on 1 June is 23:30 in Soest (summer time), 22:30 UTC is already 2 June there.
    one.push(one.votes("freies-wlan", WLAN, [["bahnhof"]], created_at="2026-06-01T21:30:00.000000Z")
             + one.votes("freies-wlan", WLAN, [["parks"]] * 2, created_at="2026-06-01T22:30:00.000000Z"))
    two.push(two.votes("freies-wlan", WLAN, [["sport"]] * 4, created_at="2026-07-15T09:00:00.000000Z"))
    # A phone vote, through the phone pages, from a hand-off of kiosk-02 (today, yes on open data).
    assert phone_vote(results_central, two.token, "kiosk-02").status_code == 303
    key, data = ("freies-wlan/wo-noch", WLAN.question_version), ("open-data/selbst-nutzen",
                                                                 CONTENT["open-data"].poll("selbst-nutzen")
                                                                 .question_version)

    def voters(**filters) -> dict:
        return {k: v["voters"] for k, v in polls_on(page(staff, results_central, **filters)).items()}

    assert voters() == {key: 7, data: 1}
    assert voters(until="2026-06-01") == {key: 1}
    assert voters(since="2026-06-02", until="2026-06-02") == {key: 2}
    assert voters(since="2026-06-02", until="2026-11-30") == {key: 6}
    assert voters(kiosk="kiosk-01") == {key: 3}
    assert voters(kiosk="kiosk-02") == {key: 4, data: 1}
    assert voters(source="phone") == {data: 1}
    assert voters(source="kiosk") == {key: 7}
    assert voters(poll="open-data/selbst-nutzen") == {data: 1}
    assert voters(source="phone", kiosk="kiosk-01") == {}
    calm = page(staff, results_central, source="phone", kiosk="kiosk-01")
    assert "Für diese Auswahl gibt es noch keine Stimmen" in calm.text


def test_duplicates_pushed_again_are_never_counted_twice(results_central, staff):
    kiosk = Kiosk(results_central, "kiosk-01")
    first = kiosk.votes("freies-wlan", WLAN, [["bahnhof"]] * 3)
    kiosk.push(first)
    assert set(outcomes(kiosk.push(first)).values()) == {("duplicate", None)}  # the whole batch again
    more = kiosk.votes("freies-wlan", WLAN, [["parks"]] * 2)
    mixed = kiosk.push([first[0], *more, first[1], more[0]]).json()["results"]  # old, new, a repeat in one batch
    assert [r["outcome"] for r in mixed] == ["duplicate", "accepted", "accepted", "duplicate", "duplicate"]
    poll = polls_on(page(staff, results_central))[("freies-wlan/wo-noch", WLAN.question_version)]
    assert poll["voters"] == 5
    assert poll["answers"][label(WLAN, "bahnhof")] == (3, "60,0 %")
    assert poll["answers"][label(WLAN, "parks")] == (2, "40,0 %")
    # What each batch added equals a count of the stored records from scratch.
    assert tallies(results_central) == tallies_from_records(results_central)


def _rows(where, sql: str) -> list[tuple]:
    """Rows of a central (its `rows`, on either database) or of a SQLite file."""
    if hasattr(where, "rows"):
        return where.rows(sql)
    conn = sqlite3.connect(where)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def tallies(where) -> Counter:
    return Counter({row[:-1]: row[-1] for row in _rows(
        where, "SELECT exhibit_id, poll_id, question_version, suspect, answer, day, kiosk_id, source, votes "
               "FROM vote_tallies")})


def tallies_from_records(where) -> Counter:
    """vote_tallies' rows, counted here from the records on a path of their own (zoneinfo per
    record, json per payload): what the central's tally must equal."""
    berlin, counted = ZoneInfo("Europe/Berlin"), Counter()
    rows = _rows(where, "SELECT exhibit_id, poll_id, question_version, flags, created_at, kiosk_id, source, "
                        "payload FROM records WHERE kind = 'vote'")
    for exhibit, poll, version, flags, created_at, kiosk_id, source, payload in rows:
        moment = dt.datetime.fromisoformat(created_at.replace("Z", "+00:00"))
        day = moment.astimezone(berlin).date().isoformat()
        head = (exhibit or "", poll or "", version or "", int("suspect_burst" in json.loads(flags)))
        counted[(*head, "", day, kiosk_id, source)] += 1
        answers = json.loads(payload).get("answers")
        for answer in answers if isinstance(answers, list) else ():
            if isinstance(answer, str) and answer:
                counted[(*head, answer, day, kiosk_id, source)] += 1
    return counted


def test_the_migrations_backfill_equals_a_count_from_the_records(tmp_path):
    from central.db import CentralDb, schema
    from central.db.dialects import SqliteStore

    path = tmp_path / "central.sqlite3"
    before = SqliteStore.open(path)
    schema.apply(before, stop_before="m005_vote_tallies")  # a central from before the tallies
    before.close()
    conn = sqlite3.connect(path, isolation_level=None)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(records)")]
    stores = {kiosk: str(uuid.uuid4()) for kiosk in ("kiosk-01", "kiosk-02")}
    moments = ["2026-03-28T22:59:59.000000Z", "2026-03-28T23:00:00.000000Z",  # a night of the clock change
               "2026-10-24T22:30:00.000000Z", "2026-10-25T22:59:00.000000Z", "2026-10-25T23:00:00.000000Z",
               "2026-12-31T23:30:00.000000Z"]
    payloads = [{"answers": ["ruhe", "natur"], "layer": "de"}, {"answers": ["bahnhof"], "layer": "en"},
                {"answers": [], "layer": "ls"}, {"answers": "ruhe"}, {"answers": [3, None, "", "natur"]}, {}]
    rows = []
    for n in range(600):
        kiosk = ("kiosk-01", "kiosk-02")[n % 2]
        values = {"id": str(uuid.uuid4()), "kiosk_id": kiosk, "store_id": stores[kiosk], "seq": n + 1,
                  "boot_id": "b", "session_id": "s", "kind": ("vote", "vote", "vote", "view", "idea")[n % 5],
                  "exhibit_id": ("friedhof-der-zukunft", "freies-wlan", None)[n % 3],
                  "poll_id": ("wichtig", "wo-noch")[n % 2], "question_version": ("v1", "v2", None)[n % 7 % 3],
                  "content_version": "c", "payload": json.dumps(payloads[n % len(payloads)]),
                  "flags": json.dumps(SUSPECT if n % 4 == 0 else []), "created_at": moments[n // 5 % len(moments)],
                  "source": ("kiosk", "phone")[n % 3 == 1], "received_at": moments[0], "fingerprint": "f" * 64}
        rows.append(tuple(values[c] for c in columns))
    with conn:
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO records VALUES ({', '.join('?' * len(columns))})", rows)
    conn.close()
    CentralDb.open(path).close()  # applies m005 and its backfill
    expected = tallies_from_records(path)
    assert tallies(path) == expected
    assert sum(expected.values()) > 360  # voters and answers of 360 votes
    assert {key[5] for key in expected} >= {"2026-03-28", "2026-03-29", "2026-10-25", "2026-10-26", "2027-01-01"}


HOSTILE_FILTERS = [
    ({"since": "2026-06-01" * 1000}, "zu lang"),
    ({"since": "gestern"}, "JJJJ-MM-TT"),
    ({"until": "2026-02-30"}, "JJJJ-MM-TT"),
    ({"since": "2026-13-01"}, "JJJJ-MM-TT"),
    ({"since": "2026-06-02", "until": "2026-06-01"}, "nach dem Bis-Datum"),
    ({"until": "2026-06-01' OR '1'='1"}, "JJJJ-MM-TT"),
    ({"kiosk": "kiosk-99"}, "Diesen Kiosk gibt es nicht"),
    ({"kiosk": "x' OR 1=1; DROP TABLE records; --"}, "Diesen Kiosk gibt es nicht"),
    ({"kiosk": "\x00\ud7ff"}, "Diesen Kiosk gibt es nicht"),
    ({"source": "fax"}, "Herkunft"),
    ({"version": "<script>alert(1)</script>"}, "Fassung"),
    ({"poll": "../../etc/passwd"}, "Umfrage"),
    ({"poll": "x" * 20000}, "zu lang"),
]


def test_hostile_filter_values_are_named_never_a_server_error(results_central, staff):
    for filters, words in HOSTILE_FILTERS:
        answer = page(staff, results_central, **filters)
        assert answer.status_code == 400 and words in answer.text, filters
        assert re.search(r'<p class="problem" role="alert">[^<]+</p>', answer.text), filters
        assert "<script>alert" not in answer.text and "Traceback" not in answer.text
    assert results_central.rows("SELECT COUNT(*) FROM records") == [(0,)]  # and nothing dropped


def test_odd_but_harmless_query_strings_still_show_the_page(results_central, staff):
    for query in ("since=&until=&kiosk=&source=&version=&poll=", "unknown=1&suspect=yes", "since=2026-01-01&since=x",
                  "%ff%fe=%ff", "kiosk=%E4"):
        answer = staff.get(results_central.url + "/staff/results?" + query, timeout=30)
        assert answer.status_code in (200, 400) and "<h1>Ergebnisse</h1>" in answer.text, query


def test_without_a_login_the_page_sends_to_the_login(results_central):
    token = results_central.add_kiosk("kiosk-01")
    for headers in ({}, {"Authorization": f"Bearer {token}"}):
        answer = requests.get(results_central.url + "/staff/results", headers=headers, allow_redirects=False,
                              timeout=30)
        assert answer.status_code == 303 and answer.headers["location"] == "/staff/login"
    forged = requests.get(results_central.url + "/staff/results", cookies={"stadtlabor_staff": "x" * 43},
                          allow_redirects=False, timeout=30)
    assert forged.status_code == 303


SCRIPT = "<script>alert('frage')</script>"
IMG = '"><img src=x onerror="alert(1)">'


@pytest.fixture
def hostile_central(central_with, tmp_path):
    root = tmp_path / "hostile-content"
    for name in ("exhibits", "media"):
        shutil.copytree(PROJECT / name, root / name)
    for name in ("events.toml", "themes.toml", "place.toml"):
        shutil.copy(PROJECT / name, root / name)
    toml = root / "exhibits" / "freies-wlan" / "exhibit.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('de = "Wo wünschen Sie sich als Nächstes freies WLAN?"', f'de = "WLAN {SCRIPT}?"', 1)
    text = text.replace('de = "Am Bahnhof und an Bushaltestellen"', f"de = '{IMG} Bahnhof'", 1)
    toml.write_text(text, encoding="utf-8")
    central = central_with(content_root=str(root))
    assert add_staff(central, "anna").returncode == 0
    poll = next(e for e in load_content(root, decode_pictures=False).exhibits if e.id == "freies-wlan").poll("wo-noch")
    kiosk = Kiosk(central, "kiosk-01")
    kiosk.push(kiosk.votes("freies-wlan", poll, [["bahnhof"], ["parks"]]))
    return central


def test_script_in_a_poll_is_shown_as_text(hostile_central):
    with requests.Session() as session:
        log_in(session, hostile_central, "anna")
        text = page(session, hostile_central).text
    assert "<script>alert" not in text and "<img src=x" not in text
    assert "WLAN &lt;script&gt;alert(&#39;frage&#39;)&lt;/script&gt;?" in text
    with chromium(1280, 800) as browser:
        log_in_with(browser, hostile_central)
        browser.get(hostile_central.url + "/staff/results")
        heading = browser.find_element(By.CSS_SELECTOR, "section.poll h2")
        assert SCRIPT in heading.text
        assert browser.find_element(By.CSS_SELECTOR, "section.poll tbody th").text == f"{IMG} Bahnhof"
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text
        assert browser.execute_script("return document.querySelectorAll('script, img, [onerror]').length") == 0


def log_in_with(browser, central) -> None:
    browser.get(central.url + "/staff/login")
    browser.find_element(By.ID, "user").send_keys("anna")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    after_click(browser, browser.find_element(By.CSS_SELECTOR, "form.login button"), "h1")


def test_in_chromium_staff_filter_the_results_and_axe_finds_nothing_serious(results_central):
    one, two = Kiosk(results_central, "eingang"), Kiosk(results_central, "foyer")
    one.push(one.votes("freies-wlan", WLAN, [["bahnhof"]] * 12 + [["parks"]] * 7 + [["sport"]] * 3)
             + one.votes("friedhof-der-zukunft", FRIEDHOF, [["ruhe", "natur"]] * 9 + [["grabformen"]] * 4
                         + [["barrierefrei", "begegnung", "ruhe"]] * 5)
             + one.votes("freies-wlan", WLAN, [["parks"]] * 6, version="0ldf4ssung000000")
             + one.votes("freies-wlan", WLAN, [["sport"]] * 8, flags=SUSPECT))
    two.push(two.votes("freies-wlan", WLAN, [["parks"]] * 5 + [["bahnhof"]] * 2))
    with chromium(1280, 800) as browser:
        browser.get(results_central.url + "/staff/results")
        assert browser.current_url.endswith("/staff/login")
        log_in_with(browser, results_central)
        browser.get(results_central.url + "/staff/results")
        assert browser.find_element(By.TAG_NAME, "h1").text == "Ergebnisse"
        problems = serious_violations(browser)
        Select(browser.find_element(By.ID, "kiosk")).select_by_visible_text("eingang")
        section = after_click(browser, browser.find_element(By.CSS_SELECTOR, ".filters button"), "section.poll")
        assert "kiosk=eingang" in browser.current_url
        assert Select(browser.find_element(By.ID, "kiosk")).first_selected_option.text == "eingang"
        screenshot(browser, "dashboard-results-1280x800")
        full_page_screenshot(browser, "dashboard-results-full-1280")
        problems += serious_violations(browser)
        shown = {s.get_attribute("data-poll") + " " + s.get_attribute("data-version"): s.find_element(
            By.CSS_SELECTOR, "tfoot td").text for s in browser.find_elements(By.CSS_SELECTOR, "section.poll")}
        assert section.is_displayed()
    assert not problems, json.dumps(problems, indent=1)
    assert shown == {f"freies-wlan/wo-noch {WLAN.question_version}": "22",
                     f"friedhof-der-zukunft/wichtig {FRIEDHOF.question_version}": "18",
                     "freies-wlan/wo-noch 0ldf4ssung000000": "6"}


def test_without_the_content_the_votes_still_show_by_their_ids(central):
    assert add_staff(central, "anna").returncode == 0  # this central has no exhibits to read
    kiosk = Kiosk(central, "kiosk-01")
    kiosk.push(kiosk.votes("freies-wlan", WLAN, [["bahnhof"], ["parks"]]))
    with requests.Session() as session:
        log_in(session, central, "anna")
        shown = polls_on(page(session, central))
    poll = shown[("freies-wlan/wo-noch", WLAN.question_version)]
    assert poll["voters"] == 2 and poll["answers"] == {"bahnhof": (1, "50,0 %"), "parks": (1, "50,0 %")}
