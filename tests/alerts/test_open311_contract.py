"""Schemathesis against GeoReport v2's own Swagger 2.0 document: whatever a third-party Open311
client sends, no server error, and every JSON answer has the content type and shape the
published contract declares.

The contract is the community's file, kept unmodified in specs/open311-georeport-v2.swagger.yaml,
loaded as published and served under our base path /open311/v2 (it declares no basePath).
What is adapted, and why (in `_errata`; nothing else is touched):

- Absent values are `null`. The document's own examples (and the wiki's JSON examples) give
  `status_notes`, `description`, `agency_responsible`, `service_notice`, `account_id` as null,
  but Swagger 2.0 has no `nullable`; the optional fields of its definitions are marked
  `x-nullable`, the Swagger 2.0 extension schemathesis reads. Required fields stay non-null.
- Stricter, not looser: each definition is given the `type: object` it leaves out (without
  it, JSON Schema lets any non-object through, and the check would prove nothing), and
  `GET /request/{id}` and `GET /tokens/{id}` are declared as the list of one record that the
  specification (wiki.open311.org/GeoReport_v2) and every client expect (`[{...}]` in JSON,
  `<service_requests><request>` in XML) instead of the bare object the file writes. (We serve
  the file's singular `/request/` path as well as the wiki's `/requests/`.)

Kept as published: `jurisdiction_id` is required (we serve one jurisdiction and ignore it);
POST's fields are declared `in: query`, and we read them there as well as from the form body
real clients send, so the declared request is fuzzed unchanged; and fuzzed a second time with
the same fields as a form body (`in: formData`), as clients send them. Checks are not weakened:
`not_a_server_error` on every answer; content type and response schema on every answer.

Generated values are mostly noise (a random format, service code or id earns a 404 or 400,
which must still be in the spec's shape); to reach the 200s too, each case may have its
format, ids, service code, coordinates and API key swapped for real ones.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import schemathesis
import yaml
from django.conf import settings as django_settings
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from alerts.open311.keys import IssuedKey
from config.wsgi import application
from gis.models import Premise
from tests.alerts import test_open311 as shared
from tests.alerts.test_open311 import BASE, at, post

city = shared.city
issued = shared.issued
premise = shared.premise

# The community's file, byte for byte (CC BY 3.0, Open311 community).
SPEC = Path(__file__).parent / "specs" / "open311-georeport-v2.swagger.yaml"
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
EXAMPLES = 50  # per operation: the whole run stays well under a minute
XML_ROOTS = {"service_requests", "services", "service_definition"}


def _as_form(spec: dict[str, Any]) -> dict[str, Any]:
    """POST's fields in an application/x-www-form-urlencoded body, as clients send them."""
    post = spec["paths"]["/requests.{response_format}"]["post"]
    for parameter in post["parameters"]:
        if parameter.get("in") == "query":
            parameter["in"] = "formData"
    post["consumes"] = ["application/x-www-form-urlencoded"]
    return spec


def _spec_shaped(response: Any) -> None:
    """What the document leaves out, from the specification's text: a refusal is a list of
    `{code, description}`; an XML answer is well-formed under one of the spec's roots."""
    content_type = response.headers.get("content-type", [""])[0]
    if content_type.startswith("text/xml"):
        root = ElementTree.fromstring(response.content)  # noqa: S314 - our own answer
        assert root.tag == "errors" if response.status_code >= 400 else root.tag in XML_ROOTS
    elif response.status_code >= 400:
        errors = response.json()
        assert [set(e) for e in errors] == [{"code", "description"}], errors
        assert {e["code"] for e in errors} == {response.status_code}, errors


