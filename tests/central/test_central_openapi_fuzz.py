"""Schemathesis against the running central's own OpenAPI: whatever a client sends, valid or
not, the answer is never a 5xx, and it is always JSON.

The cases are drawn from each operation's strategy (positive and negative) inside one
Hypothesis test per mode: schemathesis' lazy pytest loader does not run under pytest 9 here
('Function' object has no attribute '_nodeid').
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from central_server import running_central

EXAMPLES = {GenerationMode.POSITIVE: 300, GenerationMode.NEGATIVE: 300}


@pytest.mark.parametrize("mode", list(EXAMPLES))
def test_no_answer_is_a_server_error(tmp_path, mode):
    with running_central(tmp_path) as central:
        token = central.add_kiosk("kiosk-01")
        schema = schemathesis.openapi.from_url(central.url + "/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) == 4
        cases = st.one_of(*(operation.as_strategy(generation_mode=mode) for operation in operations))
        seen = set()

        @given(case=cases)
        @settings(max_examples=EXAMPLES[mode], deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def no_server_error(case):
            headers = {"Authorization": f"Bearer {token}"} if mode is GenerationMode.POSITIVE else None
            if headers and isinstance(case.body, dict) and "kiosk_id" in case.body:
                case.body["kiosk_id"] = "kiosk-01"  # past the token's check, into the records
            response = case.call(base_url=central.url, headers=headers, timeout=20)
            seen.add((case.method, case.path, response.status_code))
            case.validate_response(response, checks=[not_a_server_error])
            assert response.status_code < 500 and response.status_code != 400, response.text
            assert response.headers["content-type"][0].startswith("application/json"), response.text

        no_server_error()
        assert "Traceback" not in central.log()
    # The run reached the endpoints, not only the refusals at the door.
    assert {path for _, path, _ in seen} == {"/api/v1/records", "/api/v1/sync-state", "/api/v1/heartbeat",
                                              "/api/v1/ideas"}
