"""A file at the store's path that is not this kiosk's store: the kiosk still starts, without
recording, says why, and leaves the file exactly as it is (as for a read-only store)."""

import hashlib

import pytest

pytestmark = pytest.mark.ui


def test_the_kiosk_runs_without_recording_and_names_the_file(tmp_path):
    from kiosk.ui.recorder import Recorder

    store = tmp_path / "kiosk.sqlite3"
    store.write_text("[kiosk]\nid = \"versehentlich hierher kopiert\"\n", encoding="utf-8")
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    recorder = Recorder(store, "test-kiosk", "0")
    assert recorder.wait_opened(30)
    recorder.close()
    assert not recorder.available
    assert recorder.problem.startswith("StoreForeignFileError") and "not a store of this kiosk" in recorder.problem
    assert recorder.health() == {"problem": recorder.problem}
    assert [p.name for p in tmp_path.iterdir()] == ["kiosk.sqlite3"]
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before
