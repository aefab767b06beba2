"""Schemathesis against our own OpenAPI document, signed in as each role in turn: whatever it
sends, no server error, and every answer (refusals included) is one the document declares, in
the declared shape.

A small demo city, two crews and live work orders, so ids can hit real rows. The Open311 API
has its own contract (the GeoReport v2 specification): tests/alerts/test_open311_contract.py.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from dispatch.models import User
from dispatch.roles import Role
from dispatch.services import user_create
from tests.dispatch.conftest import city  # noqa: F401 - fixtures
from tests.field_app_api.test_tablet_api import crews  # noqa: F401

# One user of each role; "ann" is a crew member of crew Alpha, "disp" a dispatcher (crews).
OTHER_ROLES = {
    "taker": Role.CALL_TAKER,
    "safe": Role.SAFETY_MANAGER,
    "super": Role.SUPERVISOR,
    "root": Role.ADMINISTRATOR,
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(params=["ann", "disp", *OTHER_ROLES])
def token(request: pytest.FixtureRequest, crews: dict[str, Any]) -> str:  # noqa: F811
    if request.param in OTHER_ROLES:
        user_create(
            username=request.param,
            password="pw",
            role=OTHER_ROLES[request.param],
            org_unit=crews["station"].parent,
        )
    user = User.objects.get(username=request.param)
    return Token.objects.get_or_create(user=user)[0].key


@pytest.fixture
def api_schema(token: str, settings: Any) -> Iterator[Any]:
    settings.ALLOWED_HOSTS = ["*"]
    # The WSGI app closes the database connection after each request, as in production; the
    # test's transaction lives on that connection, so keep it open (as Django's test client does).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(
            "/api/schema/?format=json", application, headers={"Authorization": f"Token {token}"}
        )
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_every_answer_is_declared_and_none_is_a_server_error(api_schema: Any, token: str) -> None:
    """Each operation in turn, with hypothesis drawing its cases from the schema."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=10,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def fuzz(case: Any) -> None:
            case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)

        fuzz()
