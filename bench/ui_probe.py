"""One measurement of the kiosk app (or of a bare Kivy window) in its own process.

Run by bench_ui.py; prints one JSON line with the figures.
    ui_probe.py start  kiosk|bare          time from process start to the first interactive frame
    ui_probe.py idle   kiosk|bare SECONDS  CPU seconds used while waiting (attract screen)
    ui_probe.py taps   COUNT               tap -> next screen fully drawn, per tap (ms)
    ui_probe.py memory COUNT               resident memory after a first round and after COUNT navigations
    ui_probe.py sync_push COUNT URL TOKEN  longest frame while COUNT records are pushed to a central
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

STARTED = time.monotonic()
PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")

from kiosk.ui import prepare_kivy  # noqa: E402

prepare_kivy(Path(tempfile.mkdtemp(prefix="bench-kivy-")), fullscreen=False, size=(1920, 1080))


def kiosk_app():
    """As `kiosk run` starts it: the content is read and checked after the first frame."""
    from kiosk.core.config import load_config
    from kiosk.ui.app import KioskApp

    folder = Path(tempfile.mkdtemp(prefix="bench-kiosk-"))
    config_path = folder / "config.toml"
    config_path.write_text(f'[content]\nroot = "{PROJECT}"\n[store]\npath = "{folder}/kiosk.sqlite3"\n',
                           encoding="utf-8")
    config = load_config(config_path)
    return KioskApp(config, kiosk_mode=True)


def bare_app():
    from kivy.app import App
    from kivy.uix.widget import Widget

    class Bare(App):
        def build(self):
            return Widget()

    return Bare()


def emit(**figures):
    print(json.dumps(figures), flush=True)


def start(which: str) -> None:
    from kivy.clock import Clock

    app = kiosk_app() if which == "kiosk" else bare_app()

    def first_frame(dt):
        emit(seconds=time.monotonic() - STARTED)
        app.stop()

    # on_start runs right before the main loop; the callback fires after the first frame drawn.
    app.bind(on_start=lambda *a: Clock.schedule_once(first_frame, 0))
    app.run()


def finish_every_frame() -> None:
    """Rasterise each frame when it is drawn, as swapping buffers on a real display does; SDL's
    offscreen driver does not, and Mesa's llvmpipe then leaves frames pending until something
    forces them (a later texture upload), billing their cost to a later, unrelated moment."""
    from kivy.core.window import Window
    from kivy.graphics.opengl import glFinish

    Window.bind(on_flip=lambda *args: glFinish())


def idle(which: str, seconds: float) -> None:
    from kivy.clock import Clock

    app = kiosk_app() if which == "kiosk" else bare_app()
    finish_every_frame()
    marks = {}

    def begin(dt):
        marks["cpu"] = sum(os.times()[:2])
        marks["wall"] = time.monotonic()
        Clock.schedule_once(finish, seconds)

    def finish(dt):
        emit(cpu_seconds=sum(os.times()[:2]) - marks["cpu"], wall_seconds=time.monotonic() - marks["wall"])
        app.stop()

    def settled(dt):
        # The kiosk waits in its attract loop once its start-up work is done (content checked,
        # screens built, pictures decoded, QR codes and texts prepared); measured from there.
        if which == "kiosk" and not (app.started and app.warmed_up and not app.images._waiting):
            return True  # ask again
        Clock.schedule_once(begin, 1)
        return False

    app.bind(on_start=lambda *a: Clock.schedule_interval(settled, 3 if which == "bare" else 0.25))
    app.run()


def embedded():
    from kivy.base import EventLoop, runTouchApp

    app = kiosk_app()
    app._run_prepare()
    runTouchApp(embedded=True)
    # A kiosk waits in its attract loop before the first visitor: let start-up work finish.
    deadline = time.monotonic() + 30
    while (not (app.started and app.warmed_up) or app.images._waiting) and time.monotonic() < deadline:
        EventLoop.idle()
    return app, EventLoop


def drawn(app, EventLoop) -> None:
    """Frames until the screen is complete: layout done, its pictures decoded and shown, and the
    GPU (Mesa's llvmpipe here) finished drawing it, not merely handed the commands."""
    from kivy.graphics.opengl import glFinish

    EventLoop.idle()
    glFinish()
    while app.images._waiting:
        EventLoop.idle()
        glFinish()


def tap_targets(app):
    from kiosk.ui.screens.home import ExhibitTile
    from kiosk.ui.widgets.top_bar import TopBar

    screen = app.root.current_screen
    if screen.name == "attract":
        return [("attract", lambda: (960, 540))]
    if screen.name == "home":
        tiles = [w for w in screen.walk() if isinstance(w, ExhibitTile) and w.to_window(*w.center)[1] > 100]
        return [(t.exhibit.id, lambda t=t: t.to_window(*t.center)) for t in tiles]
    bar = next(w for w in screen.walk() if isinstance(w, TopBar))
    back = bar.ids.back
    return [("back", lambda: back.to_window(*back.center))]


def taps(count: int) -> None:
    from kivy.tests.common import UnitTestTouch

    app, EventLoop = embedded()
    rng = random.Random(7)
    times = []
    by_move: dict[str, list[float]] = {}
    for _ in range(count):
        name, where = rng.choice(tap_targets(app))
        before = app.root.current
        x, y = where()
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        drawn(app, EventLoop)  # the pressed state is drawn while the finger is still down
        started = time.perf_counter()
        touch.touch_up()
        drawn(app, EventLoop)
        times.append((time.perf_counter() - started) * 1000)
        assert app.root.current != before, f"tap on {name} did not navigate"
        by_move.setdefault(f"{before}->{app.root.current}", []).append(times[-1])
    times.sort()
    emit(taps=len(times), p50_ms=times[len(times) // 2], p95_ms=times[int(len(times) * 0.95) - 1],
         max_ms=times[-1], slowest={move: sorted(t)[-3:] for move, t in by_move.items()})


def rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def memory(count: int) -> None:
    app, EventLoop = embedded()
    content = app.content
    layers = ("de", "en", "ls")

    def visit(exhibit_id, layer):
        app.start_visit()
        drawn(app, EventLoop)
        app.set_layer(layer)
        app.open_exhibit(exhibit_id)
        drawn(app, EventLoop)

    for layer in layers:  # the first full round: every exhibit in every layer, events, back home
        for exhibit in content.exhibits:
            visit(exhibit.id, layer)
        app.go("events")
        drawn(app, EventLoop)
        app.end_visit("bench")
        drawn(app, EventLoop)
    after_round = rss_kib()
    rng = random.Random(11)
    for i in range(count):
        choice = rng.random()
        if choice < 0.6:
            visit(rng.choice(content.exhibits).id, rng.choice(layers))
        elif choice < 0.8:
            app.go("events")
        elif choice < 0.9:
            app.high_contrast = not app.high_contrast
        else:
            app.end_visit("bench")
        drawn(app, EventLoop)
    emit(after_first_round_kib=after_round, after_navigations_kib=rss_kib(), navigations=count)


def burst(votes: int) -> None:
    """Votes as fast as a tapper can give them while frames keep coming: how long is the longest
    frame? Each vote takes the screens' path (Visits -> writer thread -> commit -> results)."""
    from kivy.graphics.opengl import glFinish

    from kivy.tests.common import UnitTestTouch

    app, EventLoop = embedded()
    exhibit, poll = next((e, p) for e in app.content.exhibits for p in e.polls if p.show_results)
    app.visits.vote_cooldown_s = 0  # the burst is the point here, not the cooldown
    screen = app.screen("poll")
    frames_cpu, frames_all = [], []
    acknowledged = []
    app.start_visit()
    app.open_poll(exhibit.id, poll.id)
    drawn(app, EventLoop)
    for i in range(votes):
        # A new visitor each time, on the same screen: the votes come as fast as they can.
        for draft in app.visits.end("bench"):
            app.record(draft)
        app.visits.start("de")
        screen.show(exhibit.id, poll.id)
        drawn(app, EventLoop)
        # Real taps, as a visitor's: on an answer, then on the confirm button.
        target = screen.ids.answers.children[i % len(screen.ids.answers.children)]
        confirm = next(w for w in screen.walk() if getattr(w, "text", "") == "Abstimmen")
        for widget in (target, confirm):
            touch = UnitTestTouch(*widget.to_window(*widget.center))
            touch.touch_down()
            drawn(app, EventLoop)  # the pressed state is drawn while the finger is down
            touch.touch_up()
        started = time.perf_counter()
        while screen.state == "saving" and time.perf_counter() - started < 10:
            t0 = time.perf_counter()
            EventLoop.idle()
            t1 = time.perf_counter()
            glFinish()
            frames_cpu.append((t1 - t0) * 1000)
            frames_all.append((time.perf_counter() - t0) * 1000)
        acknowledged.append(screen.state == "thanks")
        t0 = time.perf_counter()
        EventLoop.idle()  # the frame that shows the thank-you and the results
        t1 = time.perf_counter()
        glFinish()
        frames_cpu.append((t1 - t0) * 1000)
        frames_all.append((time.perf_counter() - t0) * 1000)
    emit(votes=votes, acknowledged=sum(acknowledged), frames=len(frames_cpu), top_cpu=sorted(frames_cpu)[-5:], longest_frame_cpu_ms=max(frames_cpu),
         longest_frame_with_raster_ms=max(frames_all))


def sync_push(count: int, central_url: str, token: str) -> None:
    """The kiosk's frames while its sync thread pushes `count` records to a real central, as a
    kiosk does between visitors: on its attract screen, whose loop keeps drawing. A tap's own
    frame (tens of ms under llvmpipe, see `taps`) would hide what the push adds, so there are
    none here; first the same loop with no push, as the baseline."""
    sys.path.insert(0, str(PROJECT / "tests" / "sync"))
    from sync_helpers import fill_backlog

    from kiosk.ui.sync_runner import SyncRunner
    from sync.client import SyncClient

    import requests

    app, EventLoop = embedded()
    app.recorder.wait_opened(30)
    fill_backlog(app.store_path, count, kiosk_id=app.kiosk_config.kiosk.id)

    def frames(until) -> list[float]:
        times = []
        while not until(len(times)):
            started = time.perf_counter()
            EventLoop.idle()
            times.append((time.perf_counter() - started) * 1000)
        return times

    quiet = frames(lambda n: n >= 300)
    client = SyncClient(app.recorder.store, central_url=central_url, token=token, kiosk_id=app.kiosk_config.kiosk.id,
                        interval_s=3600, session=requests.Session(), app_version="bench")
    runner = SyncRunner(client).start()
    deadline = time.monotonic() + 300
    pushing = frames(lambda n: runner.passes > 0 or time.monotonic() > deadline)
    runner.stop()
    status = client.status()
    emit(pushed=count - status.pending, error=status.last_error, frames_quiet=len(quiet), frames_push=len(pushing),
         longest_quiet_ms=max(quiet), longest_push_ms=max(pushing), top_push=sorted(pushing)[-5:],
         top_quiet=sorted(quiet)[-5:], screen=app.root.current)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "start":
        start(sys.argv[2])
    elif mode == "idle":
        idle(sys.argv[2], float(sys.argv[3]))
    elif mode == "taps":
        taps(int(sys.argv[2]))
    elif mode == "memory":
        memory(int(sys.argv[2]))
    elif mode == "burst":
        burst(int(sys.argv[2]))
    elif mode == "sync_push":
        sync_push(int(sys.argv[2]), sys.argv[3], sys.argv[4])
