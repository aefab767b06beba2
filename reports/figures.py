"""The figures of a scope: the share, the mean and the distribution (median, 90th and 97th
percentile, the longest), never the mean alone. Each source's figures come from one statement
over its rows (reports.parts), for the days of the range not stored, merged with the stored
days' parts (reports.rollup): the same numbers either way, a year in a fraction of the time.

`figures_compute` is what the dashboard, the exports and the monthly report show;
`figure_items` lists the rows behind a figure (the drill-down), from the same definitions."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from reports.catalogue import BY_KEY, FIGURES, FigureSpec, preset_spec
from reports.labels import dim_labels
from reports.models import ReportPreset, ReportSettings
from reports.parts import Part, parts_of_row, parts_sql
from reports.rollup import days_stored, fingerprint, spans_live, stored_parts
from reports.scope import Scope
from reports.sources import CALLS, Source

REPORT_WORK_MEM = "64MB"
ITEMS_MAX = 500  # a drill-down lists this many rows; the total says how many there are


@dataclass
class Row:
    key: str | None  # the breakdown's value (a station's id, a day...); None for the total
    label: str
    count: int = 0
    hits: int = 0
    over: int = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None
    p97: float | None = None
    longest: float | None = None

    @property
    def share(self) -> float | None:
        return self.hits / self.count if self.count else None


@dataclass
class Figure:
    spec: FigureSpec
    total: Row
    rows: list[Row] = field(default_factory=list)
    # Why there is no breakdown or no figure ("calls have no crew"); empty when there is.
    not_applicable: str = ""
    target: float | None = None  # a preset's target share
    average_max: float | None = None
    longest_max: float | None = None

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def value(self) -> float | None:
        """The headline: a count, a share, a mean score, or a distribution's median."""
        kind = self.spec.kind
        if kind == "count":
            return float(self.total.count)
        if kind == "share":
            return self.total.share
        if kind == "mean":
            return self.total.mean
        return self.total.median

    @property
    def meets_target(self) -> bool | None:
        """Whether a preset's marks are all met (None when it has none or there is no data)."""
        checks = []
        if self.target is not None and self.total.share is not None:
            checks.append(self.total.share >= self.target)
        if self.average_max is not None and self.total.mean is not None:
            checks.append(self.total.mean <= self.average_max)
        if self.longest_max is not None and self.total.count:
            checks.append(self.total.over == 0)
        return all(checks) if checks else None


def figure_params(scope: Scope, thresholds: ReportSettings) -> dict[str, Any]:
    return {
        "t0": scope.t0,
        "t1": scope.t1,
        "as_of": min(scope.t1, scope.now),
        "now": scope.now,
        "units": list(scope.units),
        "tz": settings.TIME_ZONE,
        "category": scope.category,
        "priority": scope.priority,
        "channel": scope.channel,
        "work_order_minutes": thresholds.work_order_minutes,
        "made_safe_hours": thresholds.made_safe_hours,
        "repeat_days": thresholds.repeat_days,
        "answer_seconds": thresholds.answer_seconds,
    }


def rows_where(
    source: Source,
    scope: Scope,
    *,
    as_of_end: bool = False,
    spans: list[tuple[datetime, datetime]] | None = None,
) -> str | None:
    """The WHERE clause of a source's rows in the scope (None: the filters rule it out, as a
    priority rules out desk cases, which have none). `spans`: only these runs of the range
    (the days not read from storage), bound as %(span<n>_0)s and %(span<n>_1)s (span_params)."""
    if as_of_end:
        when = f"{source.time} < %(as_of)s"
    elif spans is not None:
        when = " OR ".join(
            f"({source.time} >= %(span{n}_0)s AND {source.time} < %(span{n}_1)s)"
            for n in range(len(spans))
        )
    else:
        when = f"{source.time} >= %(t0)s AND {source.time} < %(t1)s"
    parts = [when, f"{source.unit} = ANY(%(units)s)", source.base]
    if scope.category:
        parts.append(f"{source.category} = %(category)s")
    if scope.channel:
        parts.append(f"{source.channel} = %(channel)s")
    if scope.priority is not None:
        if source.priority is not None:
            parts.append(f"{source.priority} = %(priority)s")
        elif source is CALLS:
            parts.append(
                "c.incident_id IN (SELECT p.id FROM dispatch_incident p "
                "WHERE p.priority = %(priority)s)"
            )
        else:
            return None
    return " AND ".join(f"({p})" for p in parts)


