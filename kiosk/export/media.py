"""USB sticks the staff screen can export to: mounted, writable folders under /media and /run/media."""

from __future__ import annotations

import glob
import os
from pathlib import Path

# udisks2 mounts at /media/<user>/<label> (Debian) or /run/media/<user>/<label> (Fedora,
# Arch); usbmount and hand-written fstab entries use /media/<name>.
PATTERNS = ("/media/*", "/media/*/*", "/run/media/*/*")


def find_removable_media(patterns=PATTERNS) -> list[Path]:
    found = []
    for pattern in patterns:
        for name in sorted(glob.glob(pattern)):
            # Only mount points: an empty /media/usb0 folder without a stick would swallow the
            # export into the kiosk's own disk, where nobody looks for it.
            if os.path.ismount(name) and os.access(name, os.W_OK | os.X_OK):
                found.append(Path(name))
    return found
