"""Cleaning one source value into what a model field stores, or the reason it cannot be.

A `ColumnCleaner` is built once per mapped column (the import cleans about a million values, so
every lookup it can do ahead of time is done then): the mapping's value table, its "means
unknown" spellings, the source unit, the default, and the column's choices by code and label.
"""

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext as _

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


class Dimension(NamedTuple):
    """What a unit column measures, the unit it stores, and the units a source may use."""

    name: str
    stores: str
    factors: dict[str, float]  # spelling -> how many stored units one of it is

    def spellings(self) -> str:
        """The units to name in messages (each also has longer spellings)."""
        return ", ".join(u for u in self.factors if u in _CANONICAL)


_CANONICAL = frozenset({"mm", "cm", "m", "in", "ft", "km/h", "mph"})
LENGTH = Dimension(
    "length",
    "mm",
    {
        "mm": 1.0,
        "millimetre": 1.0,
        "millimeter": 1.0,
        "cm": 10.0,
        "m": 1000.0,
        "in": 25.4,
        "inch": 25.4,
        "inches": 25.4,
        '"': 25.4,
        "ft": 304.8,
        "foot": 304.8,
        "feet": 304.8,
        "'": 304.8,
    },
)
SPEED = Dimension(
    "speed", "km/h", {"km/h": 1.0, "kmh": 1.0, "kph": 1.0, "mph": 1.609344, "mi/h": 1.609344}
)
# Columns carry their unit in their name: diameter_mm stores millimetres, speed_kmh km/h.
UNIT_SUFFIXES = {"_mm": LENGTH, "_kmh": SPEED}
_ALL_UNITS = {u: d for d in UNIT_SUFFIXES.values() for u in d.factors}

# A number with an optional unit after it: 200, 8.5, .75, 3/4", 1 1/4 in, 1-1/4", 200mm, 30 mph.
_QUANTITY = re.compile(
    r"""^(?:(?P<whole>\d+)(?:\s+|-)(?=\d+/))?
        (?:(?P<num>\d+)/(?P<den>\d+)|(?P<dec>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?))
        \s*(?P<unit>\D.*?)?\.?$""",
    re.VERBOSE,
)
# Years out of dates a file keeps as text: 2004-05-12, 2004/05/12 10:00, 05/12/2004.
_YEAR_FIRST = re.compile(r"^(\d{4})[-/.]\d{1,2}[-/.]\d{1,2}(?:\D|$)")
_YEAR_LAST = re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.](\d{4})(?:\D|$)")


class BadValueError(ValueError):
    """A source value the field cannot hold; the message says why."""


def column_dimension(field: models.Field) -> Dimension | None:
    """What a column measures when its values have a unit (diameter_mm, speed_kmh), else None."""
    if not isinstance(field, models.IntegerField | models.FloatField | models.DecimalField):
        return None
    for suffix, dimension in UNIT_SUFFIXES.items():
        if field.name.endswith(suffix):
            return dimension
    return None


def choices_text(field: models.Field) -> str:
    """The valid values of a choice column as people read them: 'pe (Polyethylene), ...'."""
    return ", ".join(f"{code} ({label})" for code, label in field.flatchoices)


