"""Cleaning one source value into what a model field stores, or the reason it cannot be."""

from django.core.exceptions import ValidationError
from django.db import models

# Source files spell booleans every way; Django's own parsing only knows "t"/"True"/"1".
_BOOLEAN_WORDS = {
    "true": True,
    "t": True,
    "yes": True,
    "y": True,
    "1": True,
    "false": False,
    "f": False,
    "no": False,
    "n": False,
    "0": False,
}


class BadValueError(ValueError):
    """A source value the field cannot hold; the message says why."""


def value_clean(
    *, field: models.Field, raw: object, translate: dict[str, str] | None = None
) -> object:
    """The value `field` stores for the source value `raw` (after the mapping's translation)."""
    if isinstance(raw, str):
        raw = raw.strip() or None
    if isinstance(raw, float) and raw.is_integer():
        # Shapefiles and spreadsheets hand integers over as 200.0.
        raw = int(raw)
    if raw is not None and translate:
        raw = translate.get(str(raw), raw)
    if raw is None:
        return _empty_value(field)
    if isinstance(field, models.IntegerField) and isinstance(raw, float):
        raise BadValueError(f"{raw} is not a whole number")
    if isinstance(field, models.BooleanField) and isinstance(raw, str):
        raw = _BOOLEAN_WORDS.get(raw.lower(), raw)
    try:
        return field.clean(raw, None)
    except ValidationError as exc:
        raise BadValueError(" ".join(exc.messages)) from None


def _empty_value(field: models.Field) -> object:
    if field.null:
        return None
    if field.has_default():
        return field.get_default()
    if field.blank:
        return ""
    raise BadValueError("a value is required")