def span_params(spans: list[tuple[datetime, datetime]]) -> dict[str, datetime]:
    return {f"span{n}_{i}": t for n, span in enumerate(spans) for i, t in enumerate(span)}


def figure_where(spec: FigureSpec, scope: Scope) -> str | None:
    """The WHERE clause of the rows a figure counts (its source's, eligible for it)."""
    where = rows_where(spec.source, scope, as_of_end=spec.as_of_end)
    return None if where is None else f"{where} AND ({spec.eligible})"


def _row(key: str | None, label: str, part: Part) -> Row:
    percentiles = part.percentiles() if part.count else None
    p50, p90, p97 = percentiles if percentiles else (None, None, None)
    return Row(
        key=key,
        label=label,
        count=part.count,
        hits=part.hits,
        over=part.over,
        mean=part.mean,
        median=p50,
        p90=p90,
        p97=p97,
        longest=part.longest,
    )


Parts = dict[tuple[str, str | None], Part]


def parts_live(
    specs: list[FigureSpec], where: str, keys: list[str], params: dict[str, Any]
) -> list[tuple[tuple[Any, ...], list[Part]]]:
    """Each row of the record's parts: its key values, and each spec's Part."""
    with connection.cursor() as cursor:
        cursor.execute(parts_sql(specs, where, keys), params)
        found = cursor.fetchall()
    return [(tuple(row[: len(keys)]), parts_of_row(specs, row, len(keys))) for row in found]


def _pass(
    specs: list[FigureSpec], scope: Scope, params: dict[str, Any], stored: list[date]
) -> list[Figure]:
    """The figures of one source (and one time filter): the stored days' parts and the
    record's for the rest of the range, merged."""
    source = specs[0].source
    stored = [] if specs[0].as_of_end else stored
    spans = spans_live(scope, stored) if stored else None
    where = rows_where(source, scope, as_of_end=specs[0].as_of_end, spans=spans)
    if where is not None and len(specs) == 1:
        # A figure alone (a backlog) may find its rows by an index on what makes them count.
        where = f"{where} AND ({specs[0].eligible})"
    if where is None:
        why = _("%(what)s have no priority") % {"what": source.noun}
        return [
            Figure(spec=s, total=Row(key=None, label=_("All")), not_applicable=why) for s in specs
        ]
    dim = source.dims.get(scope.by)
    parts: Parts = {}
    if spans is None or spans:  # some of the range is read from the record
        live = {**params, **span_params(spans or [])}
        for (k,), found in parts_live(specs, where, [dim or "NULL::text"], live):
            for spec, part in zip(specs, found, strict=True):
                parts[(spec.key, k)] = part
    if stored:
        for key, part in stored_parts(source, specs, scope, stored).items():
            parts.setdefault(key, Part()).add(part)
    labels = dim_labels(scope.by, sorted({k for (_f, k), p in parts.items() if k and p.count}))
    figures = []
    for spec in specs:
        total = Part()
        rows = []
        for (figure, k), part in parts.items():
            if figure != spec.key or not part.count:
                continue  # a breakdown value with nothing this figure counts is no row of it
            total.add(part)
            label = labels.get(k, _("(none)")) if k is not None else _("(none)")
            rows.append(_row(k, label, part))
        made = Figure(spec=spec, total=_row(None, _("All"), total))
        if dim is None:
            made.not_applicable = _("this figure has no breakdown by %(by)s") % {"by": scope.by}
        else:
            periods = scope.by in ("day", "month", "year")
            made.rows = sorted(rows, key=lambda r: (r.key is None, r.key if periods else r.label))
        figures.append(made)
    return figures


def presets_active() -> list[ReportPreset]:
    return list(ReportPreset.objects.filter(active=True))


def preset_params(preset: ReportPreset, params: dict[str, Any], n: int = 0) -> dict[str, Any]:
    """The parameters of preset_spec(preset, n)."""
    return {
        **params,
        f"preset{n}_categories": list(preset.categories),
        f"preset{n}_priority_max": preset.priority_max,
        f"preset{n}_minutes": preset.attend_minutes,
        f"preset{n}_longest": preset.longest_max_minutes,
    }


