"""The OpenAPI document says what every answer contains (DESIGN.md: contracts people can
generate code from): every operation declares its success with a serializer, down to the last
field, and the document is valid OpenAPI, generated without a warning.

Only a few fields are free-form on purpose (FREE_FORM, each with its reason). Everything else
that is an object names its properties, and `document_closed` turns every such object into a
closed one (no undeclared keys) for the schemathesis tests (tests/test_api_contract.py,
tests/test_api_answers.py): a view that answers a key its serializer does not declare fails
there, as does one that leaves out a declared key or answers a list where an object is
declared.
"""

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.validation import validate_schema

from config.wsgi import application

# "<component>.<property>": why its keys are not declared.
_FINDINGS = (
    "the tablet's findings fields merged (named in its description), and whatever `details` a"
    " dispatcher's made-safe or completed transition carried: keys no serializer can list"
)
FREE_FORM = {
    "WorkOrderOut.findings": _FINDINGS,
    "TabletWorkOrderOut.findings": _FINDINGS,
    "TabletWorkOrderDetailOut.findings": _FINDINGS,
    "TimelineEventOut.data": "what an event records depends on its kind, and kinds come with"
    " the features that write them (call.received, work_order.findings, sla.breached...): the"
    " timeline is an audit record, answered as it was written",
}
METHODS = ("get", "put", "post", "patch", "delete")


def document_generated() -> dict[str, Any]:
    """The document as /api/schema/ serves it, with what the generator had to say about it."""
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


def _resolved(document: dict[str, Any], schema: dict[str, Any]) -> tuple[str | None, Any]:
    if "$ref" not in schema:
        return None, schema
    name = schema["$ref"].rsplit("/", 1)[-1]
    return name, document["components"]["schemas"][name]


def _subschemas(
    schema: dict[str, Any], where: str
) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    """(where, schema, the property's name if it is one) of each schema inside `schema`."""
    for keyword in ("allOf", "oneOf", "anyOf"):
        for n, part in enumerate(schema.get(keyword, ())):
            yield f"{where}.{keyword}[{n}]", part, None
    for name, part in (schema.get("properties") or {}).items():
        yield f"{where}.{name}", part, name
    if isinstance(schema.get("items"), dict):
        yield f"{where}[]", schema["items"], None
    if isinstance(schema.get("additionalProperties"), dict):
        yield f"{where}{{*}}", schema["additionalProperties"], None


def undeclared(document: dict[str, Any], schema: dict[str, Any], where: str) -> list[str]:
    """Every place in `schema` that says nothing of what it holds: an object without
    properties, a value of any type, unless it is one of FREE_FORM."""
    found: list[str] = []
    seen: set[str] = set()

    def walk(node: dict[str, Any], where: str, owner: str, field: str) -> None:
        name, node = _resolved(document, node)
        if name is not None:
            if name in seen:
                return
            seen.add(name)
            owner, field, where = name, "", f"{where}>{name}"
        if f"{owner}.{field}" in FREE_FORM:
            return
        composed = any(k in node for k in ("allOf", "oneOf", "anyOf", "enum"))
        if not composed and node.get("type") in (None, "object") and not node.get("properties"):
            found.append(where)
            return
        for part_where, part, prop in _subschemas(node, where):
            walk(part, part_where, owner, prop if prop is not None else field)

    walk(schema, where, "", "")
    return found


def successes(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(operation, status, response) of every 2xx answer, and of an operation without any."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            name = f"{method.upper()} {path}"
            answers = [(s, r) for s, r in operation["responses"].items() if s.startswith("2")]
            if not answers:
                yield name, "", {}
            for status, response in answers:
                yield name, status, response


def test_every_success_declares_what_it_contains() -> None:
    document = document_generated()
    problems = []
    count = 0
    for operation, status, response in successes(document):
        count += 1
        if not status:
            problems.append(f"{operation}: no success declared")
            continue
        content = response.get("content") or {}
        if not content and status != "204":
            problems.append(f"{operation} {status}: no content declared")
        for media_type, body in content.items():
            if "schema" not in body:
                problems.append(f"{operation} {status} {media_type}: no schema")
                continue
            where = f"{operation} {status}"
            problems += [
                f"{w}: says nothing of what it holds"
                for w in undeclared(document, body["schema"], where)
            ]
    assert count > 30, "the document lost its operations"
    assert not problems, "\n".join(problems)


def test_the_free_form_exceptions_are_still_in_the_document() -> None:
    """An exception whose field is gone (renamed, declared at last) is taken off the list."""
    components = document_generated()["components"]["schemas"]
    for name in FREE_FORM:
        component, field = name.split(".")
        assert field in components.get(component, {}).get("properties", {}), name


def test_the_document_is_valid_openapi_and_generated_without_a_warning() -> None:
    """`manage.py spectacular --validate --fail-on-warn`, in the suite."""
    document = document_generated()
    validate_schema(document)
    warnings = dict(GENERATOR_STATS._warn_cache) | dict(GENERATOR_STATS._error_cache)
    assert not GENERATOR_STATS, "\n".join(warnings)


def document_closed(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every object an answer can hold closed (`additionalProperties:
    false`) unless it says otherwise: for the tests, so an answer with a key its serializer
    does not declare fails them. (Clients should still ignore keys they do not know, so the
    served document stays open, as drf-spectacular writes it; request bodies are left as
    they are, so the fuzzer still sends keys the API does not know.)"""
    closed = copy.deepcopy(document)
    components = closed["components"]["schemas"]
    seen: set[str] = set()

    def close(node: dict[str, Any]) -> None:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                close(components[name])
            return
        if node.get("properties") and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for _where, part, _name in _subschemas(node, ""):
            close(part)

    for operations in closed["paths"].values():
        for method, operation in operations.items():
            if method in METHODS:
                for response in operation["responses"].values():
                    for body in (response.get("content") or {}).values():
                        close(body.get("schema", {}))
    return closed


@pytest.fixture
def api_closed(settings: Any) -> Iterator[Any]:
    """Schemathesis with the closed document, calling our WSGI app in this process."""
    settings.ALLOWED_HOSTS = ["*"]
    served = Client().get("/api/schema/?format=json")
    assert served.status_code == 200
    # The WSGI app closes the database connection after each request, as in production; the
    # test's transaction lives on that connection, so keep it open (as Django's test client does).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_dict(document_closed(served.json()))
        schema.config.update(base_url="http://localhost")
        schema.app = application
        yield schema
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
