"""Mapping files: which source layer feeds which table, and which source field which column."""

import codecs
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from django.contrib.gis.gdal import GDALException, SpatialReference
from django.db import models

from gis.importing.values import BadValueError, ColumnCleaner, match_key, value_clean
from gis.models import (
    Landmark,
    PipeSegment,
    PowerDevice,
    PowerLine,
    PowerSubstation,
    Premise,
    Road,
    Source,
    Valve,
)

DEFAULT_MAPPING = Path(__file__).resolve().parent.parent / "mappings" / "default.toml"

# Filled in by the importer, never read from a source field.
# split_from is the importer's own record of where it cut a main (gis.network_split).
_NOT_MAPPABLE = frozenset({"id", "geom", "updated_at", "search_key", "split_from"})
_LAYER_KEYS = frozenset(
    {
        "target",
        "fields",
        "constants",
        "values",
        "srid",
        "encoding",
        "units",
        "defaults",
        "empty",
        "filter",
        "exclude",
    }
)
SERVICE_SEGMENT = "service_segment"
# Premise columns that name another asset by its asset id, as the file spells it: looked up
# when the premises are written, never cleaned as values. (service_segment is the pipe
# serving the premise; a premise naming none gets its nearest main. A premise naming no
# transformer or heat substation is left without one: nothing connects it by nearness.)
TRANSFORMER = "transformer"
HEAT_STATION = "heat_station"
REFERENCES = (SERVICE_SEGMENT, TRANSFORMER, HEAT_STATION)
REFERENCE_NOTES = {
    SERVICE_SEGMENT: "asset id of the pipe serving it; "
    "empty: connected to the nearest in-service main after the import",
    TRANSFORMER: "asset id of the power device (kind transformer) supplying it; "
    "empty or not found: none (never connected by nearness)",
    HEAT_STATION: "asset id of the source (kind substation) heating it; "
    "empty or not found: none (never connected by nearness)",
}
# Shapefiles (dBase) keep 10 characters of a field name: INSTALLDATE arrives as INSTALLDAT.
_SHAPEFILE_NAME = 10
_Scalar = str | int | float | bool


