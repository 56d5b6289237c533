"""The API documentation at /docs loads everything from the central itself (no CDN), and
renders in Debian's Chromium."""

from __future__ import annotations

import re

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser import chromium


def test_docs_loads_nothing_from_elsewhere_and_renders(central):
    page = requests.get(central.url + "/docs").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/") for source in sources), sources
    for source in sources:
        assert requests.get(central.url + source).status_code == 200, source
    assert requests.get(central.url + "/redoc").status_code == 404
    assert requests.get(central.url + "/docs/static/..%2Fcentral.toml").status_code == 404
    with chromium(1280, 800) as browser:
        browser.get(central.url + "/docs")
        title = WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".swagger-ui .title"))
        assert "StadtLABOR central" in title[0].text
        loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(url.startswith(central.url) for url in loaded), loaded
