"""The dashboard's pages: login, logout, and the fleet (every kiosk's health at a glance).

A page without a valid staff session answers with a redirect to the login (a form POST with
403); a kiosk's Bearer token is not looked at here at all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from kiosk.core.clock import utc_now
from sync.protocol import parse_utc

from ..passwords import password_matches, waste_a_check
from ..phone.security import SECURITY_HEADERS, RateLimit
from .sessions import (LOCK_AFTER, LOCK_MINUTES, LOGIN_COOKIE, SESSION_COOKIE, SESSION_HOURS, csrf_for, csrf_ok,
                       digest, later_text, new_secret_value, now_text)

router = APIRouter(prefix="/staff", include_in_schema=False)
HERE = Path(__file__).parent
MAX_FORM_BYTES = 8 * 1024
LOGINS_PER_ADDRESS = RateLimit("login-address", 30, 60)
templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                        trim_blocks=True, lstrip_blocks=True)
_STYLESHEET = (HERE / "dashboard.css").read_bytes()
NO_STORE = {"Cache-Control": "no-store", **SECURITY_HEADERS}


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _render(request: Request, template: str, status: int = 200, **values) -> HTMLResponse:
    html = templates.get_template(template).render(request=request, **values)
    return HTMLResponse(html, status_code=status, headers=NO_STORE)


def filter_choices(request: Request) -> dict:
    """The polls ("EXHIBIT/POLL", "Exhibit: question") and kiosks a filter form offers (results, export)."""
    content = request.app.state.phone_content
    polls = []
    if content is not None:
        polls = [(f"{exhibit.id}/{poll.id}", f"{exhibit.title.de}: {poll.question.de}")
                 for exhibit in content.exhibits() for poll in exhibit.polls]
    kiosks = [kiosk["kiosk_id"] for kiosk in request.app.state.db.fleet()]
    return {"polls": polls, "kiosks": kiosks}


def staff_of(request: Request) -> tuple[str, bool, str] | None:
    """(user, admin, session value) of the request's staff session, or None."""
    value = request.cookies.get(SESSION_COOKIE)
    if not value or len(value) > 100:
        return None
    found = request.app.state.db.staff_session(digest(value), now_text())
    return None if found is None else (*found, value)


async def _form(request: Request, limit: int = MAX_FORM_BYTES) -> dict[str, str] | None:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=20))


@router.get("/static/dashboard.css")
async def stylesheet():
    return Response(_STYLESHEET, media_type="text/css", headers={"Cache-Control": "public, max-age=3600",
                                                                 **SECURITY_HEADERS})


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request):
    if staff_of(request):
        return RedirectResponse("/staff/", status_code=303, headers=NO_STORE)
    return _login_form(request)


def _login_form(request: Request, status: int = 200, problem: str | None = None, user: str = "") -> HTMLResponse:
    value = request.cookies.get(LOGIN_COOKIE)
    fresh = not value or len(value) > 100
    if fresh:
        value = new_secret_value()
    response = _render(request, "login.html", status, csrf=csrf_for(request.app.state.form_secret, value),
                       problem=problem, user=user)
    if fresh:
        response.set_cookie(LOGIN_COOKIE, value, max_age=3600, path="/staff", httponly=True, samesite="strict",
                            secure=_secure(request))
    return response


