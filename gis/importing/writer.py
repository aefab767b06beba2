"""Writing one layer: checked rows COPYed into a staging table, then set-based upserts."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.utils.translation import gettext as _
from psycopg import sql

from gis.importing.mapping import HEAT_STATION, SERVICE_SEGMENT, TRANSFORMER, LayerMapping
from gis.importing.report import ImportReport, Problem
from gis.models import PipeSegment, PowerDevice, Source

STAGE = "import_stage"
StagedRow = tuple[object, ...]
# The premise columns naming another asset besides the service pipe: (staged column, table,
# kind the asset must be, alias in the upsert, what a warning calls it).
_REFERENCES = {
    TRANSFORMER: ("transformer_ref", PowerDevice, "transformer", "tr"),
    HEAT_STATION: ("heat_station_ref", Source, "substation", "hs"),
}


class LayerWriter:
    """Upserts the rows of one layer by asset id, a chunk at a time through a staging table."""

    def __init__(self, layer_mapping: LayerMapping, columns: list[str], report: ImportReport):
        self.mapping = layer_mapping
        self.model = layer_mapping.target.model
        self.fields = {f.name: f for f in self.model._meta.concrete_fields}
        self.columns = columns  # staged, in the order rows give them
        self.report = report
        self.counts = report.counts[layer_mapping.target.name]
        self.linked = SERVICE_SEGMENT in layer_mapping.fields
        self.premises = layer_mapping.target.name == "premises"
        self.references = [r for r in _REFERENCES if self.premises and r in layer_mapping.fields]
        # A staged row: number in the layer, asset id, WKB in WGS 84, the columns, service ref
        # and, for premises, the transformer and heat substation refs and the nearest main's
        # id (0: none within reach).
        self.staged = [
            "number",
            "asset_id",
            "geom",
            *columns,
            "service_ref",
            *(["transformer_ref", "heat_station_ref", "nearest"] if self.premises else []),
        ]
        self._copy_sql = sql.SQL("COPY {stage} ({columns}) FROM STDIN").format(
            stage=sql.Identifier(STAGE),
            columns=sql.SQL(", ").join(map(self._column, self.staged)),
        )
        self._upsert, self._upsert_params = self._upsert_sql()

    @contextmanager
    def staging(self) -> Iterator[None]:
        """A staging table for the layer's rows while the block runs."""
        columns = [
            sql.SQL("{} {}").format(
                self._column(n), sql.SQL(str(self.fields[n].db_type(connection)))
            )
            for n in self.columns
        ]
        with connection.cursor() as cursor:
            # The target's own column types, so the upsert casts nothing; no constraints or
            # indexes, so COPY only parses. Dropped with the transaction at the latest.
            _execute(
                cursor,
                sql.SQL(
                    "DROP TABLE IF EXISTS pg_temp.{stage}; "
                    "CREATE TEMP TABLE {stage} (number integer, asset_id text, geom bytea, "
                    "service_ref text, transformer_ref text, heat_station_ref text, nearest bigint"
                    "{columns}) ON COMMIT DROP"
                ).format(
                    stage=sql.Identifier(STAGE),
                    columns=sql.SQL("").join(sql.SQL(", ") + c for c in columns),
                ),
            )
        yield
        with connection.cursor() as cursor:
            # pg_temp: never a permanent table that happens to share the name.
            _execute(cursor, sql.SQL("DROP TABLE pg_temp.{}").format(sql.Identifier(STAGE)))

    def write(self, rows: list[StagedRow]) -> None:
        """COPY rows into the staging table, upsert them all, and empty it again."""
        if not rows:
            return
        with connection.cursor() as cursor:
            with cursor.copy(self._copy_sql.as_string(cursor.connection)) as copy:
                for row in rows:
                    copy.write_row(row)
            if self.linked:
                self._warn_unknown_services(cursor)
            for name in self.references:
                self._warn_unknown_reference(cursor, name)
            if self.premises:
                self.report.premises_connected += self._connected_by_nearness(cursor)
            _execute(cursor, self._upsert, self._upsert_params)
            created, updated = cursor.fetchone()
            _execute(cursor, sql.SQL("TRUNCATE {}").format(sql.Identifier(STAGE)))
        # Every staged row was inserted, written over a row with its asset id, or matched a
        # row whose values are all the same already (left alone: no row is returned for it).
        self.counts.created += created
        self.counts.updated += updated
        self.counts.unchanged += len(rows) - created - updated

    def _warn_unknown_services(self, cursor: CursorWrapper) -> None:
        _execute(
            cursor,
            sql.SQL(
                "SELECT s.number, s.asset_id, s.service_ref FROM {stage} s "
                "WHERE s.service_ref IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM {pipes} p WHERE p.asset_id = s.service_ref) ORDER BY s.number"
            ).format(
                stage=sql.Identifier(STAGE),
                pipes=sql.Identifier(PipeSegment._meta.db_table),
            ),
        )
        for number, asset_id, ref in cursor.fetchall():
            reason = _("service pipe %s not found; left to the nearest-main pass") % ref
            self.report.warnings.append(Problem(self.mapping.layer, number, asset_id, reason))

    def _warn_unknown_reference(self, cursor: CursorWrapper, name: str) -> None:
        staged, model, kind, _alias = _REFERENCES[name]
        _execute(
            cursor,
            sql.SQL(
                "SELECT s.number, s.asset_id, s.{ref} FROM {stage} s "
                "WHERE s.{ref} IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM {table} a WHERE a.asset_id = s.{ref} AND a.kind = {kind}) "
                "ORDER BY s.number"
            ).format(
                ref=sql.Identifier(staged),
                stage=sql.Identifier(STAGE),
                table=sql.Identifier(model._meta.db_table),
                kind=sql.Literal(kind),
            ),
        )
        for number, asset_id, ref in cursor.fetchall():
            if name == TRANSFORMER:
                reason = _("transformer %s not found; the premise is left without one") % ref
            else:
                reason = _("heat substation %s not found; the premise is left without one") % ref
            self.report.warnings.append(Problem(self.mapping.layer, number, asset_id, reason))

    def _connected_by_nearness(self, cursor: CursorWrapper) -> int:
        """Staged premises the upsert gives their nearest main: those naming no main that
        exists, and (when the file has no service field) those without one yet."""
        _execute(
            cursor,
            sql.SQL(
                "SELECT count(*) FROM {stage} s "
                "LEFT JOIN {pipes} pipe ON pipe.asset_id = s.service_ref "
                "LEFT JOIN {premises} t ON t.asset_id = s.asset_id "
                "WHERE pipe.id IS NULL AND s.nearest > 0 "
                "AND (t.service_segment_id IS NULL OR {linked})"
            ).format(
                stage=sql.Identifier(STAGE),
                pipes=sql.Identifier(PipeSegment._meta.db_table),
                premises=sql.Identifier(self.model._meta.db_table),
                linked=sql.Literal(self.linked),
            ),
        )
        return int(cursor.fetchone()[0])

    def _upsert_sql(self) -> tuple[sql.Composed, list[object]]:
        inserted: list[sql.Composable] = []  # target columns
        selected: list[sql.Composable] = []  # what the SELECT gives each of them
        updated: list[sql.Composable] = []  # the columns a re-import overwrites
        compared: list[sql.Identifier] = []  # ...when one of them differs
        kept_or_filled: list[sql.Identifier] = []  # ...or one of these is empty and given
        params: list[object] = []
        done: set[str] = set()

        def put(name: str, value: sql.Composable, *, update: bool) -> None:
            done.add(name)
            inserted.append(self._column(name))
            selected.append(value)
            if update:
                updated.append(sql.SQL("{0} = EXCLUDED.{0}").format(self._column(name)))
                if name != "updated_at":
                    compared.append(self._column(name))

        put("asset_id", sql.SQL("s.asset_id"), update=False)
        put("geom", sql.SQL("ST_GeomFromWKB(s.geom, 4326)"), update=True)
        for name in self.columns:
            put(name, sql.SQL("s.{}").format(self._column(name)), update=True)
        for name, value in self.mapping.constants.items():
            put(name, sql.Placeholder(), update=True)
            params.append(self.fields[name].get_db_prep_save(value, connection))
        nearest = sql.SQL("NULLIF(s.nearest, 0)")
        if self.linked:
            # The main the file names (of a main the import split at its valves, the part
            # nearest the premise); else the nearest main.
            named = sql.SQL(
                "CASE WHEN pipe.split_from = pipe.asset_id THEN ("
                "SELECT part.id FROM {pipes} part "
                "WHERE part.split_from = pipe.asset_id AND part.status = 'in_service' "
                "ORDER BY ST_Distance(part.geom::geography, "
                "ST_GeomFromWKB(s.geom, 4326)::geography, false), part.id LIMIT 1"
                ") ELSE pipe.id END"
            ).format(pipes=sql.Identifier(PipeSegment._meta.db_table))
            put(SERVICE_SEGMENT, sql.SQL("COALESCE({}, {})").format(named, nearest), update=True)
        elif self.premises:
            # Not in the file: the nearest main on create; on update only where none is set
            # (a connection fixed by hand, or by a split, stays).
            put(SERVICE_SEGMENT, nearest, update=False)
            service = self._column(SERVICE_SEGMENT)
            updated.append(sql.SQL("{0} = COALESCE(t.{0}, EXCLUDED.{0})").format(service))
            kept_or_filled.append(service)
        for name in self.references:
            # What the file says, found or not: a premise moved to another transformer, or
            # to none, is moved on a re-import.
            put(name, sql.SQL("{}.id").format(sql.Identifier(_REFERENCES[name][3])), update=True)
        if "updated_at" in self.fields:
            put("updated_at", sql.SQL("now()"), update=True)
        # Columns the mapping leaves out: the model default on create (the database's own
        # when it has one), untouched on update.
        for name, field in self.fields.items():
            if field.primary_key or name in done or field.has_db_default():
                continue
            put(name, sql.Placeholder(), update=False)
            params.append(field.get_db_prep_save(field.get_default(), connection))
        join = sql.SQL(
            "LEFT JOIN {pipes} pipe ON pipe.asset_id = s.service_ref" if self.linked else ""
        ).format(pipes=sql.Identifier(PipeSegment._meta.db_table))
        for name in self.references:
            staged, model, kind, alias = _REFERENCES[name]
            join += sql.SQL(
                " LEFT JOIN {table} {alias} ON {alias}.asset_id = s.{ref} AND {alias}.kind = {kind}"
            ).format(
                table=sql.Identifier(model._meta.db_table),
                alias=sql.Identifier(alias),
                ref=sql.Identifier(staged),
                kind=sql.Literal(kind),
            )
        # A row whose values are all the same is left alone: no new row version, no index
        # entries, its updated_at kept. Re-importing a whole network to change a few rows is
        # how utilities work, and rewriting a million unchanged premises took minutes.
        # xmax is 0 on a row this statement inserted, and the updating transaction's id on
        # one it updated: how created rows are counted without reading first.
        statement = sql.SQL(
            "WITH upserted AS ("
            " INSERT INTO {table} AS t ({inserted}) SELECT {selected} FROM {stage} s {join}"
            " ON CONFLICT (asset_id) DO UPDATE SET {updated}"
            " WHERE ({current}) IS DISTINCT FROM ({incoming})"
            " RETURNING t.xmax = 0 AS created) "
            "SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) "
            "FROM upserted"
        ).format(
            table=sql.Identifier(self.model._meta.db_table),
            inserted=sql.SQL(", ").join(inserted),
            selected=sql.SQL(", ").join(selected),
            stage=sql.Identifier(STAGE),
            join=join,
            updated=sql.SQL(", ").join(updated),
            current=sql.SQL(", ").join(
                [sql.SQL("t.{}").format(c) for c in compared]
                + [sql.SQL("t.{}").format(c) for c in kept_or_filled]
            ),
            incoming=sql.SQL(", ").join(
                [sql.SQL("EXCLUDED.{}").format(c) for c in compared]
                + [sql.SQL("COALESCE(t.{0}, EXCLUDED.{0})").format(c) for c in kept_or_filled]
            ),
        )
        return statement, params

    def _column(self, name: str) -> sql.Identifier:
        field = self.fields.get(name)
        return sql.Identifier(str(field.column) if field else name)


def _execute(cursor: CursorWrapper, statement: sql.Composed, params: Sequence[Any] | None = None):
    # Rendered here: Django's cursor (and its query log) takes SQL as a string.
    cursor.execute(statement.as_string(cursor.connection), params)
