"""The OpenAPI document says what every operation can answer, refusals included.

drf-spectacular documents the success each view declares with its serializer. Every API view
can also refuse (bad input, not signed in, wrong role, not found, a changed state, too many
requests), always as JSON in the one shape `config.api_errors.ErrorOut` writes, so those answers
are added to every operation here: a client generated from the schema then knows them, and
schemathesis checks them.
"""

import datetime
from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ComponentRegistry
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_errors import ErrorOut

REFUSALS = {
    "400": "the input is not valid: nothing was changed",
    "401": "not signed in (session or `Authorization: Token ...`)",
    "403": "signed in, but this role or unit may not do this",
    "404": "no such record, or not one this user may see",
    "405": "this method is not allowed here",
    "409": "the record's state does not allow this change now",
    "415": "the request body's media type is not accepted",
    "429": "too many requests: wait for Retry-After seconds",
}


class InstantField(serializers.DateTimeField):
    """An instant as every answer of the API writes it: ISO 8601 in UTC (`...Z`). DRF's own
    field would turn it into the server's TIME_ZONE first; the same instant, other words."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=datetime.UTC, **kwargs)


def answer(
    out: type[serializers.Serializer], body: Any, *, many: bool = False, status: int = 200
) -> Response:
    """An answer written through the serializer that declares it in the document: a key it
    does not declare is not sent, and one it declares that the body lacks fails loudly, so
    the document and the answer cannot part."""
    return Response(out(body, many=many).data, status=status)


def _component(serializer: type[serializers.Serializer]) -> tuple[str, dict[str, Any]]:
    """A serializer's schema component, as drf-spectacular makes it for any view's answer."""
    view = APIView()
    view.request = None  # type: ignore[assignment]  # no request: the document is generated
    inspector = AutoSchema()
    inspector.registry = ComponentRegistry()
    inspector.view, inspector.path, inspector.method = view, "/", "GET"
    resolved = inspector.resolve_serializer(serializer, "response")
    return resolved.name, resolved.schema


def refusals_add(result: dict[str, Any], **_: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the refusals above on every operation."""
    name, schema = _component(ErrorOut)
    result.setdefault("components", {}).setdefault("schemas", {})[name] = schema
    content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in REFUSALS.items():
                responses.setdefault(status, {"description": description, "content": content})
    return result
