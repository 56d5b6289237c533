"""The phone pages against a baseline measured in the same run (issue 11).

50 phones at once, each as a visitor who scanned a kiosk's code: the exhibit page with its
stylesheet and picture, a vote, the page again after it, the take-home list, the events and
another exhibit, with half a second to a second and a half of reading before each tap (people
read a page before they tap the next); the same without any pause is printed as a stress
figure. Figures: p50/p95 page time (the HTML of one page; target p95 <= 100 ms), page
weight (HTML, stylesheet and pictures), errors (0). The baseline is one phone doing the same
alone. Each phone fetches the stylesheet and a picture once, as a browser does (they are sent
with Cache-Control); a page's weight counts them all the same. The central is the real one (`kiosk-central serve`, its own process) over the shipped
content, on loopback.

Run: cd bench && ../.venv/bin/python bench_phone.py
"""

from __future__ import annotations

import random
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench_sync import Central, percentile
from common import PROJECT, report

sys.path.insert(0, str(PROJECT))

from kiosk.core.content_loader import load_content  # noqa: E402
from kiosk.core.handoff import handoff_key, make_handoff, new_handoff_id, token_digest  # noqa: E402

PHONES = 50
CATALOG = [exhibit.id for exhibit in load_content(PROJECT, decode_pictures=False).exhibits]


def visit(url: str, token: str, number: int, times: list[float], weights: list[int], errors: list[str],
          think: tuple[float, float] | None = None) -> None:
    h = make_handoff(handoff_key(token_digest(token)), kiosk_id="kiosk-01", handoff_id=new_handoff_id(),
                     layer="de", marked=CATALOG[:3], catalog=CATALOG)
    exhibit, other = CATALOG[number % len(CATALOG)], CATALOG[(number + 1) % len(CATALOG)]
    cached: dict[str, int] = {}  # a browser fetches the stylesheet and a picture once (Cache-Control)
    with requests.Session() as phone:
        def page(path: str, **params) -> str:
            if think:
                time.sleep(random.uniform(*think))  # reading the page before, then a tap
            started = time.perf_counter()
            answer = phone.get(url + path, params={"lang": "de", "h": h, **params}, timeout=30)
            times.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                errors.append(f"GET {path}: {answer.status_code}")
            weight = len(answer.content)
            for src in ["/m/static/phone.css", *re.findall(r'<img src="([^"]+)"', answer.text)]:
                if src not in cached:
                    cached[src] = len(phone.get(url + src, timeout=30).content)
                weight += cached[src]
            weights.append(weight)
            return answer.text

        html = page(f"/m/{exhibit}")
        form = re.search(r'action="(/m/[^"]+/polls/[^"]+)".*?name="answer" value="([^"]+)".*?name="csrf" value="([^"]+)"',
                         html, re.S)
        if form:
            if think:
                time.sleep(random.uniform(*think))
            started = time.perf_counter()
            answer = phone.post(url + form.group(1), data={"answer": form.group(2), "csrf": form.group(3), "h": h,
                                                           "lang": "de"}, allow_redirects=False, timeout=30)
            times.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 303:
                errors.append(f"POST {form.group(1)}: {answer.status_code}")
        page(f"/m/{exhibit}", done="vote")
        page("/m/take-home")
        page("/m/events")
        page(f"/m/{other}")


THINK_S = (0.5, 1.5)


def crowd(url: str, token: str, errors: list[str], think) -> tuple[list[float], list[int], float]:
    times: list[float] = []
    weights: list[int] = []
    phones = [threading.Thread(target=visit, args=(url, token, n, times, weights, errors, think))
              for n in range(PHONES)]
    started = time.perf_counter()
    for phone in phones:
        phone.start()
    for phone in phones:
        phone.join()
    return times, weights, time.perf_counter() - started


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bench-phone-", dir=Path(__file__).parent))
    try:
        central = Central(work, content_root=str(PROJECT))
        try:
            token = central.add_kiosk("kiosk-01")
            alone: list[float] = []
            errors: list[str] = []
            for number in range(len(CATALOG)):  # a central that has served each page once
                visit(central.url, token, number, alone, [], errors)
            alone.clear()
            visit(central.url, token, 1, alone, [], errors)
            # Phones as people use them: a moment of reading before each tap (THINK_S), and
            # all 50 starting within the first second.
            times, weights, took = crowd(central.url, token, errors, THINK_S)
            # The same without a pause anywhere: every phone's next request the moment the last
            # one is answered (a stress figure, shown without a target).
            stress, _, stress_took = crowd(central.url, token, [], None)
        finally:
            central.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"without pauses (stress): {len(stress)} pages and votes in {stress_took:.1f} s, p50 "
          f"{percentile(stress, 0.5):.0f} ms, p95 {percentile(stress, 0.95):.0f} ms")
    print(f"{PHONES} phones, {THINK_S[0]}-{THINK_S[1]} s of reading before each tap: {len(times)} pages and votes "
          f"in {took:.1f} s, errors {len(errors)}"
          f"{(' ' + errors[0]) if errors else ''}; heaviest page {max(weights) / 1024:.0f} KB with its "
          f"stylesheet and picture (median {percentile(weights, 0.5) / 1024:.0f} KB)")
    report(f"{PHONES} phones at once, page time p50", percentile(times, 0.5), "ms", "one phone alone, p50",
           percentile(alone, 0.5))
    p95 = percentile(times, 0.95)
    report(f"{PHONES} phones at once, page time p95", p95, "ms", "one phone alone, p95", percentile(alone, 0.95),
           "p95 <= 100 ms, 0 errors, pages < 150 KB", ok=p95 <= 100 and not errors and max(weights) < 150_000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
