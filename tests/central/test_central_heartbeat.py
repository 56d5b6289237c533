"""POST /api/v1/heartbeat: the latest heartbeat of each kiosk, with the clock skew."""

from __future__ import annotations

import datetime as dt
import json

import requests

from kiosk.core.clock import utc_now, utc_text
from refusals import assert_refused
from sync.protocol import HEARTBEAT_PATH, HeartbeatAnswer


def beat(kiosk_id: str = "kiosk-01", **changes) -> dict:
    values = {"protocol": 1, "kiosk_id": kiosk_id, "kiosk_time": utc_text(utc_now()), "app_version": "0.1.0",
              "content_version": "c1", "outbox_depth": 12, "quarantined": 1, "last_visitor_touch": None,
              "restarts": 2, "uptime_s": 3600.5}
    values.update(changes)
    return values


def send(central, token, body) -> requests.Response:
    return requests.post(central.url + HEARTBEAT_PATH, json=body, headers=central.auth(token), timeout=10)


def test_a_heartbeat_is_kept_with_the_clock_skew(central):
    token = central.add_kiosk("kiosk-01")
    year_ahead = utc_text(utc_now() + dt.timedelta(days=365))
    response = send(central, token, beat(kiosk_time=year_ahead))
    answer = HeartbeatAnswer.model_validate_json(response.content)
    assert answer.kiosk_id == "kiosk-01"
    ((skew, kept, received),) = central.rows("SELECT clock_skew_s, heartbeat, received_at FROM heartbeats")
    assert 365 * 86400 - 60 < skew < 365 * 86400 + 60
    assert json.loads(kept)["outbox_depth"] == 12 and received.endswith("Z")


def test_only_the_latest_heartbeat_is_kept(central):
    token = central.add_kiosk("kiosk-01")
    send(central, token, beat(outbox_depth=5))
    send(central, token, beat(outbox_depth=0, kiosk_time="1970-01-01T00:00:00.000000Z"))
    ((kept, skew),) = central.rows("SELECT heartbeat, clock_skew_s FROM heartbeats")
    assert json.loads(kept)["outbox_depth"] == 0 and skew < -50 * 365 * 86400
    ((received,),) = central.rows("SELECT received_at FROM heartbeats")
    (line,) = [line for line in central.cli("list-kiosks").stdout.splitlines() if line.startswith("kiosk-01")]
    assert received in line


def test_heartbeat_refusals(central):
    token = central.add_kiosk("kiosk-01")
    assert_refused(send(central, token, beat("kiosk-02")), 403, "wrong_kiosk")
    assert_refused(send(central, token, beat(outbox_depth=-1)), 422, "invalid", "outbox_depth")
    assert_refused(send(central, token, beat(kiosk_time="2026-13-40T00:00:00.000000Z")), 422, "invalid", "kiosk_time")
    assert_refused(send(central, token, {**beat(), "mood": "fine"}), 422, "invalid", "mood")
    assert_refused(requests.post(central.url + HEARTBEAT_PATH, data="hi", timeout=10,
                                 headers={**central.auth(token), "Content-Type": "text/plain"}), 415)
    assert_refused(send(central, "nobody", beat()), 401, "unknown_token")
