"""The sync API a kiosk talks to (sync/protocol.py is the wire; this is the central's side).

Endpoints are plain `def`: FastAPI runs them, and the token lookup, in its threadpool, so
SQLite never blocks the event loop. A batch's body is read by the gate (gate.py) and checked
by the checking process (checker.py) while the threadpool's other pushes are being stored.
"""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from kiosk.core.clock import utc_now, utc_text
from sync.protocol import (
    HEARTBEAT_PATH,
    IDEAS_PATH,
    MAX_WALL_IDEAS,
    MAX_WALL_TEXT,
    PROTOCOL_VERSION,
    RECORDS_PATH,
    SYNC_STATE_PATH,
    Batch,
    BatchAnswer,
    ErrorAnswer,
    Heartbeat,
    HeartbeatAnswer,
    IdeasAnswer,
    StoreProgress,
    SyncState,
    WallIdea,
    parse_utc,
)

from .answers import JSON, Refusal, json_response
from .db import CentralDb
from .gate import BODY_KEY
from .tokens import token_hash

log = logging.getLogger("central")
router = APIRouter()
_encode = json.JSONEncoder(separators=(",", ":")).encode
bearer = HTTPBearer(auto_error=False, description="The kiosk's token from `kiosk-central add-kiosk`.")

_ERRORS = {status: {"model": ErrorAnswer, "description": words} for status, words in (
    (401, "No token, or one the central does not know"),
    (403, "The token was revoked, or the body names another kiosk"),
    (413, "The body is over 2 MiB, or the batch has over 1000 records"),
    (415, "The body is not sent as application/json"),
    (422, "The body is not JSON, or not the envelope (the message names the field)"),
    (429, "Too many pushes at once; try again after Retry-After seconds"),
)}


def _db(request: Request) -> CentralDb:
    return request.app.state.db