def figures_compute(scope: Scope, keys: Iterable[str] | None = None) -> list[Figure]:
    """The figures of a scope (all of them, or those keyed), the presets' after the rest: one
    statement per source (the backlogs, counted at the range's end, in one of their own)."""
    thresholds = ReportSettings.current()
    params = figure_params(scope, thresholds)
    wanted = set(keys) if keys is not None else None
    every = list(FIGURES)
    presets: dict[str, ReportPreset] = {}
    active = presets_active()
    for n, preset in enumerate(active):
        spec = preset_spec(preset, n)
        every.append(spec)
        presets[spec.key] = preset
        params = preset_params(preset, params, n)
    specs = [spec for spec in every if wanted is None or spec.key in wanted]
    passes: dict[tuple[str, bool], list[FigureSpec]] = {}
    for spec in specs:
        passes.setdefault((spec.source.name, spec.as_of_end), []).append(spec)
    computed: dict[str, Figure] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        # A month's values gathered in memory, not on disk (bench/RESULTS.md, "Reports at a
        # year's scale"). For these statements only.
        cursor.execute("SET LOCAL work_mem = %s", [REPORT_WORK_MEM])
        stored = days_stored(scope, fingerprint(thresholds, active, every))
        for group in passes.values():
            computed.update((f.key, f) for f in _pass(group, scope, params, stored))
    for key, preset in presets.items():
        if key not in computed:
            continue
        figure = computed[key]
        figure.target = preset.target_share
        figure.average_max = preset.average_max_minutes
        figure.longest_max = preset.longest_max_minutes
    return [computed[spec.key] for spec in specs]


def spec_for(key: str) -> tuple[FigureSpec, ReportPreset | None] | None:
    if key in BY_KEY:
        return BY_KEY[key], None
    if key.startswith("preset:"):
        preset = ReportPreset.objects.filter(code=key.removeprefix("preset:")).first()
        if preset is not None:
            return preset_spec(preset), preset
    return None


# What a drill-down row shows, by source: its id, reference, time, unit and case type.
_ITEM_COLUMNS = {
    "incidents": "i.id, i.reference, i.first_call_at, i.station_id, i.category",
    "calls": "c.id, (SELECT p.reference FROM dispatch_incident p WHERE p.id = c.incident_id), "
    "c.received_at, c.unit_id, c.category",
    "cases": "k.id, k.reference, k.created_at, k.unit_id, k.category",
    "callbacks": "b.id, COALESCE(bi.reference, bk.reference), b.due_at, b.unit_id, bc.category",
    "phone": "l.id, (SELECT lp.reference FROM dispatch_call lc2 JOIN dispatch_incident lp "
    "ON lp.id = lc2.incident_id WHERE lc2.id = l.call_id), l.rang_at, ps.unit_id, "
    "COALESCE((SELECT lc.category FROM dispatch_call lc WHERE lc.id = l.call_id), '')",
}


@dataclass
class Item:
    source: str
    id: int
    reference: str | None
    at: datetime
    unit_id: int
    category: str
    hit: bool | None
    value: float | None


def figure_items(
    scope: Scope, key: str, *, which: str = "all", group: str | None = None
) -> tuple[int, list[Item]]:
    """The rows behind a figure (which: all, hit or missed; group: one breakdown value),
    worst first: how many there are, and the first ITEMS_MAX of them."""
    found = spec_for(key)
    if found is None:
        raise KeyError(key)
    spec, preset = found
    params = figure_params(scope, ReportSettings.current())
    if preset is not None:
        params = preset_params(preset, params)
    where = figure_where(spec, scope)
    if where is None:
        return 0, []
    if which == "hit":
        where += f" AND ({spec.hit}) IS TRUE"
    elif which == "missed":
        where += f" AND ({spec.hit}) IS NOT TRUE"
    dim = spec.source.dims.get(scope.by)
    if group is not None and dim is not None:
        where += f" AND ({dim}) IS NOT DISTINCT FROM %(group)s"
        params["group"] = group
    columns = f"{_ITEM_COLUMNS[spec.source.name]}, ({spec.hit}), ({spec.value})::float8"
    tables = spec.source.from_clause(f"{columns} {spec.joins} {where}")
    base = f"FROM {tables} {spec.joins} WHERE {where}"
    # Misses first, the longest of them first; then by time.
    sql = (
        f"SELECT {columns} {base} "
        f"ORDER BY ({spec.hit}) IS TRUE, 7 DESC NULLS LAST, 3 LIMIT {ITEMS_MAX}"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) {base}", params)
        (count,) = cursor.fetchone()
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return count, [Item(spec.source.name, *row) for row in rows]
