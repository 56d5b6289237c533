"""The central's web app: `create_app(settings)` gives the FastAPI app `serve` runs.

Every answer is JSON with the central's clock, errors included (answers.py): FastAPI's own
error shapes ({"detail": ...}) are replaced by ErrorAnswer, so a kiosk reads one shape for
every refusal. Nothing a client sends may end in a 5xx; a 500 here is a bug, logged as one.
"""

from __future__ import annotations

import contextlib
import logging
import threading

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from sync.protocol import MAX_BATCH_RECORDS, RECORDS_PATH

from . import __doc__ as central_doc
from .answers import Refusal, error_response
from .api import router
from .checker import Checker
from .config import Settings, proxy_list
from .db import CentralDb
from .errors import CentralDbError
from .gate import PushGate
from .phone.content import ContentUnavailable, PhoneContent
from .dashboard.exports import router as exports_router
from .dashboard.moderation import router as moderation_router
from .dashboard.pages import router as dashboard_router
from .dashboard.report import router as report_router
from .dashboard.results import router as results_router
from .docs_page import router as docs_router
from .phone.pages import router as phone_router

log = logging.getLogger("central")

STORE_RETRY_AFTER_S = 30
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}


def create_app(settings: Settings, db: CentralDb | None = None, *, checkers: int = 2) -> FastAPI:
    """The app over the database of `settings` (or `db`), opened when the app starts and
    closed when it stops; `checkers` processes check pushed batches (central/checker.py)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.db = db or CentralDb.open(settings.db)
        app.state.form_secret = app.state.db.secret("phone_forms")
        try:
            app.state.phone_content = PhoneContent.load(settings.content_root)
            threading.Thread(target=app.state.phone_content.warm_pictures, name="phone-pictures", daemon=True).start()
        except ContentUnavailable as error:
            log.warning("phone pages unavailable: %s", error)
            app.state.phone_content = None
        app.state.checker = Checker(checkers)
        app.state.checker.start()
        try:
            yield
        finally:
            app.state.checker.stop()
            if db is None:
                app.state.db.close()

    # /docs is served from the swagger-ui-py package's files, never from a CDN (redoc, which
    # would load from one, is off).
    app = FastAPI(title="StadtLABOR central", version="1", description=central_doc, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    app.include_router(docs_router)
    app.state.settings = settings
    app.include_router(router)
    app.include_router(phone_router)
    app.include_router(dashboard_router)
    app.include_router(exports_router)
    app.include_router(moderation_router)
    app.include_router(results_router)
    app.include_router(report_router)
    app.add_exception_handler(Refusal, _refusal)
    app.add_exception_handler(CentralDbError, _store_unavailable)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _bug)
    app.add_middleware(PushGate, max_concurrent_pushes=settings.max_concurrent_pushes,
                       retry_after_s=settings.retry_after_s)
    # Outermost: behind a reverse proxy in trusted_proxies, every part sees the visitor's address
    # (the rate limits) and the scheme the visitor used (https: the Secure cookies). serve turns
    # uvicorn's own proxy handling off, so this setting is the only one.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxy_list(settings.trusted_proxies))
    return app


async def _refusal(request: Request, refusal: Refusal):
    return refusal.response()


async def _invalid_request(request: Request, error: RequestValidationError):
    problems = error.errors()
    for problem in problems:
        if problem["type"] == "json_invalid":
            where = problem.get("ctx", {}).get("error", "")
            return error_response(422, "not_json", f"the body is not valid JSON ({where})".replace(" ()", ""))
    for problem in problems:
        if problem["type"] == "too_long" and tuple(problem["loc"]) == ("body", "records") \
                and request.url.path == RECORDS_PATH:
            return error_response(413, "too_many_records", f"records: a batch holds at most {MAX_BATCH_RECORDS} "
                                  "records; send the rest in the next batch")
    return error_response(422, "invalid", _words(problems))


def _words(problems: list[dict], limit: int = 5) -> str:
    """The errors as one line: `field.path: what is wrong; ...` (the body's own name left out)."""
    parts = []
    for problem in problems[:limit]:
        loc = [str(part) for part in problem["loc"]]
        if loc and loc[0] == "body":
            loc = loc[1:]
        parts.append(f"{'.'.join(loc) or 'the body'}: {problem['msg']}")
    more = len(problems) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


async def _http_error(request: Request, error: HTTPException):
    if error.status_code == 400 and request.method == "POST":
        # FastAPI's words for a body it cannot even decode (bytes that are not UTF-8).
        return error_response(422, "not_json", "the body is not valid JSON (is it UTF-8 text?)")
    code = _HTTP_CODES.get(error.status_code, f"http_{error.status_code}")
    return error_response(error.status_code, code, str(error.detail), getattr(error, "headers", None))


async def _store_unavailable(request: Request, error: CentralDbError):
    # The central's own trouble, not the client's: nothing was stored, the kiosk keeps its
    # records and tries again later.
    log.error("%s", error)
    return error_response(503, "store_unavailable", "the central cannot store anything just now (its database "
                          "cannot be written; its log says why); nothing was stored, try again later",
                          {"Retry-After": str(STORE_RETRY_AFTER_S)})


async def _bug(request: Request, error: Exception):
    log.exception("bug: %s %s failed", request.method, request.url.path)
    return error_response(500, "internal_error", "the central failed on this request (a bug; its log has the "
                          "details); the kiosk tries again later")