class MappingError(ValueError):
    """A mapping that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Target:
    """A table features can be imported into, and the geometry type its rows hold."""

    name: str
    model: type[models.Model]
    geom_type: str
    # Columns computed from others when the source leaves them empty.
    derived: frozenset[str] = frozenset()

    @cached_property
    def columns(self) -> dict[str, models.Field]:
        """The columns a mapping may feed, by name."""
        return {
            f.name: f
            for f in self.model._meta.concrete_fields
            if isinstance(f, models.Field) and f.name not in _NOT_MAPPABLE
        }


# Pipes come first so that premises in the same file can name the pipe that serves them, and
# power devices before premises, so that premises can name their transformer.
TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("pipes", PipeSegment, "LineString"),
        Target("valves", Valve, "Point"),
        Target("sources", Source, "Point"),
        Target("power_lines", PowerLine, "LineString"),
        Target("power_devices", PowerDevice, "Point"),
        Target("power_substations", PowerSubstation, "Point"),
        Target("roads", Road, "LineString"),
        Target("landmarks", Landmark, "Point", derived=frozenset({"sensitive"})),
        Target("premises", Premise, "Point", derived=frozenset({"search_key"})),
    )
}


@dataclass(frozen=True)
class LayerMapping:
    """How one source layer becomes rows of one target table."""

    layer: str
    target: Target
    fields: dict[str, str]  # model field -> source field
    constants: dict[str, object] = field(default_factory=dict)  # model field -> cleaned value
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> {source: ours}
    srid: int | None = None  # only used when the layer declares no CRS
    # The text encoding of a Shapefile's attributes when its .cpg is missing or wrong.
    encoding: str | None = None
    units: dict[str, str] = field(default_factory=dict)  # model field -> the source's unit
    defaults: dict[str, object] = field(default_factory=dict)  # model field -> cleaned value
    empty: tuple[_Scalar, ...] = ()  # source values that mean "unknown", in every field
    # source field -> match_key spellings: a row is kept only with one of them in each field
    keep_only: dict[str, frozenset[str]] = field(default_factory=dict)
    # source field -> match_key spellings: a row with one of them in any field is skipped
    skip: dict[str, frozenset[str]] = field(default_factory=dict)

    # The importer talks to a mapping only through the four members below: which source
    # fields to read, how to spell them, whether a source row is imported at all, and what a
    # column stores.

    @property
    def source_fields(self) -> list[str]:
        """The source fields an import reads (filter fields too), as `bind` spelled them."""
        return list(dict.fromkeys([*self.fields.values(), *self.keep_only, *self.skip]))

    def bind(self, layer_fields: list[str]) -> "LayerMapping":
        """The mapping with source field names spelled as the layer spells them."""
        actual = {name.casefold(): name for name in layer_fields}

        def spelled(name: str) -> str | None:
            found = actual.get(name.casefold())
            if found is None and len(name) > _SHAPEFILE_NAME:
                found = actual.get(name[:_SHAPEFILE_NAME].casefold())
            return found

        roles = {name: "" for name in self.fields.values()}
        for name in [*self.keep_only, *self.skip]:
            roles.setdefault(name, " (in the filter)")
        missing = [f"{name}{role}" for name, role in roles.items() if spelled(name) is None]
        if missing:
            raise MappingError(
                f"layer {self.layer!r} has no field {', '.join(missing)}; "
                f"its fields are: {', '.join(layer_fields)}"
            )
        return replace(
            self,
            fields={column: str(spelled(name)) for column, name in self.fields.items()},
            keep_only={str(spelled(name)): keys for name, keys in self.keep_only.items()},
            skip={str(spelled(name)): keys for name, keys in self.skip.items()},
        )

    def keeps(self, source: Mapping[str, object]) -> bool:
        """Whether a source row (source field -> raw value) is imported at all."""
        for name, keys in self.keep_only.items():
            if match_key(source.get(name)) not in keys:
                return False
        return not any(match_key(source.get(name)) in keys for name, keys in self.skip.items())

    def column_value(self, name: str, raw: object) -> object:
        """What column `name` stores for the source value `raw`; BadValueError says why not."""
        return self.cleaners[name](raw)

    @cached_property
    def cleaners(self) -> dict[str, ColumnCleaner]:
        """Each mapped column's cleaner, built once: value table, empties, unit, default."""
        return {name: self.cleaner(name) for name in self.fields if name not in REFERENCES}

    def cleaner(self, name: str, *, with_default: bool = True) -> ColumnCleaner:
        """A new cleaner for column `name`; BadValueError for a bad unit or default."""
        default = {"default": self.defaults[name]} if with_default and name in self.defaults else {}
        return ColumnCleaner(
            field=self.target.columns[name],
            layer=self.layer,
            values=self.values.get(name),
            empty=self.empty,
            unit=self.units.get(name),
            **default,
        )


def mapping_load(*, path: Path | str) -> list[LayerMapping]:
    """Read and check a TOML mapping file (format: gis/mappings/default.toml)."""
    try:
        with Path(path).open("rb") as file:
            data = tomllib.load(file)
    except FileNotFoundError:
        raise MappingError(f"{path}: no such file") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(f"{path}: {exc}") from None
    layers = data.get("layers")
    if not isinstance(layers, dict) or not layers:
        raise MappingError(f"{path}: no [layers.<name>] tables")
    unknown = set(data) - {"layers", "empty"}
    if unknown:
        raise MappingError(f"{path}: unknown top-level keys {', '.join(sorted(unknown))}")
    try:
        common_empty = _scalars("top level", "empty", data.get("empty", []))
        return [_layer_mapping(name, table, common_empty) for name, table in layers.items()]
    except MappingError as exc:
        raise MappingError(f"{path}: {exc}") from None


