"""Ideas and feedback comments: the moderation queue and staff's answers (issue 12, point 3).

The queue (/staff/ideas) holds what visitors typed on kiosks and phones; pending texts flagged
for contact data come first, since personal data should not wait, then the oldest. Staff approve,
reject, or redact a text (their edit without the personal data overwrites it in the central's
records; CentralDb.redact says how the evidence is kept), and answer an idea with a status and a
text in up to three layers. Only approved ideas, with their answers, reach the kiosks' Ideenwand
(GET /api/v1/ideas); feedback comments are moderated only. Every action is a POST form with the
session's CSRF token, and is logged with who and when (the moderation log, shown on the idea's
page).
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from kiosk.core.clock import utc_now, utc_text
from sync.protocol import MAX_WALL_TEXT, UUID_PATTERN, IdeaStatus

from ..errors import NotFreeTextError, UnknownRecordError
from .pages import NO_STORE, _form, _local, _render, staff_of
from .sessions import csrf_for, csrf_ok

router = APIRouter(prefix="/staff", include_in_schema=False)

STATES = {"pending": "Offen", "approved": "Freigegeben", "rejected": "Abgelehnt"}
STATUS_WORDS = {IdeaStatus.RECEIVED.value: "eingegangen", IdeaStatus.REVIEWING.value: "in Prüfung",
                IdeaStatus.DONE.value: "umgesetzt", IdeaStatus.NOT_POSSIBLE.value: "nicht möglich"}
LAYERS = {"de": "Deutsch", "en": "English", "ls": "Leichte Sprache"}
ACTION_WORDS = {"approve": "Freigegeben", "reject": "Abgelehnt", "redact": "Geschwärzt",
                "answer": "Antwort gespeichert"}
QUEUE_LIMIT = 200
MAX_NOTE_CHARS = 500
# Three answers of MAX_WALL_TEXT characters, form-encoded (up to 9 bytes for a character
# outside ASCII), and the redaction's text beside them.
MAX_FORM_BYTES = 192 * 1024
_RECORD_ID = re.compile(UUID_PATTERN)


def _csrf(request: Request, staff) -> str:
    return csrf_for(request.app.state.form_secret, staff[2])


def _exhibit_titles(request: Request) -> dict[str, str]:
    content = request.app.state.phone_content
    return {} if content is None else {exhibit.id: exhibit.title.de for exhibit in content.exhibits()}


def _shown(item: dict, titles: dict[str, str]) -> dict:
    """An item as the pages show it: local times, the exhibit's title, German words."""
    return {**item, "created": _local(item["created_at"]), "decided": _local(item["decided_at"]),
            "answered": _local(item["answered_at"]), "exhibit": titles.get(item["exhibit_id"], item["exhibit_id"]),
            "layer_word": LAYERS.get(item["layer"], item["layer"] or "–"),
            "status_word": STATUS_WORDS.get(item["status"] or IdeaStatus.RECEIVED.value)}


@router.get("/ideas", response_class=HTMLResponse)
async def queue(request: Request, state: str = "pending", done: str | None = None):
    staff = staff_of(request)
    if staff is None:
        return RedirectResponse("/staff/login", status_code=303, headers=NO_STORE)
    if state not in STATES:
        state = "pending"
    db = request.app.state.db
    items, counts = await run_in_threadpool(lambda: (db.moderation_queue(state, QUEUE_LIMIT), db.moderation_counts()))
    titles = _exhibit_titles(request)
    return _render(request, "ideas.html", staff=staff, csrf=_csrf(request, staff), active="ideas", state=state,
                   states=STATES, counts=counts, items=[_shown(item, titles) for item in items], limit=QUEUE_LIMIT,
                   done=ACTION_WORDS.get(done))


@router.get("/ideas/{record_id}", response_class=HTMLResponse)
async def idea_page(request: Request, record_id: str, done: str | None = None):
    staff = staff_of(request)
    if staff is None:
        return RedirectResponse("/staff/login", status_code=303, headers=NO_STORE)
    return await _idea(request, staff, record_id, done=ACTION_WORDS.get(done))


async def _idea(request: Request, staff, record_id: str, status: int = 200, problem: str | None = None,
                values: dict | None = None, sent: str | None = None, done: str | None = None) -> HTMLResponse:
    """The idea's page; on a refused action with the problem and what staff had typed."""
    found = await _find(request, staff, record_id)
    if isinstance(found, Response):
        return found
    titles = _exhibit_titles(request)
    history = [{**entry, "when": _local(entry["at"]), "what": ACTION_WORDS[entry["action"]],
                "status_word": STATUS_WORDS.get(entry.get("status")),
                "layer_words": ", ".join(LAYERS[layer] for layer in entry.get("layers", ()))}
               for entry in found["history"]]
    return _render(request, "idea.html", status, staff=staff, csrf=_csrf(request, staff), active="ideas",
                   item=_shown(found, titles), history=history, states=STATES, statuses=STATUS_WORDS, layers=LAYERS,
                   problem=problem, values=values or {}, sent=sent, done=done, max_text=MAX_WALL_TEXT,
                   max_note=MAX_NOTE_CHARS)


