"""The sync tests' kiosk: a real store on disk, and a fault proxy in front of the central."""

from __future__ import annotations

import pytest

from fault_proxy import FaultProxy
from sync_helpers import open_store


@pytest.fixture
def kiosk_store(tmp_path):
    store = open_store(tmp_path / "kiosk.sqlite3")
    yield store
    store.close()


@pytest.fixture
def proxy(central):
    with FaultProxy(central.url) as running:
        yield running