def _errata(spec: dict[str, Any]) -> dict[str, Any]:
    """The adaptations the module's docstring explains."""
    for definition in spec["definitions"].values():
        definition.setdefault("type", "object")
        required = set(definition.get("required", ()))
        for name, field in definition.get("properties", {}).items():
            if name not in required:
                field["x-nullable"] = True
    one_request = {"type": "array", "items": {"$ref": "#/definitions/Request"}}
    one_token = {"type": "array", "items": {"$ref": "#/definitions/TokenResponse"}}
    paths = spec["paths"]
    paths["/request/{service_request_id}.{response_format}"]["get"]["responses"]["200"][
        "schema"
    ] = one_request
    paths["/tokens/{token_id}.{response_format}"]["get"]["responses"]["200"]["schema"] = one_token
    return spec


@pytest.fixture
def seeded(client: Any, issued: IssuedKey, premise: Premise) -> dict[str, list[str]]:
    """A few real requests (an incident, an enquiry), so ids and tokens can hit rows."""
    receipts = []
    for code in ("leak_outdoor", "billing"):
        response = post(client, api_key=issued.raw, service_code=code, **at(premise))
        assert response.status_code == 200, response.content
        receipts += response.json()
    return {
        "ids": [r["service_request_id"] for r in receipts],
        "tokens": [r["token"] for r in receipts],
    }


@pytest.fixture(params=["published", "form body"])
def contract(
    request: pytest.FixtureRequest, settings: Any, seeded: dict[str, list[str]]
) -> Iterator[Any]:
    """The published document, served by our WSGI app in this process. After `seeded`: the
    test client puts back the signals disconnected here when its request ends."""
    settings.ALLOWED_HOSTS = ["*"]
    framework = dict(django_settings.REST_FRAMEWORK)
    # The fuzzer is one address sending hundreds of requests: the limits have their own tests.
    framework["DEFAULT_THROTTLE_RATES"] = {
        **framework["DEFAULT_THROTTLE_RATES"],
        "open311_read": "100000/minute",
        "open311_post": "100000/minute",
    }
    settings.REST_FRAMEWORK = framework
    # The WSGI app closes the database connection after each request, as in production; the
    # test's transaction lives on that connection, so keep it open (as Django's test client does).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        spec = _errata(yaml.safe_load(SPEC.read_text()))
        if request.param == "form body":
            spec = _as_form(spec)
        schema = schemathesis.openapi.from_dict(spec)
        schema.config.update(base_url=f"http://localhost{BASE}")
        schema.app = application
        yield schema
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _realistic(case: Any, real: dict[str, list[Any]]) -> None:
    """Every value that can name a real row, format, service, place or key swapped for one."""
    swaps = {
        ("path_parameters", "response_format"): real["formats"],
        ("path_parameters", "service_request_id"): real["ids"],
        ("path_parameters", "token_id"): real["tokens"],
        ("path_parameters", "service_code"): real["codes"],
        ("query", "service_request_id"): [",".join(real["ids"])],
        ("query", "service_code"): real["codes"],
        ("query", "api_key"): real["key"],
        ("query", "lat"): real["lat"],
        ("query", "long"): real["long"],
        ("query", "address_id"): real["address_id"],
        ("body", "service_code"): real["codes"],
        ("body", "lat"): real["lat"],
        ("body", "long"): real["long"],
        ("body", "address_id"): real["address_id"],
    }
    for (where, name), values in swaps.items():
        container = getattr(case, where)
        if isinstance(container, dict) and name in container:
            container[name] = values[len(str(container[name])) % len(values)]


def test_every_open311_answer_matches_the_published_contract(
    contract: Any, seeded: dict[str, list[str]], issued: IssuedKey, premise: Premise
) -> None:
    real: dict[str, list[Any]] = {
        **seeded,
        "formats": ["json", "xml"],
        "codes": ["leak_outdoor", "billing", "repair"],
        "key": [issued.raw],
        "lat": [premise.geom.y],
        "long": [premise.geom.x],
        "address_id": [premise.asset_id],
    }
    operations = [result.ok() for result in contract.get_all_operations()]
    assert len(operations) == 6
    for operation in operations:

        @given(case=operation.as_strategy(), realistic=st.booleans())
        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: Any, realistic: bool) -> None:
            if realistic:
                _realistic(case, real)
            _spec_shaped(case.call_and_validate(checks=CHECKS))

        fuzz()
