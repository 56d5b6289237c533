"""Making what was written survive a power cut; never writing over a file that must be kept."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterable

from .bounded_files import kind_of
from .errors import ProtectedFileError

# SQLite's files beside a store: writing over any of them damages the store as surely as
# writing over the store itself.
STORE_SIDE_FILES = ("-wal", "-shm", "-journal")
CONTENT_FOLDERS = ("exhibits", "media")
CONTENT_FILES = ("events.toml", "themes.toml")
KIOSK_STORE = "the kiosk's store"


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's entries (after a rename), to the disk; raises OSError."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Protected:
    """The files a command must never write over: the store (and its SQLite side files), the
    config, and the content (exhibits/, media/, events.toml, themes.toml of a content root).

    Compared by identity as well as by resolved path, so a symlink, a hard link or
    `./x/../store.sqlite` names the same file and is refused all the same.

    `store_label` and `config_label` say in a refusal what the files are to whoever runs the
    command: the central protects its database and its settings with the same checks.
    """

    def __init__(self, *, stores: Iterable[Path] = (), configs: Iterable[Path] = (),
                 content_roots: Iterable[Path] = (), store_label: str = KIOSK_STORE,
                 config_label: str = "the kiosk's config"):
        self._files: list[tuple[Path, str]] = []
        for store in stores:
            store = Path(store)
            self._files.append((store, store_label))
            self._files += [(Path(f"{store}{suffix}"), f"the store's SQLite file {store.name}{suffix}"
                             if store_label == KIOSK_STORE else f"the {suffix} file of {store_label}")
                            for suffix in STORE_SIDE_FILES]
        self._files += [(Path(config), config_label) for config in configs]
        # The content is what a content root holds (docs/content.md), not every file under it: the
        # shipped layout keeps config.toml and var/ for the store in the content root too.
        self._roots = []
        for root in content_roots:
            self._roots += [Path(root) / folder for folder in CONTENT_FOLDERS]
            self._files += [(Path(root) / name, "a content file") for name in CONTENT_FILES]

    def with_store(self, store: Path) -> "Protected":
        also = Protected(stores=[store])
        joined = Protected()
        joined._files, joined._roots = self._files + also._files, list(self._roots)
        return joined

    def why(self, path: Path) -> str | None:
        """What `path` is, when it is protected; None when a command may write it."""
        resolved = Path(os.path.realpath(path))
        identity = _identity(path)
        for protected, what in self._files:
            if Path(os.path.realpath(protected)) == resolved or (
                    identity is not None and identity == _identity(protected)):
                return f"{what} ({protected})"
        for root in self._roots:
            real_root = Path(os.path.realpath(root))
            if resolved == real_root or real_root in resolved.parents:
                return f"inside the content folder {root}"
        return None


def check_writable_target(path: Path, protected: Protected, argument: str, example: str = "~/export.csv") -> Path:
    """`path` as a command may write (or replace, or append to) it: the file a symlink points
    to, never a protected file and never anything but a regular file. Raises ProtectedFileError."""
    path = Path(path)
    why = protected.why(path)
    if why is not None:
        raise ProtectedFileError(f"{argument}: {path} is {why}; a command never writes over it. "
                                 f"Name a new file in another folder, e.g. {example}")
    try:
        mode = os.stat(path).st_mode  # follows a symlink: what would be written is its target
    except FileNotFoundError:
        if os.path.islink(path):
            raise ProtectedFileError(f"{argument}: {path} is a symlink to {os.readlink(path)}, which does not "
                                     "exist; name a plain file instead") from None
        return path
    except OSError as error:
        raise ProtectedFileError(f"{argument}: cannot look at {path} ({error.strerror}); name another "
                                 "file") from None
    if not stat.S_ISREG(mode):
        raise ProtectedFileError(f"{argument}: {path} is {kind_of(mode)}, not a regular file; nothing was "
                                 f"written. Name a file, e.g. {example}")
    return Path(os.path.realpath(path))


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino
