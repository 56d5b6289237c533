"""Fixtures for the store tests: a store in tmp_path with a clock the test moves."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.store import Store

from .helpers import SteppingClock


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def store_path(tmp_path) -> Path:
    return tmp_path / "store" / "kiosk.db"


@pytest.fixture
def store(store_path, clock):
    opened = Store.open(store_path, "kiosk-test", app_version="test", clock=clock)
    yield opened
    opened.close()
