"""The phone pages: an exhibit, the take-home list, the events, and taking part from the phone.

The pages are rendered on the event loop (`async def`): each is a few index lookups and a
template, well under a millisecond, and a thread per page costs more than it; what writes
(a vote waits for its fsync) or scales a picture goes to the threadpool.

Every page works without JavaScript and without a hand-off; a valid hand-off (`h=`, from the
kiosk's QR code) adds the visitor's take-home list and the forms to vote, rate and give an
idea, stored as records with source `phone`, one vote per poll per hand-off. A forged or
tampered hand-off is refused with a clear note, and the page shows as the public page.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from kiosk.core.clock import utc_now, utc_text
from kiosk.core.handoff import Handoff, HandoffError, handoff_key, read_handoff
from kiosk.core.privacy import looks_like_contact_data
from kiosk.core.records import RECORD_FIELDS, Flag, Kind, new_record_id
from kiosk.core.terms import FIXED_ANSWERS, LAYERS, STATUS_LABELS, PollType
from kiosk.core.visit import RATINGS, InvalidAnswer, poll_is_open, validate_answers
from sync.protocol import canonical_json

from .content import PhoneContent, body_html
from .pictures import phone_picture, phone_picture_size
from .security import CSRF_COOKIE, SECURITY_HEADERS, RateLimit, form_token, form_token_ok, new_cookie_value
from .words import say

router = APIRouter(prefix="/m", include_in_schema=False)
HERE = Path(__file__).parent
MAX_TEXT_CHARS = 600
# Votes, ratings and ideas: per hand-off (one visitor) and per address (a whole room may share one).
PER_HANDOFF = RateLimit("phone-handoff", 10, 600)
PER_ADDRESS = RateLimit("phone-address", 120, 60)
_PHONE_STORES = uuid.UUID("5d0c8f0e-4d53-4b8e-9d1f-5f4f2a9c7e10")

templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                        trim_blocks=True, lstrip_blocks=True)


def phone_store_id(kiosk_id: str) -> str:
    """The store a kiosk's phone records count in: one per kiosk, apart from the kiosk's own
    stores (the kiosk's sync never sees it)."""
    return str(uuid.uuid5(_PHONE_STORES, kiosk_id))


class Page:
    """What every page knows: the language, the hand-off (or why there is none), the content."""

    def __init__(self, request: Request, lang: str | None, h: str | None):
        self.request = request
        self.content: PhoneContent = request.app.state.phone_content
        if self.content is None:
            raise HTTPException(503, "the phone pages have no content: set [central] content_root to the kiosks' "
                                     "content folder (its log says what was wrong)")
        self.db = request.app.state.db
        self.token = h if isinstance(h, str) and h else None
        self.handoff: Handoff | None = None
        self.handoff_problem: str | None = None
        if self.token:
            try:
                self.handoff = read_handoff(self.token, self._key_for, self.content.catalog)
            except HandoffError as error:
                self.handoff_problem = "handoff_expired" if error.reason == "expired" else "handoff_invalid"
                self.token = None
        self.layer = lang if lang in LAYERS else (self.handoff.layer if self.handoff else LAYERS[0])
        self.cookie = request.cookies.get(CSRF_COOKIE) or ""
        self.new_cookie = None
        if not self.cookie or len(self.cookie) > 100:
            self.cookie = self.new_cookie = new_cookie_value()

    def _key_for(self, kiosk_id: str) -> bytes | None:
        digest = self.db.token_hash_of(kiosk_id)
        return None if digest is None else handoff_key(digest)

    def link(self, path: str, **extra) -> str:
        query = {"lang": self.layer, **({"h": self.token} if self.token else {}), **extra}
        return f"/m{path}?{urlencode(query)}"

    def lang_link(self, layer: str) -> str:
        query = {"lang": layer, **({"h": self.token} if self.token else {})}
        return f"{self.request.url.path}?{urlencode(query)}"

    def render(self, template: str, status: int = 200, **values) -> HTMLResponse:
        html = templates.get_template(template).render(
            page=self, say=lambda key, **v: say(key, self.layer, **v), layer=self.layer, layers=LAYERS,
            csrf=form_token(self.request.app.state.form_secret, self.cookie), **values)
        response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
        if self.new_cookie:
            response.set_cookie(CSRF_COOKIE, self.new_cookie, max_age=6 * 3600, path="/m", httponly=True,
                                samesite="strict", secure=self.request.url.scheme == "https")
        return response


def _exhibit_or_none(page: Page, exhibit_id: str):
    return page.content.content.exhibit(exhibit_id)


_STYLESHEET = (HERE / "static" / "phone.css").read_bytes()


@router.get("/static/phone.css")
async def stylesheet():
    return Response(_STYLESHEET, media_type="text/css", headers={"Cache-Control": "public, max-age=3600",
                                                                 **SECURITY_HEADERS})


@router.get("/media/{path:path}")
def picture(request: Request, path: str):  # plain def: the first call per picture scales it
    content: PhoneContent = request.app.state.phone_content
    known = {media.path for exhibit in content.content.exhibits for media in exhibit.media}
    if path not in known:  # only the content's own pictures, never any file under the root
        return Response(status_code=404)
    try:
        data = phone_picture(content.content.media_path(path))
    except OSError:
        return Response(status_code=404)
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=86400",
                                                            **SECURITY_HEADERS})