def _layer_mapping(name: str, table: object, common_empty: list[_Scalar]) -> LayerMapping:
    if not isinstance(table, dict):
        raise MappingError(f"layer {name!r}: expected a table")
    unknown = set(table) - _LAYER_KEYS
    if unknown:
        raise MappingError(
            f"layer {name!r}: unknown keys {', '.join(sorted(unknown))} "
            f"(a layer takes {', '.join(sorted(_LAYER_KEYS))})"
        )
    target_name = table.get("target")
    target = TARGETS.get(target_name) if isinstance(target_name, str) else None
    if target is None:
        raise MappingError(f"layer {name!r}: target must be one of {', '.join(TARGETS)}")
    fields = _str_table(name, "fields", table.get("fields", {}))
    values = {
        column: _value_table(name, column, translation)
        for column, translation in _table(name, "values", table.get("values", {})).items()
    }
    srid = table.get("srid")
    if srid is not None:
        _check_srid(name, srid)
    encoding = table.get("encoding")
    if encoding is not None:
        _check_encoding(name, encoding)
    constants = _constants(name, target, _table(name, "constants", table.get("constants", {})))
    units = _str_table(name, "units", table.get("units", {}))
    defaults = _table(name, "defaults", table.get("defaults", {}))
    _check_fields(name, target, fields, constants, {**values, **units, **defaults})
    defaults = _defaults(name, target, defaults)
    mapping = LayerMapping(
        name,
        target,
        fields,
        constants,
        values,
        srid,
        encoding=encoding,
        units=units,
        defaults=defaults,
        empty=(*common_empty, *_scalars(f"layer {name!r}", "empty", table.get("empty", []))),
        keep_only=_filter(name, "filter", table.get("filter", {})),
        skip=_filter(name, "exclude", table.get("exclude", {})),
    )
    _check_cleaners(mapping)
    return mapping


def _check_encoding(layer: str, encoding: object) -> None:
    try:
        codecs.lookup(str(encoding))
    except LookupError:
        raise MappingError(
            f"layer {layer!r}: encoding {encoding!r} is not one Python knows "
            '(e.g. "GBK", "GB18030", "CP1252", "UTF-8")'
        ) from None
    if not isinstance(encoding, str):
        raise MappingError(f"layer {layer!r}: encoding must be a string, got {encoding!r}")


def _table(layer: str, key: str, value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise MappingError(f"layer {layer!r}: {key} must be a table")
    return value


def _str_table(layer: str, key: str, value: object) -> dict[str, str]:
    table = _table(layer, key, value)
    for k, v in table.items():
        if not isinstance(v, str):
            raise MappingError(
                f"layer {layer!r}: {key}.{k} must be a string, got {v!r}{_misplaced(k)}"
            )
    return {k: str(v) for k, v in table.items()}


def _value_table(layer: str, column: str, value: object) -> dict[str, str]:
    """A value table, right-hand sides as text; two keys that match alike must agree."""
    table: dict[str, str] = {}
    seen: dict[str, str] = {}
    for source, ours in _table(layer, f"values.{column}", value).items():
        if isinstance(ours, dict | list) or not isinstance(ours, _Scalar):
            raise MappingError(
                f"layer {layer!r}: values.{column}.{source} must be a value, "
                f"got {ours!r}{_misplaced(source)}"
            )
        text = str(ours).lower() if isinstance(ours, bool) else str(ours).strip()
        first = seen.setdefault(match_key(source), source)
        if first != source and table[first] != text:
            raise MappingError(
                f"layer {layer!r}: values.{column} has {first!r} and {source!r}, which match "
                f"the same source values (case and spacing do not count), with different values"
            )
        table[source] = text
    return table


def _misplaced(key: str) -> str:
    # In TOML a key belongs to the [table] above it: a top-level list written at the end of
    # the file lands in the last table.
    if key in ("empty", "filter", "exclude"):
        return f" ({key} belongs at the top of the file or right under [layers.<name>])"
    return ""


def _scalars(where: str, key: str, value: object) -> list[_Scalar]:
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict | list) or not isinstance(item, _Scalar):
            raise MappingError(
                f'{where}: {key} takes texts or numbers, like ["UNK", "N/A"]; got {item!r}'
            )
    return list(items)


def _filter(layer: str, key: str, value: object) -> dict[str, frozenset[str]]:
    """A filter table (source field -> the values it keeps or skips), by match_key."""
    rules: dict[str, frozenset[str]] = {}
    seen: dict[str, str] = {}
    for source_field, wanted in _table(layer, key, value).items():
        values = _scalars(f"layer {layer!r}", f"{key}.{source_field}", wanted)
        if not values:
            raise MappingError(f"layer {layer!r}: {key}.{source_field} lists no values")
        first = seen.setdefault(source_field.casefold(), source_field)
        if first != source_field:
            raise MappingError(f"layer {layer!r}: {key} names {first} twice ({source_field})")
        rules[source_field] = frozenset(match_key(v) for v in values)
    return rules


