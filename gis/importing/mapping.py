"""Mapping files: which source layer feeds which table, and which source field which column."""

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from django.contrib.gis.gdal import GDALException, SpatialReference
from django.db import models

from gis.importing.values import BadValueError, value_clean
from gis.models import Landmark, PipeSegment, Premise, Road, Source, Valve

DEFAULT_MAPPING = Path(__file__).resolve().parent.parent / "mappings" / "default.toml"

# Filled in by the importer, never read from a source field.
_NOT_MAPPABLE = frozenset({"id", "geom", "updated_at", "search_key"})
_LAYER_KEYS = frozenset({"target", "fields", "constants", "values", "srid"})
SERVICE_SEGMENT = "service_segment"


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


# Pipes come first so that premises in the same file can name the pipe that serves them.
TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("pipes", PipeSegment, "LineString"),
        Target("valves", Valve, "Point"),
        Target("sources", Source, "Point"),
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

    # The importer talks to a mapping only through the three members below: which source
    # fields to read, whether a source row is imported at all, and what a column stores.

    @property
    def source_fields(self) -> list[str]:
        """The source fields an import reads, as `bind` spelled them."""
        return list(dict.fromkeys(self.fields.values()))

    def bind(self, layer_fields: list[str]) -> "LayerMapping":
        """The mapping with source field names spelled as the layer spells them."""
        actual = {name.lower(): name for name in layer_fields}
        missing = [f for f in self.fields.values() if f.lower() not in actual]
        if missing:
            raise MappingError(
                f"layer {self.layer!r} has no field {', '.join(missing)}; "
                f"its fields are: {', '.join(layer_fields)}"
            )
        fields = {name: actual[f.lower()] for name, f in self.fields.items()}
        return replace(self, fields=fields)

    def keeps(self, source: Mapping[str, object]) -> bool:
        """Whether a source row (source field -> raw value) is imported at all."""
        return True

    def column_value(self, name: str, raw: object) -> object:
        """What column `name` stores for the source value `raw`; BadValueError says why not."""
        return value_clean(
            field=self.target.columns[name], raw=raw, translate=self.values.get(name)
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
    unknown = set(data) - {"layers"}
    if unknown:
        raise MappingError(f"{path}: unknown top-level keys {', '.join(sorted(unknown))}")
    try:
        return [_layer_mapping(name, table) for name, table in layers.items()]
    except MappingError as exc:
        raise MappingError(f"{path}: {exc}") from None


def _layer_mapping(name: str, table: object) -> LayerMapping:
    if not isinstance(table, dict):
        raise MappingError(f"layer {name!r}: expected a table")
    unknown = set(table) - _LAYER_KEYS
    if unknown:
        raise MappingError(f"layer {name!r}: unknown keys {', '.join(sorted(unknown))}")
    target_name = table.get("target")
    target = TARGETS.get(target_name) if isinstance(target_name, str) else None
    if target is None:
        raise MappingError(f"layer {name!r}: target must be one of {', '.join(TARGETS)}")
    fields = _str_table(name, "fields", table.get("fields", {}))
    values = {
        model_field: _str_table(name, f"values.{model_field}", translation)
        for model_field, translation in _table(name, "values", table.get("values", {})).items()
    }
    srid = table.get("srid")
    if srid is not None:
        _check_srid(name, srid)
    constants = _constants(name, target, _table(name, "constants", table.get("constants", {})))
    _check_fields(name, target, fields, constants, values)
    return LayerMapping(name, target, fields, constants, values, srid)


def _table(layer: str, key: str, value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise MappingError(f"layer {layer!r}: {key} must be a table")
    return value


def _str_table(layer: str, key: str, value: object) -> dict[str, str]:
    table = _table(layer, key, value)
    for k, v in table.items():
        if not isinstance(v, str):
            raise MappingError(f"layer {layer!r}: {key}.{k} must be a string, got {v!r}")
    return {k: str(v) for k, v in table.items()}


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
        if name not in columns or name in ("asset_id", SERVICE_SEGMENT):
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
    values: dict[str, dict[str, str]],
) -> None:
    columns = target.columns
    unknown = (set(fields) | set(values)) - set(columns)
    if unknown:
        raise MappingError(
            f"layer {layer!r}: {target.name} has no field {', '.join(sorted(unknown))}; "
            f"it has {', '.join(columns)}"
        )
    if "asset_id" not in fields:
        raise MappingError(f"layer {layer!r}: fields must map asset_id to a source field")
    both = set(fields) & set(constants)
    if both:
        raise MappingError(f"layer {layer!r}: {', '.join(sorted(both))} both mapped and constant")
    untranslated = set(values) - set(fields)
    if untranslated:
        raise MappingError(
            f"layer {layer!r}: values given for {', '.join(sorted(untranslated))}, "
            "which no source field feeds"
        )
    if SERVICE_SEGMENT in values:
        raise MappingError(f"layer {layer!r}: service_segment takes pipe asset ids as they are")
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