@router.get("/", response_class=HTMLResponse)
async def index(request: Request, lang: str | None = None, h: str | None = None):
    page = Page(request, lang, h)
    return page.render("index.html", exhibits=page.content.exhibits())


@router.get("/take-home", response_class=HTMLResponse)
async def take_home(request: Request, lang: str | None = None, h: str | None = None):
    page = Page(request, lang, h)
    marked = None
    if page.handoff is not None and page.handoff.marked is not None:
        marked = [e for e in (page.content.content.exhibit(i) for i in page.handoff.marked) if e is not None]
    return page.render("take_home.html", marked=marked)


@router.get("/events", response_class=HTMLResponse)
async def events(request: Request, lang: str | None = None, h: str | None = None):
    page = Page(request, lang, h)
    return page.render("events.html", events=page.content.content.upcoming_events(utc_now()))


@router.get("/{exhibit_id}", response_class=HTMLResponse)
async def exhibit_page(request: Request, exhibit_id: str, lang: str | None = None, h: str | None = None,
                 done: str | None = None):
    page = Page(request, lang, h)
    exhibit = _exhibit_or_none(page, exhibit_id)
    if exhibit is None:
        return page.render("message.html", status=404, message=say("not_found", page.layer))
    layer = page.layer
    missing = layer != "de" and not all(t.has(layer) for t in (exhibit.title, exhibit.summary, exhibit.body))
    voted = page.db.handoff_votes(page.handoff.handoff_id) if page.handoff else set()
    now = utc_now()
    polls = [(poll, _choices(poll, layer), (exhibit.id, poll.id) in voted) for poll in exhibit.polls
             if poll_is_open(poll, now)]
    return page.render(
        "exhibit.html", exhibit=exhibit, polls=polls, fallback=missing, done=done if done in _DONE else None,
        status_label=STATUS_LABELS[exhibit.status].get(layer),
        body=body_html(exhibit.body.get(layer), exhibit.body.keeps_lines(layer)), ratings=RATINGS,
        max_chars=MAX_TEXT_CHARS,
        picture_size=phone_picture_size(page.content.content.media_path(exhibit.media[0].path)) if exhibit.media
        else None)


_DONE = {"vote": "thanks_vote", "feedback": "thanks_feedback", "idea": "thanks_idea"}


def _choices(poll, layer: str) -> list[tuple[str, str]]:
    if poll.type is PollType.YESNO:
        return [("yes", say("yes", layer)), ("no", say("no", layer))]
    if poll.type is PollType.SMILEY:
        return [(a, say(f"smiley_{a}", layer)) for a in FIXED_ANSWERS[PollType.SMILEY]]
    if poll.type is PollType.SCALE:
        low = poll.scale_labels.low.get(layer) if poll.scale_labels else ""
        high = poll.scale_labels.high.get(layer) if poll.scale_labels else ""
        answers = FIXED_ANSWERS[PollType.SCALE]
        return [(a, f"{a} – {low}" if a == answers[0] and low else f"{a} – {high}" if a == answers[-1] and high
                 else a) for a in answers]
    return [(option.id, option.label.get(layer)) for option in poll.options]


# -- taking part ---------------------------------------------------------------------------------

MAX_FORM_BYTES = 16 * 1024


class FormTooLarge(Exception):
    pass