def token_kiosk(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> str:
    """The kiosk the request's Bearer token belongs to, or a 401/403 Refusal."""
    if credentials is None:
        raise Refusal(401, "no_token", "send the kiosk's token as 'Authorization: Bearer <token>' (kiosk-central "
                      "add-kiosk KIOSK_ID makes one; it goes into [sync] token of the kiosk's config)",
                      {"WWW-Authenticate": "Bearer"})
    owner = _db(request).token_owner(token_hash(credentials.credentials))
    if owner is None:
        raise Refusal(401, "unknown_token", "the central does not know this token; check [sync] token in the "
                      "kiosk's config (kiosk-central add-kiosk --rotate KIOSK_ID makes a new one)",
                      {"WWW-Authenticate": "Bearer"})
    if owner.revoked:
        raise Refusal(403, "revoked", f"the token of kiosk '{owner.kiosk_id}' was revoked; the kiosk stops "
                      "pushing until staff give it a new one (kiosk-central add-kiosk --rotate)")
    return owner.kiosk_id


def _same_kiosk(named: str, kiosk_id: str) -> None:
    if named != kiosk_id:
        raise Refusal(403, "wrong_kiosk", f"kiosk_id: '{named}' is not the kiosk this token belongs to "
                      f"('{kiosk_id}'); check [kiosk] id and [sync] token in the kiosk's config")


# FastAPI would parse a declared body on the event loop, and then the records would be checked
# again; the body's schema is declared for the OpenAPI only.
_BATCH_BODY = {"requestBody": {"required": True, "content": {JSON: {"schema": Batch.model_json_schema()}}}}


@router.post(RECORDS_PATH, response_model=BatchAnswer, responses=_ERRORS, openapi_extra=_BATCH_BODY,
             summary="Push a batch of records; each is accepted, a duplicate, or rejected alone")
def push_records(request: Request, kiosk_id: str = Depends(token_kiosk)):
    checked = request.app.state.checker.check(request.scope[BODY_KEY], kiosk_id)
    if checked.problems is not None:
        raise RequestValidationError([{**problem, "loc": ("body", *problem["loc"])} for problem in checked.problems])
    _same_kiosk(checked.named_kiosk, kiosk_id)
    items = checked.items
    received_at = utc_text(utc_now())
    results, progress = _db(request).store_batch(kiosk_id, items, received_at)
    # Encoded straight from the results (json's C encoder; Outcome and RejectCode are str enums
    # and encode as their values): the shape is BatchAnswer's by construction, and building
    # a thousand RecordResult models would cost a tenth of the push. The tests read every
    # answer back as a BatchAnswer.
    answer = _encode({
        "protocol": PROTOCOL_VERSION,
        "server_time": utc_text(utc_now()),
        "results": [{"id": r.id, "outcome": r.outcome, "code": r.code, "message": r.message} for r in results],
        "stores": [vars(p) for p in progress],
    })
    return Response(answer, media_type=JSON)


@router.get(SYNC_STATE_PATH, response_model=SyncState, responses=_ERRORS,
            summary="How far the central has each store of the token's kiosk")
def sync_state(request: Request, kiosk_id: str = Depends(token_kiosk)):
    stores = [StoreProgress(store_id=p.store_id, contiguous_seq=p.contiguous_seq, count=p.count)
              for p in _db(request).progress(kiosk_id)]
    return json_response(SyncState(server_time=utc_text(utc_now()), kiosk_id=kiosk_id, stores=stores))


@router.post(HEARTBEAT_PATH, response_model=HeartbeatAnswer, responses=_ERRORS,
             summary="Report the kiosk's health; the latest is kept per kiosk")
def heartbeat(beat: Heartbeat, request: Request, kiosk_id: str = Depends(token_kiosk)):
    _same_kiosk(beat.kiosk_id, kiosk_id)
    now = utc_now()
    # Positive: the kiosk's clock is ahead of the central's.
    try:
        skew_s = (parse_utc(beat.kiosk_time) - now).total_seconds()
    except ValueError:  # the pattern lets through a month 13 or a year 0
        raise Refusal(422, "invalid", f"kiosk_time: '{beat.kiosk_time}' is no real moment") from None
    _db(request).record_heartbeat(kiosk_id, utc_text(now), beat.kiosk_time, skew_s, beat.model_dump(mode="json"))
    return json_response(HeartbeatAnswer(server_time=utc_text(utc_now()), kiosk_id=kiosk_id))


_TOKEN_ERRORS = {status: _ERRORS[status] for status in (401, 403)}
_LAYERS = ("de", "en", "ls")


@router.get(IDEAS_PATH, response_model=IdeasAnswer, responses=_TOKEN_ERRORS,
            summary="The ideas staff approved, with their answers, for the kiosk's Ideenwand")
def ideas(request: Request, kiosk_id: str = Depends(token_kiosk)):
    """Every kiosk gets the same wall (the ideas of all kiosks and phones): newest change
    first, at most MAX_WALL_IDEAS; an approved idea without an answer has status received."""
    wall = [idea for idea in map(_wall_idea, _db(request).wall_ideas(MAX_WALL_IDEAS)) if idea is not None]
    return json_response(IdeasAnswer(server_time=utc_text(utc_now()), ideas=wall))


def _wall_idea(idea: dict) -> WallIdea | None:
    """The idea as the wire carries it; None (and a line in the log) for one whose stored values
    do not fit the wire: one kiosk's odd record must not take the wall from every kiosk."""
    answer = idea["answer"] and {layer: _cut(idea["answer"][layer]) for layer in _LAYERS}
    try:
        return WallIdea(id=idea["id"], text=_cut(idea["text"]),
                        layer=idea["layer"] if idea["layer"] in _LAYERS else "de", exhibit_id=idea["exhibit_id"],
                        created_at=idea["created_at"], status=idea["status"], answer=answer,
                        answered_at=idea["answered_at"])
    except ValidationError as error:
        log.warning("idea %s left off the Ideenwand: %s", idea["id"], error)
        return None


def _cut(text: str | None) -> str | None:
    """At most MAX_WALL_TEXT characters (the wall's limit; staff's answers are held to it, an
    idea from an older kiosk might not be)."""
    return text if text is None or len(text) <= MAX_WALL_TEXT else text[:MAX_WALL_TEXT - 1] + "…"
