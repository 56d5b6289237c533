"""The central's answers as HTTP responses: JSON, each carrying the central's clock.

Answers are serialised by pydantic straight to bytes and returned as they are, rather than
through FastAPI's response_model: a 1000-record batch answer would otherwise be validated and
encoded twice.
"""

from __future__ import annotations

from fastapi.responses import Response
from pydantic import BaseModel

from kiosk.core.clock import utc_now, utc_text
from sync.protocol import ErrorAnswer, ErrorDetail

JSON = "application/json"


def server_time() -> str:
    return utc_text(utc_now())


def json_response(model: BaseModel, status: int = 200, headers: dict | None = None) -> Response:
    return Response(model.model_dump_json(), status_code=status, media_type=JSON, headers=headers)


def error_response(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    answer = ErrorAnswer(server_time=server_time(), error=ErrorDetail(code=code, message=message))
    return json_response(answer, status, headers)


class Refusal(Exception):
    """A request the central refuses: the status, a code a program can test, words a person
    can act on. Raised anywhere in a request; answered as an ErrorAnswer."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers

    def response(self) -> Response:
        return error_response(self.status, self.code, self.message, self.headers)
