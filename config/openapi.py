"""The OpenAPI document says what every operation can answer, refusals included.

drf-spectacular documents the success each view declares. Every API view can also refuse
(bad input, not signed in, wrong role, not found, a changed state, too many requests), always
as JSON in the shape `dispatch.api.errors` writes, so those answers are added to every operation
here: a client generated from the schema then knows them, and schemathesis checks them.
"""

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "description": "A refusal: what was wrong, and the field it concerns when one does.",
    "properties": {
        "error": {"type": "string", "description": "what was wrong and what to do"},
        "field": {"type": "string", "nullable": True, "description": "the input it concerns"},
        "fields": {
            "type": "object",
            "description": "per field, what was wrong (invalid input only)",
            "additionalProperties": True,
        },
        "detail": {"type": "string"},
    },
    "additionalProperties": True,
}
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


def refusals_add(result: dict[str, Any], **_: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the refusals above on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in REFUSALS.items():
                responses.setdefault(status, {"description": description, "content": content})
    return result
