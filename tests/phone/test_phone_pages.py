"""The phone pages against a real central (uvicorn on 127.0.0.1) over the shipped content:
every page in three languages, the hand-off's take-home list and forms, one vote per poll per
hand-off, and every refusal: forged, tampered, expired and unknown hand-offs, a missing or
wrong CSRF token, oversized and overlong input, too many submissions."""

from __future__ import annotations

import base64
import json

import pytest
import requests

from central.phone.security import CSP
from phone_helpers import CATALOG, form_token, handoff, phone_central, phone_rows, vote


@pytest.fixture(scope="module")
def phone(tmp_path_factory, central_backend):  # a central of its own per backend
    central, token = phone_central(tmp_path_factory.mktemp("phone"))
    yield central, token
    central.stop()


PAGES = ["/m/", "/m/events", "/m/take-home", *(f"/m/{exhibit}" for exhibit in CATALOG)]


@pytest.mark.parametrize("lang", ["de", "en", "ls"])
def test_every_page_answers_in_every_language_with_its_headers_and_under_150_kb(phone, lang):
    central, token = phone
    h = handoff(token, layer=lang)
    with requests.Session() as session:
        for path in PAGES:
            answer = session.get(central.url + path, params={"lang": lang, "h": h})
            assert answer.status_code == 200, path
            assert answer.headers["content-security-policy"] == CSP
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert "<script" not in answer.text
            weight = len(answer.content) + len(session.get(central.url + "/m/static/phone.css").content)
            for src in set(__import__("re").findall(r'<img src="([^"]+)"', answer.text)):
                weight += len(session.get(central.url + src).content)
            assert weight < 150_000, (path, weight)


def test_the_title_shows_in_the_visitors_language(phone):
    central, _ = phone
    titles = {lang: requests.get(f"{central.url}/m/open-data", params={"lang": lang}).text for lang in ("de", "en")}
    assert "<h1>Offene Daten</h1>" in titles["de"] and "<h1>Open data</h1>" in titles["en"]


def test_without_a_hand_off_the_page_is_public_and_says_who_can_take_part(phone):
    central, _ = phone
    page = requests.get(f"{central.url}/m/open-data", params={"lang": "de"}).text
    assert "Besucherinnen und Besucher des StadtLABORs" in page and "<form" not in page
    assert "Marktstraße 1, 59494 Soest" in page and "Dienstag bis Freitag 10–18 Uhr" in page  # place.toml


def test_the_take_home_list_shows_the_marked_exhibits(phone):
    central, token = phone
    page = requests.get(f"{central.url}/m/take-home", params={"lang": "en", "h": handoff(token)}).text
    assert "Open data" in page and "Free Wi-Fi" in page and "Parking" not in page


@pytest.mark.parametrize("spoil", ["forged", "tampered", "expired", "unknown kiosk", "garbage"])
def test_a_bad_hand_off_is_refused_with_a_note_and_the_public_page(phone, spoil):
    central, token = phone
    good = handoff(token)
    h = {
        "forged": handoff("a token the central never gave"),
        "tampered": base64.urlsafe_b64encode(bytes([b ^ (i == 12) for i, b in
                                                    enumerate(base64.urlsafe_b64decode(good + "=="))])).decode().rstrip("="),
        "expired": handoff(token, now=0),
        "unknown kiosk": handoff(token, kiosk_id="kiosk-99"),
        "garbage": "<script>alert(1)</script>",
    }[spoil]
    answer = requests.get(f"{central.url}/m/open-data", params={"lang": "de", "h": h})
    assert answer.status_code == 200
    note = "abgelaufen" if spoil == "expired" else "nicht von einem Bildschirm"
    assert note in answer.text and "<form" not in answer.text and "<script>alert" not in answer.text
    stored = len(phone_rows(central))
    with requests.Session() as session:
        csrf = form_token(session.get(f"{central.url}/m/open-data", params={"h": good}).text)
        refused = vote(session, central, h, csrf=csrf)
    assert refused.status_code == 403
    assert len(phone_rows(central)) == stored


def test_a_vote_lands_with_source_phone_and_a_second_one_is_refused(phone):
    central, token = phone
    h = handoff(token, handoff_id="0123456789ab")
    with requests.Session() as session:
        first = vote(session, central, h, answer="no", lang="en")
        assert first.status_code == 303 and "done=vote" in first.headers["location"]
        again = vote(session, central, h, answer="yes")
        assert again.status_code == 409
        page = session.get(f"{central.url}/m/open-data", params={"lang": "de", "h": h}).text
    rows = phone_rows(central, "session_id = '0123456789ab'")
    assert rows == [("vote", "kiosk-01", "0123456789ab", "open-data", "selbst-nutzen",
                     '{"answers":["no"],"layer":"en"}', "[]")]
    assert "schon abgestimmt" in page