async def _find(request: Request, staff, record_id: str) -> dict | HTMLResponse:
    """The free text, or the page that says why there is none."""
    if not _RECORD_ID.fullmatch(record_id):
        return _message(request, staff, 404, "Diesen Eintrag gibt es nicht.")
    try:
        return await run_in_threadpool(request.app.state.db.free_text, record_id)
    except UnknownRecordError:
        return _message(request, staff, 404, "Diesen Eintrag gibt es nicht.")
    except NotFreeTextError:
        return _message(request, staff, 422, "Dieser Datensatz ist keine Idee und kein Kommentar; nur Freitexte "
                        "werden moderiert.")


def _message(request: Request, staff, status: int, message: str) -> HTMLResponse:
    return _render(request, "message.html", status, staff=staff, csrf=_csrf(request, staff), active="ideas",
                   message=message)


@router.post("/ideas/{record_id}/{action}")
async def act(request: Request, record_id: str, action: str):
    staff = staff_of(request)
    if staff is None:
        return RedirectResponse("/staff/login", status_code=303, headers=NO_STORE)
    if action not in ACTION_WORDS:
        return _message(request, staff, 404, "Diese Aktion gibt es nicht.")
    form = await _form(request, MAX_FORM_BYTES)
    if form is None:
        return _message(request, staff, 413, "Das Formular ist zu groß.")
    if not csrf_ok(request.app.state.form_secret, staff[2], form.get("csrf")):
        return Response("Das Formular war abgelaufen; bitte die Seite neu laden.", status_code=403, headers=NO_STORE)
    found = await _find(request, staff, record_id)
    if isinstance(found, Response):
        return found
    problem, call = _ACTIONS[action](form, found, staff[0], utc_text(utc_now()))
    if problem:
        return await _idea(request, staff, record_id, 422, problem, form, action)
    try:
        await run_in_threadpool(call, request.app.state.db, record_id)
    except NotFreeTextError:
        return await _idea(request, staff, record_id, 422, "Nur Ideen bekommen eine Antwort; Kommentare werden "
                           "nur moderiert.", form, action)
    if form.get("back") == "queue":
        return RedirectResponse(f"/staff/ideas?state={found['state']}&done={action}", status_code=303,
                                headers=NO_STORE)
    return RedirectResponse(f"/staff/ideas/{record_id}?done={action}", status_code=303, headers=NO_STORE)


def _text(form: dict, name: str) -> str:
    """A field as typed, with the browser's line ends made one and the edges trimmed."""
    return form.get(name, "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _note_problem(note: str) -> str | None:
    return f"Die Notiz hat mehr als {MAX_NOTE_CHARS} Zeichen." if len(note) > MAX_NOTE_CHARS else None


def _decide(state: str):
    def checked(form: dict, found: dict, who: str, at: str):
        note = _text(form, "note")
        return _note_problem(note), lambda db, record_id: db.moderate(record_id, state, who, at, note or None)

    return checked


def _redact(form: dict, found: dict, who: str, at: str):
    text, note = _text(form, "text"), _text(form, "note")
    if not text:
        problem = "Bitte den Text ohne die personenbezogenen Daten eingeben (z. B. „[entfernt]“ an ihrer Stelle)."
    elif len(text) > MAX_WALL_TEXT:
        problem = f"Der geschwärzte Text hat mehr als {MAX_WALL_TEXT} Zeichen."
    elif text == found["text"]:
        problem = "Der Text ist unverändert: Bitte die personenbezogenen Daten aus dem Text entfernen."
    elif not note:
        problem = "Bitte in der Notiz sagen, was entfernt wurde und warum."
    else:
        problem = _note_problem(note)
    return problem, lambda db, record_id: db.redact(record_id, text, who, at, note)


def _answer(form: dict, found: dict, who: str, at: str):
    status = form.get("status", "")
    texts = {layer: _text(form, f"answer_{layer}") or None for layer in LAYERS}
    if found["kind"] != "idea":
        problem = "Nur Ideen bekommen eine Antwort; Kommentare werden nur moderiert."
    elif status not in STATUS_WORDS:
        problem = "Bitte einen Stand wählen."
    elif too_long := [LAYERS[layer] for layer, text in texts.items() if text and len(text) > MAX_WALL_TEXT]:
        problem = f"Die Antwort ({', '.join(too_long)}) hat mehr als {MAX_WALL_TEXT} Zeichen."
    else:
        problem = None
    return problem, lambda db, record_id: db.answer_idea(record_id, status, texts, who, at)


_ACTIONS = {"approve": _decide("approved"), "reject": _decide("rejected"), "redact": _redact, "answer": _answer}