def match_key(raw: object) -> str:
    """One spelling for values that mean the same: ' Gas ' and 'GAS'; 1, 1.0 and '1'."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "1" if raw else "0"
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    if isinstance(raw, str):
        text = raw.strip()
        try:
            number = float(text)
        except ValueError:
            return text.casefold()
        return match_key(number) if math.isfinite(number) else text.casefold()
    return str(raw).strip().casefold()


def lookup_keys(value: object) -> set[str]:
    """The spellings a value-table key or an empty marker is found under."""
    keys = {match_key(value)}
    if isinstance(value, str):
        keys.add(value.strip().casefold())
    return keys


_NO_DEFAULT = object()


class ColumnCleaner:
    """What one column stores for a source value; BadValueError says why it cannot."""

    def __init__(
        self,
        *,
        field: models.Field,
        layer: str | None = None,
        values: Mapping[str, str] | None = None,
        empty: Iterable[object] = (),
        unit: str | None = None,
        default: object = _NO_DEFAULT,
    ) -> None:
        self.field = field
        self.layer = layer
        # Source strings are looked up as they are (trimmed, any case), numbers by match_key.
        self.table = {key: v for k, v in (values or {}).items() for key in lookup_keys(k)}
        self.empty = frozenset(key for e in empty for key in lookup_keys(e))
        self.lookup = bool(self.table or self.empty)
        self.dimension = column_dimension(field)
        self.factor = 1.0
        if unit is not None:
            if self.dimension is None or unit.casefold() not in self.dimension.factors:
                raise BadValueError(self._unit_problem(unit))
            self.factor = self.dimension.factors[unit.casefold()]
        self.unit = unit
        self.choices = {
            str(text).strip().casefold(): code
            for code, label in reversed(field.flatchoices)
            for text in (label, code)
        }
        self.kind = _kind(field, self.choices)
        self.low, self.high = value_limits(field)
        # A default is our value, like a constant: no value table, empty list or unit.
        self.default = default if default is _NO_DEFAULT else value_clean(field=field, raw=default)

    def _unit_problem(self, unit: str) -> str:
        if self.dimension is None:
            return _("%s takes no unit (only columns ending in _mm or _kmh do)") % self.field.name
        problem = _("unknown unit '%(unit)s' for %(field)s (a %(dimension)s; use one of %(units)s)")
        return problem % {
            "unit": unit,
            "field": self.field.name,
            "dimension": self.dimension.name,
            "units": self.dimension.spellings(),
        }

    def clean(self, raw: object) -> object:
        """The stored value for `raw`; the column's hot path."""
        if raw is None:
            return self.empty_value()
        if isinstance(raw, str):
            raw = raw.strip()
            if not raw:
                return self.empty_value()
        elif isinstance(raw, float):
            if raw != raw:  # NaN: how column readers hand over a missing number
                return self.empty_value()
            if raw.is_integer():  # Shapefiles and spreadsheets hand integers over as 200.0
                raw = int(raw)
        elif not isinstance(raw, int | date) and hasattr(raw, "item"):
            return self.clean(raw.item())  # a numpy scalar
        translated = False
        if self.lookup:
            key = raw.casefold() if isinstance(raw, str) else match_key(raw)
            if key in self.empty:
                return self.empty_value()
            ours = self.table.get(key)
            if ours is not None:
                if not ours:
                    return self.empty_value()
                raw, translated = ours, True
        return self._convert(raw, translated)

    __call__ = clean

    def check_ours(self, value: str) -> object:
        """What a value table's right-hand side stores (BadValueError when nothing can)."""
        return self._convert(value, translated=True)

    def empty_value(self) -> object:
        if self.default is not _NO_DEFAULT:
            return self.default
        field = self.field
        if field.null:
            return None
        if field.has_default():
            return field.get_default()
        if field.blank:
            return ""
        hint = ""
        if self.layer and field.name != "asset_id":
            hint = _("; give one in [layers.%s.defaults]") % self.layer
        raise BadValueError(_("a value is required") + hint)

    def _convert(self, raw: object, translated: bool) -> object:
        kind = self.kind
        if kind == "choice":
            code = self.choices.get(str(raw).casefold())
            if code is None:
                where = _("; translate it in [layers.%(layer)s.values.%(field)s]") % {
                    "layer": self.layer,
                    "field": self.field.name,
                }
                raise BadValueError(
                    _("'%(raw)s' is not one of: %(choices)s")
                    % {"raw": raw, "choices": choices_text(self.field)}
                    + (where if self.layer else "")
                )
            return code
        if kind == "int":
            return self._checked(self._whole(raw, translated))
        if kind == "bool":
            if isinstance(raw, str):
                raw = _BOOLEAN_WORDS.get(raw.casefold(), raw)
            elif isinstance(raw, int) and raw in (0, 1):
                raw = bool(raw)
            if isinstance(raw, bool):
                return raw
        elif kind == "char":
            text = raw if isinstance(raw, str) else str(raw)
            if self.high is None or len(text) <= self.high:
                return text
            raw = text
        return self._django_clean(raw)

    def _whole(self, raw: object, translated: bool) -> object:
        """An integer column's value: units converted and rounded, years taken from dates."""
        # Our own values (a value table's right-hand side) are in the column's unit already.
        factor = 1.0 if translated else self.factor
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int):
            return raw if factor == 1.0 else _rounded(raw * factor)
        if isinstance(raw, float):
            if self.unit is None:
                raise BadValueError(_("%s is not a whole number") % raw + self._unit_hint())
            return _rounded(raw * factor)
        if isinstance(raw, date):
            if self.field.name.endswith("_year"):
                return raw.year
            return raw
        if not isinstance(raw, str):
            return raw
        if self.field.name.endswith("_year"):
            found = _YEAR_FIRST.match(raw) or _YEAR_LAST.match(raw)
            if found:
                return int(found.group(1))
        quantity = _QUANTITY.match(raw)
        if quantity is None:
            return raw  # Django's own message says what is wrong with it
        number = _number(quantity)
        spelled = (quantity.group("unit") or "").strip().casefold()
        if spelled and self.dimension is None and spelled not in _ALL_UNITS:
            return raw  # not a number: Django's own message says so
        if spelled:
            factor = self._factor_of(spelled, raw)
        elif not number.is_integer() and self.unit is None and not translated:
            raise BadValueError(_("%s is not a whole number") % raw + self._unit_hint())
        return _rounded(number * factor)

    def _factor_of(self, unit: str, raw: str) -> float:
        dimension = self.dimension
        if dimension is not None and unit in dimension.factors:
            return dimension.factors[unit]
        if dimension is None:
            raise BadValueError(
                _("'%(raw)s' has a unit, and %(field)s takes a plain number")
                % {"raw": raw, "field": self.field.name}
            )
        other = _ALL_UNITS.get(unit)
        if other is not None:
            raise BadValueError(
                _("'%(raw)s' is a %(other)s, %(field)s a %(dimension)s")
                % {
                    "raw": raw,
                    "other": other.name,
                    "field": self.field.name,
                    "dimension": dimension.name,
                }
            )
        raise BadValueError(
            _("'%(raw)s': unknown unit '%(unit)s' (use one of %(units)s)")
            % {"raw": raw, "unit": unit, "units": dimension.spellings()}
        )

    def _unit_hint(self) -> str:
        if self.dimension is None or not self.layer:
            return ""
        return _("; give its unit in [layers.%s.units] to convert and round") % self.layer

    def _checked(self, value: object) -> object:
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and (self.low is None or value >= self.low)
            and (self.high is None or value <= self.high)
        ):
            return value
        return self._django_clean(value)

    def _django_clean(self, raw: object) -> object:
        try:
            return self.field.clean(raw, None)
        except ValidationError as exc:
            raise BadValueError(" ".join(exc.messages)) from None