def test_votes_without_or_with_a_wrong_csrf_token_are_refused(phone):
    central, token = phone
    h = handoff(token, handoff_id="abcdefabcdef")
    with requests.Session() as session:
        assert vote(session, central, h, csrf="").status_code == 403
        assert vote(session, central, h, csrf="0" * 32).status_code == 403
    with requests.Session() as other:  # a form token from another browser's cookie
        stolen = form_token(requests.get(f"{central.url}/m/open-data", params={"h": h}).text)
        other.get(f"{central.url}/m/open-data", params={"h": h})
        assert vote(other, central, h, csrf=stolen).status_code == 403
    assert phone_rows(central, "session_id = 'abcdefabcdef'") == []


def test_rating_and_idea_are_stored_with_the_contact_flag_and_text_as_sent(phone):
    central, token = phone
    h = handoff(token, handoff_id="feedfeedfeed")
    payload = '<script>alert("x")</script> **fett** ruft mich an: 0171 2345678'
    with requests.Session() as session:
        csrf = form_token(session.get(f"{central.url}/m/friedhof-der-zukunft", params={"h": h}).text)
        rated = session.post(f"{central.url}/m/friedhof-der-zukunft/feedback",
                             data={"rating": "4", "comment": "", "csrf": csrf, "h": h, "lang": "de"},
                             allow_redirects=False)
        idea = session.post(f"{central.url}/m/friedhof-der-zukunft/idea",
                            data={"text": payload, "csrf": csrf, "h": h, "lang": "ls"}, allow_redirects=False)
    assert (rated.status_code, idea.status_code) == (303, 303)
    rows = phone_rows(central, "session_id = 'feedfeedfeed'")
    assert [(kind, json.loads(data), json.loads(flags)) for kind, _, _, _, _, data, flags in rows] == [
        ("feedback", {"rating": 4, "comment": None, "layer": "de"}, []),
        ("idea", {"text": payload, "layer": "ls"}, ["contact_data"]),
    ]


def test_oversized_and_overlong_input_is_refused_and_nothing_stored(phone):
    central, token = phone
    h = handoff(token, handoff_id="bbbbbbbbbbbb")
    with requests.Session() as session:
        csrf = form_token(session.get(f"{central.url}/m/friedhof-der-zukunft", params={"h": h}).text)
        big = session.post(f"{central.url}/m/friedhof-der-zukunft/idea",
                           data={"text": "x" * 40_000, "csrf": csrf, "h": h}, allow_redirects=False)
        long = session.post(f"{central.url}/m/friedhof-der-zukunft/idea",
                            data={"text": "x" * 601, "csrf": csrf, "h": h}, allow_redirects=False)
        wrong = vote(session, central, h, answer="vielleicht", csrf=csrf)
    assert (big.status_code, long.status_code, wrong.status_code) == (413, 422, 422)
    assert "600" in long.text
    assert phone_rows(central, "session_id = 'bbbbbbbbbbbb'") == []


def test_too_many_submissions_from_one_hand_off_get_429_with_retry_after(phone):
    central, token = phone
    h = handoff(token, handoff_id="cccccccccccc")
    with requests.Session() as session:
        csrf = form_token(session.get(f"{central.url}/m/friedhof-der-zukunft", params={"h": h}).text)
        answers = [session.post(f"{central.url}/m/friedhof-der-zukunft/feedback",
                                data={"rating": "3", "csrf": csrf, "h": h}, allow_redirects=False)
                   for _ in range(12)]
    assert [a.status_code for a in answers[:10]] == [303] * 10
    assert answers[10].status_code == 429 and int(answers[10].headers["retry-after"]) > 0
    assert len(phone_rows(central, "session_id = 'cccccccccccc'")) == 10


def test_markdown_html_in_content_is_shown_as_text():
    from central.phone.content import body_html

    html = body_html('Hallo <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) '
                     '[ok](https://example.org)')
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html and '<a href="https://example.org">ok</a>' in html


def test_only_the_contents_own_pictures_are_served(phone):
    central, _ = phone
    assert requests.get(f"{central.url}/m/media/media/open-data/daten.png").status_code == 200
    for path in ("exhibits/open-data/exhibit.toml", "../central.toml", "config.toml", "media/../config.toml"):
        assert requests.get(f"{central.url}/m/media/{path}").status_code == 404, path