@router.post("/login")
async def login(request: Request):
    form = await _form(request)
    if form is None:
        return _login_form(request, 413, "Das Formular ist zu groß.")
    if not csrf_ok(request.app.state.form_secret, request.cookies.get(LOGIN_COOKIE), form.get("csrf")):
        return _login_form(request, 403, "Das Formular war abgelaufen. Bitte erneut anmelden.")
    address = request.client.host if request.client else "?"
    if wait := await run_in_threadpool(LOGINS_PER_ADDRESS.hit, request.app.state.db, address):
        response = _login_form(request, 429, "Zu viele Versuche von hier. Bitte eine Minute warten.")
        response.headers["Retry-After"] = str(wait)
        return response
    user, password = form.get("user", "").strip().lower()[:64], form.get("password", "")[:1024]
    db = request.app.state.db
    state = db.staff_login_state(user) if user else None
    if state is None:
        await run_in_threadpool(waste_a_check, password)
        return _login_form(request, 401, "Benutzername oder Passwort falsch.", user)
    password_hash, _admin, _failed, locked_until = state
    if locked_until and parse_utc(locked_until) > utc_now():
        await run_in_threadpool(waste_a_check, password)
        until = _local(locked_until)[-5:]
        return _login_form(request, 423, f"Zu viele Fehlversuche: Dieses Konto ist bis {until} Uhr gesperrt. "
                           "Eine Administratorin kann ein neues Passwort setzen (kiosk-central add-staff --replace).",
                           user)
    if not await run_in_threadpool(password_matches, password, password_hash):
        await run_in_threadpool(db.record_failed_login, user, LOCK_AFTER, later_text(minutes=LOCK_MINUTES))
        return _login_form(request, 401, "Benutzername oder Passwort falsch.", user)
    value = new_secret_value()
    await run_in_threadpool(db.start_staff_session, user, digest(value), now_text(), later_text(hours=SESSION_HOURS))
    response = RedirectResponse("/staff/", status_code=303, headers=NO_STORE)
    response.set_cookie(SESSION_COOKIE, value, max_age=SESSION_HOURS * 3600, path="/staff", httponly=True,
                        samesite="strict", secure=_secure(request))
    response.delete_cookie(LOGIN_COOKIE, path="/staff")
    return response


@router.post("/logout")
async def logout(request: Request):
    form = await _form(request) or {}
    staff = staff_of(request)
    if staff is None:
        return RedirectResponse("/staff/login", status_code=303, headers=NO_STORE)
    if not csrf_ok(request.app.state.form_secret, staff[2], form.get("csrf")):
        return Response("Das Formular war abgelaufen; bitte zurück und erneut abmelden.", status_code=403, headers=NO_STORE)
    await run_in_threadpool(request.app.state.db.end_staff_session, digest(staff[2]))
    response = RedirectResponse("/staff/login", status_code=303, headers=NO_STORE)
    response.delete_cookie(SESSION_COOKIE, path="/staff")
    return response


@router.get("/", response_class=HTMLResponse)
async def fleet(request: Request):
    staff = staff_of(request)
    if staff is None:
        return RedirectResponse("/staff/login", status_code=303, headers=NO_STORE)
    interval = request.app.state.settings.heartbeat_interval_s
    now = utc_now()
    kiosks = [_kiosk_line(kiosk, now, interval) for kiosk in request.app.state.db.fleet()]
    return _render(request, "fleet.html", staff=staff, csrf=csrf_for(request.app.state.form_secret, staff[2]),
                   kiosks=kiosks, stale_after_s=3 * interval, stale=sum(1 for k in kiosks if k["stale"]))


def _kiosk_line(kiosk: dict, now: dt.datetime, interval_s: int) -> dict:
    beat = kiosk["heartbeat"] or {}
    seen = parse_utc(kiosk["received_at"]) if kiosk["received_at"] else None
    age_s = (now - seen).total_seconds() if seen else None
    return {
        **kiosk, "beat": beat, "age": _ago(age_s), "stale": not kiosk["revoked_at"] and (age_s is None or
                                                                                         age_s > 3 * interval_s),
        "skew": _skew(kiosk["clock_skew_s"]),
        "touch": _local(beat.get("last_visitor_touch")),
    }


def _skew(seconds: float | None) -> str | None:
    """The kiosk clock's lead (+) or lag (-) on the central's, in whole seconds."""
    if seconds is None:
        return None
    whole = round(seconds)
    return "0 s" if whole == 0 else f"{whole:+d} s"


def _ago(seconds: float | None) -> str:
    if seconds is None:
        return "nie"
    if seconds < 90:
        return f"vor {seconds:.0f} s"
    if seconds < 90 * 60:
        return f"vor {seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"vor {seconds / 3600:.0f} h"
    return f"vor {seconds / 86400:.0f} Tagen"


def _local(text: str | None) -> str:
    if not text:
        return "–"
    from kiosk.core.clock import local_zone

    return parse_utc(text).astimezone(local_zone()).strftime("%d.%m.%Y %H:%M")
