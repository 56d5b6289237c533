"""`kiosk-central serve --workers N`: N uvicorn worker processes behind one port, sharing the
central's PostgreSQL (issue 13).

uvicorn's own supervisor starts the workers, restarts one that dies (a kill -9 included) and
stops them all on SIGTERM or Ctrl+C. Each worker builds the app from the settings file named in
its environment (`app_from_environment`), opens its own connection pool and starts one checking
process (central/checker.py) instead of two: the workers themselves already spread the pushes
over the cores. The database's migrations run once, in `serve`, before any worker starts.

Exactly-once across workers rests on the database alone (unique constraints, ON CONFLICT DO
NOTHING, row locks inside each transaction), never on a lock in Python. What the workers share
besides: the phone pages' and logins' rate limits (in the database, m007_rate_windows) and the
push gate's `max_concurrent_pushes` places (slot files in a folder of this run, locked with
flock: central/push_slots.py), so N workers admit what one would. Each worker reads the content
at its start.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .config import load_settings
from .push_slots import SLOTS_ENV, slot_folder

CONFIG_ENV = "STADTLABOR_CENTRAL_CONFIG"
CHECKERS_PER_WORKER = 1


def app_from_environment():
    """The app of one worker (uvicorn calls it in each worker process: factory=True)."""
    import gc

    from .app import create_app

    settings = load_settings(Path(os.environ[CONFIG_ENV]), must_exist=True)
    app = create_app(settings, checkers=CHECKERS_PER_WORKER)
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    return app


def serve_workers(config_path: Path, host: str, port: int, workers: int) -> None:
    """Run `workers` worker processes until SIGTERM or Ctrl+C (uvicorn's supervisor)."""
    import uvicorn

    os.environ[CONFIG_ENV] = str(Path(config_path).resolve())
    slots = slot_folder()
    os.environ[SLOTS_ENV] = str(slots)
    try:
        # proxy_headers off: [central] trusted_proxies (the app's own middleware) is the only
        # source the app believes X-Forwarded-* from, as with one worker.
        uvicorn.run("central.workers:app_from_environment", factory=True, host=host, port=port, workers=workers,
                    log_level="info", access_log=False, timeout_graceful_shutdown=10, proxy_headers=False)
    finally:
        shutil.rmtree(slots, ignore_errors=True)
