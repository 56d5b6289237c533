"""Script and HTML in the content (an editor's paste, or a file from elsewhere) and in what a
visitor sends: shown as text on the phone pages, never run. Checked in the HTML and in
Debian's Chromium (no dialog opens, the text reads literally)."""

from __future__ import annotations

import shutil

import pytest
import requests
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

from browser import chromium
from central_server import PROJECT, CentralServer
from phone_helpers import form_token, handoff

SCRIPT = "<script>alert('title')</script>"
IMG = '"><img src=x onerror="alert(1)">'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, central_backend):  # a central of its own per backend
    root = tmp_path_factory.mktemp("hostile-content")
    for name in ("exhibits", "media"):
        shutil.copytree(PROJECT / name, root / name)
    for name in ("events.toml", "themes.toml", "place.toml"):
        shutil.copy(PROJECT / name, root / name)
    toml = root / "exhibits" / "friedhof-der-zukunft" / "exhibit.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('de = "Friedhof der Zukunft"', f'de = "Friedhof {SCRIPT}"', 1)
    text = text.replace('de = "Wie stellen Sie sich den Friedhof der Zukunft vor?"', f"de = '{IMG} Ihre Idee?'", 1)
    toml.write_text(text, encoding="utf-8")
    body = root / "exhibits" / "friedhof-der-zukunft" / "de.md"
    body.write_text("# Titel\n\n<script>alert('body')</script>\n\n<b onclick=alert(2)>fett</b> "
                    "[klick](javascript:alert(3))\n\n" + body.read_text(encoding="utf-8"), encoding="utf-8")
    (root / "exhibits" / "open-data" / "en.md").unlink()  # an English body not written yet
    central = CentralServer(tmp_path_factory.mktemp("central"), content_root=str(root)).start()
    yield central, central.add_kiosk("kiosk-01")
    central.stop()


def test_script_in_the_content_is_text_in_the_html(hostile):
    central, token = hostile
    page = requests.get(f"{central.url}/m/friedhof-der-zukunft", params={"lang": "de", "h": handoff(token)}).text
    assert "<script" not in page and "onerror=" not in page.replace("onerror=&#34;", "").replace("onerror=&quot;", "")
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert('body')&lt;/script&gt;" in page
    assert 'href="javascript' not in page and "<b onclick" not in page


def test_in_chromium_nothing_runs_and_the_text_reads_literally(hostile):
    central, token = hostile
    h = handoff(token)
    with chromium() as browser:
        browser.get(f"{central.url}/m/friedhof-der-zukunft?lang=de&h={h}")
        assert browser.find_element(By.TAG_NAME, "h1").text == f"Friedhof {SCRIPT}"
        assert "<script>alert('body')</script>" in browser.find_element(By.CSS_SELECTOR, ".body").text
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text
        assert browser.execute_script("return document.querySelectorAll('script, img[onerror], [onclick]').length") == 0


def test_what_a_visitor_sends_is_stored_as_sent_and_never_shown_as_html(hostile):
    central, token = hostile
    h = handoff(token, handoff_id="dddddddddddd")
    idea = f"{SCRIPT}{IMG} **Markdown** [x](javascript:alert(1))"
    with requests.Session() as session:
        page = session.get(f"{central.url}/m/friedhof-der-zukunft", params={"h": h}).text
        sent = session.post(f"{central.url}/m/friedhof-der-zukunft/idea",
                            data={"text": idea, "csrf": form_token(page), "h": h}, allow_redirects=False)
        after = session.get(central.url + sent.headers["location"]).text
    assert sent.status_code == 303 and "<script" not in after
    stored = central.rows("SELECT payload FROM records WHERE session_id = 'dddddddddddd'")
    assert len(stored) == 1 and idea in __import__("json").loads(stored[0][0])["text"]


def test_a_text_missing_in_the_visitors_language_shows_in_german_with_the_kiosks_note(hostile):
    central, _ = hostile
    english = requests.get(f"{central.url}/m/open-data", params={"lang": "en"}).text
    assert "This text is not yet available in English. It is shown in German." in english
    assert "Daten, die allen gehören" in english  # the German body
    german = requests.get(f"{central.url}/m/open-data", params={"lang": "de"}).text
    assert "not yet available" not in german and "nur auf Deutsch" not in german
