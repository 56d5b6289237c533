"""The touch app against a bare Kivy window measured in the same run (issue 3).

- start to first interactive frame, shipped content, whole process from spawn: ratio <= 1.5
- tap -> next screen fully drawn (pictures included) at 1920x1080: p95 <= 100 ms
- CPU while the attract screen waits, 30 s: <= 1.5x a bare Kivy window
- resident memory after 500 random navigations: growth <= 10 % over the first full round
- longest frame during a burst of 50 votes (issue 4): <= 50 ms
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import report

PROBE = Path(__file__).with_name("ui_probe.py")
ENV = {**os.environ, "SDL_VIDEODRIVER": "offscreen"}


def probe(*args: str) -> tuple[dict, float]:
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, str(PROBE), *args], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, env=ENV)
    line = process.stdout.readline()
    elapsed = time.monotonic() - started
    while line and not line.startswith("{"):  # the kiosk's own "kiosk ready" line
        line = process.stdout.readline()
    process.wait(timeout=600)
    if not line:
        raise SystemExit(f"probe {args} printed nothing (exit {process.returncode})")
    return json.loads(line), elapsed


def main() -> int:
    ok = True
    quick = "--quick" in sys.argv
    runs = 3 if quick else 7

    kiosk_start = statistics.median(probe("start", "kiosk")[1] for _ in range(runs))
    bare_start = statistics.median(probe("start", "bare")[1] for _ in range(runs))
    good = kiosk_start / bare_start <= 1.5
    ok &= good
    report("start to first interactive frame (from spawn, median)", kiosk_start, "s", "bare Kivy window",
           bare_start, target="ratio <= 1.5", ok=good)

    taps, _ = probe("taps", "60" if quick else "200")
    good = taps["p95_ms"] <= 100
    ok &= good
    print(f"tap -> next screen fully drawn at 1920x1080 ({taps['taps']} taps): p50 {taps['p50_ms']:.1f} ms, "
          f"p95 {taps['p95_ms']:.1f} ms, max {taps['max_ms']:.1f} ms  target p95 <= 100 ms  "
          f"{'PASS' if good else 'FAIL'}")

    # Interleaved and repeated: on a shared 2-core machine the bare window alone varies by a
    # factor of two from one 30-second run to the next (0.32-0.65 CPU s measured).
    seconds, pairs = ("10", 1) if quick else ("30", 3)
    kiosk_cpu, bare_cpu = [], []
    for _ in range(pairs):
        kiosk_cpu.append(probe("idle", "kiosk", seconds)[0]["cpu_seconds"])
        bare_cpu.append(probe("idle", "bare", seconds)[0]["cpu_seconds"])
    kiosk_idle, bare_idle = statistics.median(kiosk_cpu), statistics.median(bare_cpu)
    good = kiosk_idle <= 1.5 * bare_idle
    ok &= good
    report(f"CPU while attract waits ({seconds} s, median of {pairs})", kiosk_idle, "CPU s", "bare Kivy window",
           bare_idle, target="ratio <= 1.5", ok=good)
    print(f"    runs: kiosk {kiosk_cpu}, bare {bare_cpu}")

    burst, _ = probe("burst", "50")
    good = burst["longest_frame_cpu_ms"] <= 50 and burst["acknowledged"] == burst["votes"]
    ok &= good
    print(f"longest frame during a burst of {burst['votes']} votes ({burst['acknowledged']} acknowledged, "
          f"{burst['frames']} frames): {burst['longest_frame_cpu_ms']:.1f} ms on the Kivy thread "
          f"({burst['longest_frame_with_raster_ms']:.1f} ms until llvmpipe finished drawing it)  "
          f"target <= 50 ms  {'PASS' if good else 'FAIL'}")

    memory, _ = probe("memory", "100" if quick else "500")
    growth = memory["after_navigations_kib"] / memory["after_first_round_kib"] - 1
    good = growth <= 0.10
    ok &= good
    print(f"resident memory: {memory['after_first_round_kib'] / 1024:.1f} MiB after the first full round, "
          f"{memory['after_navigations_kib'] / 1024:.1f} MiB after {memory['navigations']} navigations: "
          f"growth {growth * 100:+.1f} %  target <= 10 %  {'PASS' if good else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
