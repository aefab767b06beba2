"""Schemathesis against our own OpenAPI document, signed in as each role in turn: whatever it
sends, no server error, and every answer (refusals included) is one the document declares, in
the declared shape. The document is the closed one (tests/test_api_schema.py): an answer with a
key its serializer does not declare fails, a list where an object is declared too.

A small demo city, two crews and live work orders. Generated ids are mostly noise (a 404 must
still be in the document's shape); to reach the successes too, each case may have its ids,
search, box and point swapped for real ones (`_realistic`), so a detail, a list or a
write answers with its full body. tests/test_api_answers.py walks every success on purpose.
The Open311 API has its own contract (the GeoReport v2 specification):
tests/alerts/test_open311_contract.py.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from alerts.models import CallBack
from config.wsgi import application
from desk.api import ACTIONS
from desk.knowledge.models import Article
from desk.services.cases import case_open, case_reply
from dispatch.models import Call, User, WorkOrder
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_receive
from gis.models import Premise
from tests.dispatch.conftest import city  # noqa: F401 - fixtures
from tests.field_app_api.test_tablet_api import crews  # noqa: F401
from tests.test_api_schema import document_closed, successes

# "ann" is a crew member of crew Alpha, "disp" a dispatcher (crews); with a call taker and an
# administrator they span the answers the API gives: a tablet's, the control room's, the
# desk's and everything. Each role's refusals are walked endpoint by endpoint in
# tests/dispatch/test_access_rules.py, so supervisors and safety managers are not fuzzed again
# here (the suite's 20-minute budget).
OTHER_ROLES = {
    "taker": Role.CALL_TAKER,
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
        served = schemathesis.openapi.from_wsgi(
            "/api/schema/?format=json", application, headers={"Authorization": f"Token {token}"}
        )
        schema = schemathesis.openapi.from_dict(document_closed(served.raw_schema))
        schema.config.update(base_url="http://localhost")
        schema.app = application
        yield schema
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def real(crews: dict[str, Any]) -> dict[str, list[Any]]:  # noqa: F811
    """Values that name real rows and places, for `_realistic`."""
    jobs = [*crews["alpha_jobs"], *crews["bravo_jobs"]]
    premise = Premise.objects.exclude(room="").order_by("asset_id").first()
    assert premise is not None
    west, south, east, north = premise.geom.buffer(0.01).extent
    # A desk case replied to (so a call-back is owed) and one just opened, for the desk's paths.
    asked = [
        call_receive(
            data=CallInput(category=c, caller_phone="13800000009", premise_id=premise.pk),
            taker=crews["dispatcher"],
        )
        for c in ("complaint", "account_close")
    ]
    replied, opened = (case_open(call_id=c.pk, actor=crews["dispatcher"]) for c in asked)
    case_reply(case_id=replied.pk, actor=crews["dispatcher"], text="done")
    return {
        "reference": [replied.reference, opened.reference],
        "action": list(ACTIONS),
        "callback": list(CallBack.objects.values_list("pk", flat=True)),
        "article": list(Article.objects.order_by("pk").values_list("pk", flat=True)[:3]),
        "premise": [premise.pk],
        "incident": [w.incident_id for w in jobs],
        "work_order": [w.pk for w in WorkOrder.objects.order_by("pk")],
        "call": list(Call.objects.order_by("pk").values_list("pk", flat=True)),
        "crew": [crews["alpha"].pk, crews["bravo"].pk],
        "q": [premise.full_text],
        "bbox": [f"{west},{south},{east},{north}"],
        "lon": [premise.geom.x],
        "lat": [premise.geom.y],
    }


def _realistic(case: Any, real: dict[str, list[Any]]) -> None:
    """Every value that can name a real row or place swapped for one (which one, by the
    generated value, so hypothesis still varies it)."""
    swaps = {
        ("path_parameters", "incident_id"): real["incident"],
        ("path_parameters", "work_order_id"): real["work_order"],
        ("path_parameters", "call_id"): real["call"],
        ("query", "q"): real["q"],
        ("query", "bbox"): real["bbox"],
        ("query", "lon"): real["lon"],
        ("query", "lat"): real["lat"],
        ("body", "incident_id"): real["incident"],
        ("body", "into_id"): real["incident"],
        ("body", "crew_id"): real["crew"],
        ("path_parameters", "reference"): real["reference"],
        ("path_parameters", "action"): real["action"],
        ("path_parameters", "callback_id"): real["callback"],
        ("path_parameters", "article_id"): real["article"],
        ("query", "premise"): real["premise"],
    }
    for (where, name), values in swaps.items():
        container = getattr(case, where)
        if isinstance(container, dict) and name in container:
            container[name] = values[len(str(container[name])) % len(values)]


def test_every_answer_is_declared_and_none_is_a_server_error(
    api_schema: Any, token: str, real: dict[str, list[Any]]
) -> None:
    """Each operation in turn, with hypothesis drawing its cases from the schema."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    documented = {name for name, _status, _response in successes(api_schema.raw_schema)}
    assert {operation.label for operation in operations} == documented
    for operation in operations:

        @given(case=operation.as_strategy(), realistic=st.booleans())
        @hypothesis_settings(
            max_examples=10,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def fuzz(case: Any, realistic: bool) -> None:
            if realistic:
                _realistic(case, real)
            case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)

        fuzz()
