"""Records and batches for the central's tests, with the fields of kiosk.core.records.Record."""

from __future__ import annotations

import json
import uuid

import requests

from kiosk.core.clock import utc_now, utc_text
from kiosk.core.records import RECORD_FIELDS
from sync.protocol import RECORDS_PATH


def record(kiosk_id: str = "kiosk-01", store_id: str | None = None, seq: int = 1, **changes) -> dict:
    values = {
        "id": str(uuid.uuid4()), "kiosk_id": kiosk_id, "store_id": store_id or str(uuid.uuid4()), "seq": seq,
        "boot_id": str(uuid.uuid4()), "session_id": uuid.uuid4().hex, "kind": "vote", "exhibit_id": "friedhof",
        "poll_id": "zukunft", "question_version": "q1", "content_version": "c1",
        "payload": {"answers": ["ja"], "layer": "de"}, "flags": [], "created_at": utc_text(utc_now()),
    }
    values.update(changes)
    assert set(values) == set(RECORD_FIELDS), "a test record must have exactly the record's fields"
    return values


def records(count: int, kiosk_id: str = "kiosk-01", store_id: str | None = None, first_seq: int = 1) -> list[dict]:
    store_id = store_id or str(uuid.uuid4())
    return [record(kiosk_id, store_id, first_seq + n) for n in range(count)]


def batch(items: list, kiosk_id: str = "kiosk-01", **changes) -> dict:
    return {"protocol": 1, "kiosk_id": kiosk_id, "sent_at": utc_text(utc_now()), "records": items, **changes}


def push(central, token: str, items: list, kiosk_id: str = "kiosk-01", session=None) -> requests.Response:
    return (session or requests).post(central.url + RECORDS_PATH, json=batch(items, kiosk_id),
                                      headers=central.auth(token), timeout=60)


def push_body(central, token: str | None, body: bytes, content_type: str = "application/json",
              **headers) -> requests.Response:
    sent = {"Content-Type": content_type, **headers}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    return requests.post(central.url + RECORDS_PATH, data=body, headers=sent, timeout=60)


def outcomes(response: requests.Response) -> dict[str, tuple]:
    """id -> (outcome, code) of a batch answer."""
    assert response.status_code == 200, response.text
    return {r["id"]: (r["outcome"], r["code"]) for r in response.json()["results"]}


def progress(response: requests.Response) -> dict[str, tuple[int, int]]:
    """store_id -> (contiguous_seq, count) of a batch answer or a sync state."""
    return {s["store_id"]: (s["contiguous_seq"], s["count"]) for s in response.json()["stores"]}


def body_of(items: list, kiosk_id: str = "kiosk-01") -> bytes:
    return json.dumps(batch(items, kiosk_id)).encode()
