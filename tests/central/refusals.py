"""Checking a refusal: the status, and an ErrorAnswer with the central's clock."""

from __future__ import annotations

from sync.protocol import ErrorAnswer


def assert_refused(response, status: int, code: str | None = None, words: str | None = None) -> ErrorAnswer:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    answer = ErrorAnswer.model_validate_json(response.content)  # server_time included, or this fails
    if code is not None:
        assert answer.error.code == code, answer
    if words is not None:
        assert words in answer.error.message, answer
    return answer