def _check_srid(layer: str, srid: object) -> None:
    if not isinstance(srid, int) or isinstance(srid, bool):
        raise MappingError(f"layer {layer!r}: srid must be an EPSG code, got {srid!r}")
    try:
        SpatialReference(srid)
    except GDALException:
        raise MappingError(f"layer {layer!r}: srid {srid} is not a CRS GDAL knows") from None


def _constants(layer: str, target: Target, raw: dict[str, object]) -> dict[str, object]:
    columns = target.columns
    constants = {}
    for name, value in raw.items():
        if name not in columns or name in ("asset_id", *REFERENCES):
            raise MappingError(f"layer {layer!r}: {name} cannot be a constant of {target.name}")
        try:
            constants[name] = value_clean(field=columns[name], raw=value)
        except BadValueError as exc:
            raise MappingError(f"layer {layer!r}: constant {name}: {exc}") from None
    return constants


def _check_fields(
    layer: str,
    target: Target,
    fields: dict[str, str],
    constants: dict[str, object],
    fed: dict[str, object],
) -> None:
    """Every column named exists, the required ones are fed, the rules name fed columns."""
    columns = target.columns
    unknown = (set(fields) | set(fed)) - set(columns)
    if unknown:
        raise MappingError(
            f"layer {layer!r}: {target.name} has no field {', '.join(sorted(unknown))}; "
            f"it has {', '.join(columns)} (manage.py import_network --describe lists them)"
        )
    if "asset_id" not in fields:
        raise MappingError(f"layer {layer!r}: fields must map asset_id to a source field")
    both = set(fields) & set(constants)
    if both:
        raise MappingError(f"layer {layer!r}: {', '.join(sorted(both))} both mapped and constant")
    unfed = set(fed) - set(fields)
    if unfed:
        raise MappingError(
            f"layer {layer!r}: values, units or defaults given for "
            f"{', '.join(sorted(unfed))}, which no source field feeds "
            "(a value for every row is a constant)"
        )
    for name in REFERENCES:
        if name in fed:
            raise MappingError(f"layer {layer!r}: {name} takes asset ids as they are")
    # A column nobody feeds gets its model default; one without a default must be fed.
    missing = [
        name
        for name, column in columns.items()
        if not (column.null or column.blank or column.has_default())
        and name not in fields
        and name not in constants
        and name not in target.derived
    ]
    if missing:
        raise MappingError(
            f"layer {layer!r}: {target.name} needs {', '.join(missing)} "
            "from a source field or a constant"
        )


def _defaults(layer: str, target: Target, raw: dict[str, object]) -> dict[str, object]:
    """The defaults, cleaned like constants: our codes or labels, numbers in our units."""
    defaults = {}
    for name, value in raw.items():
        if name == "asset_id" or name in target.derived:
            why = "rows are matched on it" if name == "asset_id" else "it is computed when empty"
            raise MappingError(f"layer {layer!r}: {name} takes no default: {why}")
        if isinstance(value, str) and not value.strip():
            raise MappingError(
                f"layer {layer!r}: defaults.{name} is empty; leave it out to keep "
                "what the column does with empty values"
            )
        if isinstance(value, dict | list) or not isinstance(value, _Scalar):
            raise MappingError(f"layer {layer!r}: defaults.{name} must be a value, got {value!r}")
        try:
            defaults[name] = value_clean(field=target.columns[name], raw=value)
        except BadValueError as exc:
            raise MappingError(f"layer {layer!r}: defaults.{name}: {exc}") from None
    return defaults


def _check_cleaners(mapping: LayerMapping) -> None:
    """Build every column's cleaner now, so that bad units and value tables fail at load."""
    layer = mapping.layer
    for name in mapping.fields:
        if name in REFERENCES:
            continue
        try:
            cleaner = mapping.cleaner(name, with_default=False)
        except BadValueError as exc:
            raise MappingError(f"layer {layer!r}: units.{name}: {exc}") from None
        for source, ours in mapping.values.get(name, {}).items():
            if not ours:
                continue  # "" means empty: the column's empty handling applies
            try:
                cleaner.check_ours(ours)
            except BadValueError as exc:
                raise MappingError(
                    f"layer {layer!r}: values.{name}: {source!r} = {ours!r}: {exc}"
                ) from None