def _kind(field: models.Field, choices: dict[str, object]) -> str:
    if choices:
        return "choice"
    if isinstance(field, models.IntegerField):
        return "int"
    if isinstance(field, models.BooleanField):
        return "bool"
    if isinstance(field, models.CharField):
        return "char"
    return "other"


def value_limits(field: models.Field) -> tuple[int | None, int | None]:
    """The bounds the field's validators hold values to (max_length for text)."""
    if isinstance(field, models.CharField):
        return None, field.max_length
    low = high = None
    if isinstance(field, models.IntegerField):
        for validator in field.validators:
            if isinstance(validator, MinValueValidator):
                low = max(low, validator.limit_value) if low is not None else validator.limit_value
            elif isinstance(validator, MaxValueValidator):
                high = (
                    min(high, validator.limit_value) if high is not None else validator.limit_value
                )
    return low, high


def _number(quantity: re.Match[str]) -> float:
    if quantity.group("dec") is not None:
        return float(quantity.group("dec"))
    denominator = int(quantity.group("den"))
    if denominator == 0:
        raise BadValueError(_("'%s' divides by zero") % quantity.string)
    return int(quantity.group("whole") or 0) + int(quantity.group("num")) / denominator


def _rounded(number: float) -> int:
    # Half up, not Python's half to even: 2.5 in is 63.5 mm and stores as 64.
    if not math.isfinite(number) or abs(number) > 1e15:
        # Esri writes a null double as -1.79e308; no diameter or speed is anywhere near.
        raise BadValueError(_("%g is not a size or a speed (a null written as a number?)") % number)
    return math.floor(number + 0.5)


_PLAIN: dict[models.Field, ColumnCleaner] = {}


def value_clean(*, field: models.Field, raw: object) -> object:
    """The value `field` stores for the source value `raw`, with no mapping rules."""
    cleaner = _PLAIN.get(field)
    if cleaner is None:
        cleaner = _PLAIN.setdefault(field, ColumnCleaner(field=field))
    return cleaner.clean(raw)
