"""The reports as files: CSV of any one table (the summary, a figure's breakdown, or the rows
behind a figure) and an XLSX workbook with the summary and every figure's breakdown on its own
sheet. The same numbers as the dashboard: both are made from figures_compute and figure_items.

A CSV starts with a UTF-8 byte-order mark (Excel on Chinese Windows reads one without as GBK)."""

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from reports.figures import Figure, Row, figure_items, figures_compute
from reports.scope import Scope
from reports.sources import CALLBACKS, CALLS, CASES, INCIDENTS

BY_NAME = {s.name: s for s in (CALLS, CASES, INCIDENTS, CALLBACKS)}

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _headings() -> list[str]:
    return [
        _("figure"),
        _("breakdown"),
        _("key"),
        _("counted"),
        _("met"),
        _("share"),
        _("mean"),
        _("median"),
        _("90th percentile"),
        _("97th percentile"),
        _("longest"),
        _("over the preset's longest"),
        _("measured in"),
    ]


def measure_word(measure: str) -> str:
    """What a figure's values are in, in the reader's words."""
    words = {
        "calls": _("calls"),
        "cases": _("desk cases"),
        "incidents": _("repair jobs"),
        "share": _("share"),
        "minutes": _("minutes"),
        "seconds": _("seconds"),
        "hours": _("hours"),
        "score": _("score (1 to 5)"),
    }
    return str(words.get(measure, measure))


def _n(value: float | None, places: int = 4) -> float | str:
    return "" if value is None else round(value, places)


def row_cells(figure: Figure, row: Row) -> list[Any]:
    return [
        str(figure.spec.label),
        row.label,
        row.key if row.key is not None else "",
        row.count,
        row.hits if figure.spec.kind == "share" else "",
        _n(row.share) if figure.spec.kind == "share" else "",
        _n(row.mean, 2),
        _n(row.median, 2),
        _n(row.p90, 2),
        _n(row.p97, 2),
        _n(row.longest, 2),
        row.over if figure.longest_max is not None else "",
        measure_word(figure.spec.measure),
    ]


def summary_rows(figures: Iterable[Figure]) -> Iterator[list[Any]]:
    for figure in figures:
        yield row_cells(figure, figure.total)


def breakdown_rows(figure: Figure) -> Iterator[list[Any]]:
    yield row_cells(figure, figure.total)
    for row in figure.rows:
        yield row_cells(figure, row)


def _items_table(scope: Scope, key: str, which: str) -> tuple[list[str], list[list[Any]]]:
    _count, items = figure_items(scope, key, which=which)
    headings = [_("kind"), _("reference"), _("time"), _("unit id"), _("case type"), _("met")]
    headings.append(_("value"))
    rows = [
        [
            str(BY_NAME[i.source].noun),
            i.reference or "",
            timezone.localtime(i.at).isoformat(timespec="seconds"),
            i.unit_id,
            i.category,
            "" if i.hit is None else (_("yes") if i.hit else _("no")),
            _n(i.value, 2),
        ]
        for i in items
    ]
    return headings, rows


def csv_table(scope: Scope, *, figure: str = "", items: str = "") -> bytes:
    """One table as CSV: the summary (no figure), a figure's breakdown, or its rows (items:
    all, hit or missed). An unknown figure raises KeyError."""
    out = io.StringIO()
    writer = csv.writer(out)
    if figure and items:
        headings, rows = _items_table(scope, figure, items)
        writer.writerow(headings)
        writer.writerows(rows)
    elif figure:
        found = figures_compute(scope, keys=[figure])
        if not found:
            raise KeyError(figure)
        writer.writerow(_headings())
        writer.writerows(breakdown_rows(found[0]))
    else:
        writer.writerow(_headings())
        writer.writerows(summary_rows(figures_compute(scope)))
    return out.getvalue().encode("utf-8-sig")


def _clean(value: Any) -> Any:
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _sheet_title(figure: Figure, used: set[str]) -> str:
    # A sheet's name: at most 31 characters, none of []:*?/\ , unique in the workbook.
    base = "".join(c for c in str(figure.spec.label) if c not in "[]:*?/\\")[:28]
    title, n = base, 2
    while title in used:
        title, n = f"{base[:26]}-{n}", n + 1
    used.add(title)
    return title


def xlsx_workbook(scope: Scope) -> bytes:
    figures = figures_compute(scope)
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = _("Summary")[:31]
    summary.append([_("unit"), scope.unit.name, _("from"), scope.start, _("to"), scope.end])
    summary.append([])
    summary.append(_headings())
    for cell in summary[3]:
        cell.font = Font(bold=True)
    for cells in summary_rows(figures):
        summary.append([_clean(c) for c in cells])
    used = {summary.title}
    for figure in figures:
        sheet = book.create_sheet(_sheet_title(figure, used))
        sheet.append(_headings())
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for cells in breakdown_rows(figure):
            sheet.append([_clean(c) for c in cells])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_name(scope: Scope, extension: str, figure: str = "") -> str:
    what = f"-{figure.replace(':', '-')}" if figure else ""
    return f"report-{scope.unit.code}-{scope.start}-{scope.end}{what}.{extension}"
