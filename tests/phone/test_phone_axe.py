"""axe-core (from npm, scripts/setup puts it in .venv/axe) run in Debian's Chromium on every
phone page in all three languages, with a hand-off (so the forms are there) and without: no
serious or critical violation."""

from __future__ import annotations

import json

import pytest

from browser import AXE, chromium, serious_violations
from phone_helpers import CATALOG, handoff, phone_central

PAGES = ["/m/", "/m/events", "/m/take-home", "/m/kein-solches-exponat", *(f"/m/{exhibit}" for exhibit in CATALOG)]


@pytest.fixture(scope="module")
def phone(tmp_path_factory, central_backend):  # a central of its own per backend
    central, token = phone_central(tmp_path_factory.mktemp("phone-axe"))
    yield central, token
    central.stop()


@pytest.mark.parametrize("lang", ["de", "en", "ls"])
def test_no_serious_or_critical_accessibility_violation_on_any_phone_page(phone, lang):
    assert AXE.is_file(), "axe-core is missing: run scripts/setup test"
    central, token = phone
    h = handoff(token, layer=lang)
    found = {}
    with chromium() as browser:
        for path in PAGES:
            for query in (f"lang={lang}&h={h}", f"lang={lang}"):
                browser.get(f"{central.url}{path}?{query}")
                problems = serious_violations(browser)
                if problems:
                    found[f"{path}?{query[:12]}"] = problems
        browser.get(f"{central.url}/m/open-data?lang={lang}&h=forged")
        if problems := serious_violations(browser):
            found["bad hand-off note"] = problems
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)


def test_the_check_finds_a_violation_when_there_is_one(phone):
    # So that an empty list above means something: the picture's alt text and the form's
    # labels removed in the page, axe must name both.
    central, token = phone
    with chromium() as browser:
        browser.get(f"{central.url}/m/open-data?lang=de&h={handoff(token)}")
        browser.execute_script("document.querySelector('img').removeAttribute('alt');"
                               "document.querySelectorAll('label').forEach(l => l.replaceWith(...l.childNodes));")
        problems = " ".join(serious_violations(browser))
    assert "image-alt" in problems and "label" in problems
