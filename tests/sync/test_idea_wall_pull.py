"""The sync pass pulls the Ideenwand (GET /api/v1/ideas) from a real central after its push and
hands it to the store, which keeps it for showing offline. A pull that fails (a captive portal's
HTML 200, a 500, an older central) leaves the kept wall as it was and the push untouched."""

from __future__ import annotations


import pytest

from sync.protocol import IDEAS_PATH, IdeaStatus

from sync_helpers import kiosk_store, proxy  # noqa: F401 (fixtures)
from sync_helpers import add_idea, add_votes, central_ids, client_for, open_store, pending


def at(second: int) -> str:
    return f"2026-12-01T10:00:{second:02d}.000000Z"


def approve(central, record_id: str, second: int, status: str | None = None, answer: dict | None = None) -> None:
    with central.database() as db:
        db.moderate(record_id, "approved", "anna", at(second))
        if status is not None:
            db.answer_idea(record_id, status, answer or {}, "ben", at(second + 1))


def test_a_pass_pushes_then_pulls_the_wall_and_the_store_keeps_it(kiosk_store, central, proxy):
    token = central.add_kiosk("kiosk-01")
    bench = add_idea(kiosk_store, "Mehr Bänke am Markt")
    rude = add_idea(kiosk_store, "Alle sind doof")
    client = client_for(kiosk_store, proxy.url, token)
    status = client.run_pass()
    # The ideas just pushed are not approved yet: the wall is empty, and was pulled after the push.
    assert status.online and status.ideas_error is None and status.ideas_pulled_at
    assert kiosk_store.idea_wall() == [] and kiosk_store.idea_wall_pulled() is not None
    paths = [path for _, path, _ in proxy.requests]
    assert paths[-1] == IDEAS_PATH and paths.count(IDEAS_PATH) == 1 and "/api/v1/records" in paths[0]

    approve(central, bench, 1, IdeaStatus.REVIEWING.value, {"de": "Wir prüfen das.", "en": "We are looking into it."})
    with central.database() as db:
        db.moderate(rude, "rejected", "anna", at(5), "beleidigend")
    client.run_pass()
    wall = kiosk_store.idea_wall()
    assert [(idea["id"], idea["text"], idea["status"]) for idea in wall] == [(bench, "Mehr Bänke am Markt", "reviewing")]
    assert wall[0]["answer"] == {"de": "Wir prüfen das.", "en": "We are looking into it.", "ls": None}
    assert proxy.count(IDEAS_PATH) == 2  # once per pass


@pytest.mark.parametrize("fault", ["captive", "error500", "down", "busy"])
def test_a_failed_pull_keeps_the_wall_and_leaves_the_push_alone(kiosk_store, central, proxy, fault):
    token = central.add_kiosk("kiosk-01")
    kept = add_idea(kiosk_store, "Ein Trinkbrunnen am Bahnhof")
    client = client_for(kiosk_store, proxy.url, token)
    client.run_pass()
    approve(central, kept, 1, IdeaStatus.DONE.value, {"de": "Steht seit Mai."})
    client.run_pass()
    before = kiosk_store.idea_wall()
    pulled = kiosk_store.idea_wall_pulled()
    assert [idea["id"] for idea in before] == [kept]

    ids = add_votes(kiosk_store, 5)
    proxy.fault = lambda number, path: fault if path.startswith(IDEAS_PATH) else "pass"
    status = client.run_pass()
    assert pending(kiosk_store) == 0 and set(ids) <= set(central_ids(central))
    assert status.online is True and status.last_error is None and status.failures == 0
    assert status.ideas_error and status.ideas_error.startswith("Ideenwand nicht abgeholt")
    assert kiosk_store.idea_wall() == before and kiosk_store.idea_wall_pulled() == pulled
    assert client.seconds_until_due() > 30  # no backoff for the push: the interval (60 s)

    proxy.set_mode("pass")
    status = client.run_pass()
    assert status.ideas_error is None and kiosk_store.idea_wall() == before


def test_a_failed_push_pulls_nothing(kiosk_store, central, proxy):
    token = central.add_kiosk("kiosk-01")
    add_votes(kiosk_store, 3)
    proxy.set_mode("captive")
    status = client_for(kiosk_store, proxy.url, token).run_pass()
    assert status.online is False and pending(kiosk_store) == 3
    assert proxy.count(IDEAS_PATH) == 0 and kiosk_store.idea_wall_pulled() is None


def test_the_wall_survives_a_restart_of_the_kiosk_offline(tmp_path, central):
    path = tmp_path / "kiosk.sqlite3"
    token = central.add_kiosk("kiosk-01")
    with open_store(path) as store:
        record_id = add_idea(store, "Schattenplätze am Spielplatz")
        client = client_for(store, central.url, token)
        client.run_pass()
        approve(central, record_id, 1, IdeaStatus.DONE.value, {"de": "Vier Sonnensegel hängen.", "ls": "Es gibt jetzt Schatten."})
        client.run_pass()
        wall = store.idea_wall()
    central.stop()
    with open_store(path) as store:  # the kiosk starts again with the central out of reach
        status = client_for(store, central.url, token, timeouts=(1.0, 1.0)).run_pass()
        assert status.online is False
        assert store.idea_wall() == wall and wall[0]["text"] == "Schattenplätze am Spielplatz"
        assert wall[0]["answer"]["ls"] == "Es gibt jetzt Schatten."


def test_an_older_central_without_the_wall_still_takes_the_push(kiosk_store, central):
    token = central.add_kiosk("kiosk-01")
    ids = add_votes(kiosk_store, 2)
    client = client_for(kiosk_store, central.url, token)
    real_request = client.session.request

    def as_an_older_central(method, url, **kwargs):
        # A central from before the Ideenwand: the path is unknown to it (FastAPI's 404).
        return real_request(method, url.replace(IDEAS_PATH, "/api/v1/no-such-path"), **kwargs)

    client.session.request = as_an_older_central
    status = client.run_pass()
    assert status.online and pending(kiosk_store) == 0 and set(ids) <= set(central_ids(central))
    assert "(404)" in status.ideas_error and kiosk_store.idea_wall_pulled() is None
