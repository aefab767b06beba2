"""Schemathesis against our own OpenAPI schema: whatever it sends, no server error.

Every operation is fuzzed as a crew member (the tablet API's user) and as a dispatcher (the
console's), with a small demo city, two crews and live work orders, so ids can hit real rows.
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
from schemathesis.checks import not_a_server_error

from config.wsgi import application
from dispatch.models import User
from tests.dispatch.conftest import city  # noqa: F401 - fixtures
from tests.field_app_api.test_tablet_api import crews  # noqa: F401


@pytest.fixture(params=["ann", "disp"])
def token(request: pytest.FixtureRequest, crews: dict[str, Any]) -> str:  # noqa: F811
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


def test_no_request_makes_a_server_error(api_schema: Any, token: str) -> None:
    """Each operation in turn, with hypothesis drawing its cases from the schema."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=15,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def fuzz(case: Any) -> None:
            case.call_and_validate(
                headers={"Authorization": f"Token {token}"}, checks=[not_a_server_error]
            )

        fuzz()