async def _form(request: Request) -> dict[str, list[str]]:
    """The form's fields, read up to MAX_FORM_BYTES (urlencoded, as the pages send it)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise FormTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormTooLarge
    values: dict[str, list[str]] = {}
    for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=50):
        values.setdefault(key, []).append(value)
    return values


def _first(values: dict, key: str) -> str | None:
    got = values.get(key)
    return got[0] if got else None


async def _checked(request: Request, exhibit_id: str):
    """The page and form of a POST that may go on, or the Response that refuses it."""
    try:
        values = await _form(request)
    except (FormTooLarge, ValueError):  # ValueError: more fields than any of the forms has
        page = Page(request, request.query_params.get("lang"), None)
        return page.render("message.html", status=413, message=say("input_problem", page.layer,
                           why=f"at most {MAX_FORM_BYTES // 1024} KB")), None, None, None
    page = Page(request, _first(values, "lang"), _first(values, "h"))
    exhibit = _exhibit_or_none(page, exhibit_id)
    if exhibit is None:
        return page.render("message.html", status=404, message=say("not_found", page.layer)), None, None, None
    if not form_token_ok(request.app.state.form_secret, request.cookies.get(CSRF_COOKIE), _first(values, "csrf")):
        return page.render("message.html", status=403, message=say("form_expired", page.layer),
                           back=page.link(f"/{exhibit.id}")), None, None, None
    address = request.client.host if request.client else "?"
    wait = await run_in_threadpool(_rate_wait, request.app.state.db, address, page.handoff)
    if wait:
        response = page.render("message.html", status=429, message=say("too_many", page.layer),
                               back=page.link(f"/{exhibit.id}"))
        response.headers["Retry-After"] = str(wait)
        return response, None, None, None
    if page.handoff is None:
        return page.render("message.html", status=403,
                           message=say(page.handoff_problem or "visitors_only", page.layer),
                           back=page.link(f"/{exhibit.id}")), None, None, None
    return None, page, exhibit, values


def _rate_wait(db, address: str, handoff) -> int:
    return PER_ADDRESS.hit(db, address) or (PER_HANDOFF.hit(db, handoff.handoff_id) if handoff else 0)


def _refused(page: Page, exhibit, why: str) -> HTMLResponse:
    return page.render("message.html", status=422, message=say("input_problem", page.layer, why=why),
                       back=page.link(f"/{exhibit.id}"))


def _row(page: Page, kind: Kind, exhibit, payload: dict, *, poll=None, flags=()) -> tuple:
    values = {
        "id": new_record_id(), "kiosk_id": page.handoff.kiosk_id, "store_id": phone_store_id(page.handoff.kiosk_id),
        "seq": 0, "boot_id": "phone", "session_id": page.handoff.handoff_id, "kind": kind.value,
        "exhibit_id": exhibit.id, "poll_id": poll.id if poll else None,
        "question_version": poll.question_version if poll else None, "content_version": page.content.version,
        "payload": canonical_json(payload), "flags": json.dumps([flag.value for flag in flags]),
        "created_at": utc_text(utc_now()),
    }
    return tuple(values[name] for name in RECORD_FIELDS)


def _done(page: Page, exhibit, what: str) -> RedirectResponse:
    return RedirectResponse(page.link(f"/{exhibit.id}", done=what) + f"#{what}", status_code=303,
                            headers=SECURITY_HEADERS)


@router.post("/{exhibit_id}/polls/{poll_id}")
async def vote(request: Request, exhibit_id: str, poll_id: str):
    refusal, page, exhibit, values = await _checked(request, exhibit_id)
    if refusal is not None:
        return refusal
    poll = exhibit.poll(poll_id)
    if poll is None or not poll_is_open(poll, utc_now()):
        return page.render("message.html", status=404, message=say("not_found", page.layer))
    try:
        answers = validate_answers(poll, values.get("answer", []))
    except InvalidAnswer as problem:
        return _refused(page, exhibit, str(problem))
    row = _row(page, Kind.VOTE, exhibit, {"answers": answers, "layer": page.layer}, poll=poll)
    stored = await run_in_threadpool(request.app.state.db.store_phone_record, row,
                                     vote_of=(page.handoff.handoff_id, exhibit.id, poll.id))
    if not stored:
        return page.render("message.html", status=409, message=say("already_voted", page.layer),
                           back=page.link(f"/{exhibit.id}"))
    return _done(page, exhibit, "vote")


@router.post("/{exhibit_id}/feedback")
async def feedback(request: Request, exhibit_id: str):
    refusal, page, exhibit, values = await _checked(request, exhibit_id)
    if refusal is not None:
        return refusal
    if not exhibit.feedback:
        return page.render("message.html", status=404, message=say("not_found", page.layer))
    rating = _first(values, "rating")
    if rating not in {str(r) for r in RATINGS}:
        return _refused(page, exhibit, "rating: choose 1 to 5")
    comment = (_first(values, "comment") or "").strip()
    if len(comment) > MAX_TEXT_CHARS:
        return _refused(page, exhibit, f"comment: at most {MAX_TEXT_CHARS} characters")
    flags = (Flag.CONTACT_DATA,) if comment and looks_like_contact_data(comment) else ()
    row = _row(page, Kind.FEEDBACK, exhibit, {"rating": int(rating), "comment": comment or None, "layer": page.layer},
               flags=flags)
    await run_in_threadpool(request.app.state.db.store_phone_record, row)
    return _done(page, exhibit, "feedback")


@router.post("/{exhibit_id}/idea")
async def idea(request: Request, exhibit_id: str):
    refusal, page, exhibit, values = await _checked(request, exhibit_id)
    if refusal is not None:
        return refusal
    if exhibit.idea is None:
        return page.render("message.html", status=404, message=say("not_found", page.layer))
    text = (_first(values, "text") or "").strip()
    if not text:
        return _refused(page, exhibit, "text: an idea needs some text")
    if len(text) > MAX_TEXT_CHARS:
        return _refused(page, exhibit, f"text: at most {MAX_TEXT_CHARS} characters")
    flags = (Flag.CONTACT_DATA,) if looks_like_contact_data(text) else ()
    row = _row(page, Kind.IDEA, exhibit, {"text": text, "layer": page.layer}, flags=flags)
    await run_in_threadpool(request.app.state.db.store_phone_record, row)
    return _done(page, exhibit, "idea")
