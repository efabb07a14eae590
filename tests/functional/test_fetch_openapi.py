"""The fetch piece's OpenAPI document, fuzzed by schemathesis through testing.ini."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import load

APP = load("testing.ini")
# 502 and 504 are the piece's own answers for upstream failures, so not_a_server_error
# does not apply; a 500 (a bug) is checked by hand.
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]
fetch_schema = schemathesis.openapi.from_wsgi("/fetch/openapi.json", APP)


@pytest.mark.slow
@fetch_schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_schemathesis_fetch(case):
    response = case.call_and_validate(checks=CHECKS)
    assert response.status_code != 500, response.text
