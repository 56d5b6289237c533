"""When the central cannot write its database (a full disk), a push is answered 503 with
Retry-After and an ErrorAnswer, nothing of it is kept, and the central goes on once there is room."""

from __future__ import annotations

import uuid

import pytest

from central_records import outcomes, push, records
from central_server import CentralServer
from refusals import assert_refused

pytestmark = pytest.mark.sqlite_only("a full disk: a size limit on the SQLite file the central writes")


def test_a_full_disk_is_503_and_nothing_half_kept(tmp_path):
    central = CentralServer(tmp_path / "central")
    token = central.add_kiosk("kiosk-01")  # the database made, before the limit
    size = central.db_path.stat().st_size
    central.start(file_size_limit=size + 64 * 1024)  # the WAL may grow to 64 KiB, no more
    try:
        store = str(uuid.uuid4())
        big = records(1000, store_id=store)
        response = push(central, token, big)
        assert_refused(response, 503, "store_unavailable")
        assert response.headers["Retry-After"].isdigit()
        assert central.rows("SELECT COUNT(*) FROM records") == [(0,)]
        assert set(outcomes(push(central, token, records(2))).values()) == {("accepted", None)}
    finally:
        central.stop()
        central.kill()
    central.start()  # room again
    try:
        assert set(outcomes(push(central, token, big)).values()) == {("accepted", None)}
    finally:
        assert central.stop() == 0
