"""The auth mount's OpenAPI document, fuzzed by schemathesis through production.ini as an admin."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.auth_fixtures import basic, find_service
from tests.conftest import load
from tests.functional.test_openapi import CHECKS

APP = load("production.ini")
ADMIN = {"Authorization": basic("fuzz-admin", "fuzz password")}
_FUZZ = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
auth_schema = schemathesis.openapi.from_wsgi("/auth/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def admin_user():
    service = find_service(APP)
    if not any(u["name"] == "fuzz-admin" for u in service.store.users()):
        service.admin.add_user("fuzz-admin", "fuzz password")
        service.admin.grant("fuzz-admin", "admin")


@pytest.mark.slow
@auth_schema.parametrize()
@_FUZZ
def test_schemathesis_auth(case):
    case.call_and_validate(checks=CHECKS, headers=ADMIN)
