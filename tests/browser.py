"""Debian's Chromium, headless, driven by selenium through Debian's chromium-driver: a phone
(390x844) or a desktop window; and axe-core (from npm, in .venv/axe) run in it. Nothing is
downloaded: the binaries come from apt and npm through scripts/setup."""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
AXE = Path(__file__).resolve().parent.parent / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@contextlib.contextmanager
def chromium(width: int = 390, height: int = 844):
    if not (CHROMIUM and DRIVER):
        pytest.fail("Debian's chromium and chromium-driver are needed (scripts/setup test installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                     f"--window-size={width},{height}", "--disable-dev-shm-usage", "--lang=de-DE"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    # Headless Chromium keeps windows at least 500 pixels wide: a phone's 390 is emulated, as its
    # developer tools do (a mobile viewport: the page's meta viewport applies).
    driver.phone_size = (width, height)
    _emulate(driver, width, height)
    try:
        yield driver
    finally:
        driver.quit()


def _emulate(driver, width: int, height: int) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


def screenshot(driver, name: str) -> Path:
    """What the screen shows (390x844 on a phone)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def full_page_screenshot(driver, name: str) -> Path:
    """The whole page at the screen's width (the viewport grown to the page's height)."""
    width, height = driver.phone_size
    page_height = driver.execute_script("return document.documentElement.scrollHeight")
    _emulate(driver, width, min(max(page_height, height), 8000))
    try:
        return screenshot(driver, name)
    finally:
        _emulate(driver, width, height)


def serious_violations(driver) -> list[str]:
    """axe-core's serious and critical findings on the page the browser shows, one line each."""
    assert AXE.is_file(), "axe-core is missing: run scripts/setup test"
    driver.set_script_timeout(60)
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(JSON.stringify(r.violations)))"
        ".catch(e => done(JSON.stringify([{id: 'axe-failed', impact: 'critical', help: String(e), nodes: []}])));")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n.get('target') for n in v['nodes']][:3]}"
            for v in json.loads(result) if v["impact"] in ("serious", "critical")]


def after_click(driver, element, css: str, timeout: float = 15):
    """Click `element` (a submit button or link) and wait for the next page to show `css`; the
    element found there. A click does not always wait for the page it leads to."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    element.click()
    WebDriverWait(driver, timeout).until(lambda _: _left_the_page(element))
    return WebDriverWait(driver, timeout).until(lambda d: d.find_element(By.CSS_SELECTOR, css))


def _left_the_page(element) -> bool:
    """The element belongs to a page the browser has left. Chromium says so as a stale element,
    or, when asked in the middle of the navigation, as an inspector error about the node."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error) or "No node with given id" in str(error):
            return True
        raise
    return False


def downloads_into(driver, folder: Path) -> None:
    """Let the browser save what a page hands out (an attachment) into `folder`, as a person's
    browser saves it into their downloads."""
    folder.mkdir(parents=True, exist_ok=True)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})


def downloaded(folder: Path, suffix: str, timeout: float = 90) -> Path:
    """The file with `suffix` the browser finished saving into `folder` (it writes `.crdownload`
    until it is complete)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [path for path in folder.iterdir() if path.name.endswith(suffix)]
        if done and not any(path.name.endswith(".crdownload") for path in folder.iterdir()):
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} saved into {folder} within {timeout:g} s: {sorted(folder.iterdir())}")
