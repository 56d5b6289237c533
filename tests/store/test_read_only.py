"""A store the kiosk user cannot write: a clear StoreNotWritableError at start, naming the path.

As root, permissions do not apply; the store is opened in a forked child that dropped to
nobody (65534), in a folder under /tmp that nobody can enter but not write.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from kiosk.store import Store, StoreNotWritableError

from .helpers import vote

NOBODY = 65534


def open_as_kiosk_user(path: Path) -> tuple[str, str]:
    """(exception class name, message) of Store.open(path), run as an unprivileged user."""
    if os.geteuid() != 0:
        try:
            Store.open(path, "k1").close()
        except Exception as error:  # noqa: BLE001 - the test compares the class
            return type(error).__name__, str(error)
        return "", ""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop privileges, try, report through the pipe, never return into pytest
        outcome = "unexpected exit"
        try:
            os.close(read_end)
            os.setegid(NOBODY)
            os.seteuid(NOBODY)
            try:
                Store.open(path, "k1").close()
                outcome = "\n"
            except Exception as error:  # noqa: BLE001 - reported to the parent
                outcome = f"{type(error).__name__}\n{error}"
        finally:
            os.write(write_end, outcome.encode())
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read().decode()
    os.waitpid(pid, 0)
    name, _, message = data.partition("\n")
    return name, message


@pytest.fixture
def shared_folder():
    folder = Path(tempfile.mkdtemp(prefix="kiosk-ro-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    for path in (folder, *folder.rglob("*")):
        path.chmod(0o755)
    shutil.rmtree(folder)


def test_read_only_folder_gives_a_clear_error(shared_folder):
    folder = shared_folder / "store"
    folder.mkdir()
    folder.chmod(0o555)
    name, message = open_as_kiosk_user(folder / "kiosk.db")
    assert name == "StoreNotWritableError", message
    assert str(folder) in message and "not writable" in message and "[store] path" in message
    assert not (folder / "kiosk.db").exists()


def test_read_only_existing_store_gives_a_clear_error(shared_folder):
    folder = shared_folder / "store"
    with Store.open(folder / "kiosk.db", "k1") as store:
        store.append(vote())
    (folder / "kiosk.db").chmod(0o444)
    folder.chmod(0o555)
    name, message = open_as_kiosk_user(folder / "kiosk.db")
    assert name == "StoreNotWritableError", message
    assert str(folder) in message and "[store] path" in message
    folder.chmod(0o755)
    (folder / "kiosk.db").chmod(0o644)
    with Store.open(folder / "kiosk.db", "k1") as store:  # untouched by the failed start
        assert store.count() == 1


def test_folder_that_cannot_be_created_gives_a_clear_error(shared_folder):
    shared_folder.chmod(0o555)
    name, message = open_as_kiosk_user(shared_folder / "kiosk" / "kiosk.db")
    assert name == "StoreNotWritableError", message
    assert "cannot create the store folder" in message and str(shared_folder / "kiosk") in message


def test_a_folder_as_store_path_is_named(tmp_path):
    with pytest.raises(StoreNotWritableError, match="is a folder"):
        Store.open(tmp_path, "k1")
