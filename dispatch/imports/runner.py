"""One import of one file, the same for the command and the admin's Celery task."""

import time
from pathlib import Path
from typing import Protocol

import tablib
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.errors import DispatchError
from dispatch.imports.columns import headers_check
from dispatch.imports.customers import customers_clean, customers_match, customers_write
from dispatch.imports.models import ImportRun, Kind
from dispatch.imports.reading import Table, table_read
from dispatch.imports.report import ImportReport
from dispatch.imports.resources import LINE, RESOURCES


class ImportFailedError(DispatchError):
    """Something no row check foresaw: everything was rolled back."""


class Progress(Protocol):
    def phase(self, name: str, total: int) -> None: ...
    def update(self, done: int) -> None: ...


class _Silent:
    def phase(self, name: str, total: int) -> None:
        pass

    def update(self, done: int) -> None:
        pass


def import_file(
    *,
    kind: str,
    path: Path,
    name: str = "",
    encoding: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import one file of `kind`; ImportRefusedError (nothing changed) if its columns are
    wrong, ImportFailedError (rolled back) on an unforeseen error."""
    started = time.monotonic()
    progress = progress or _Silent()
    progress.phase(_("reading"), 0)
    table = table_read(path, name=name or path.name, encoding=encoding)
    headers = headers_check(kind, table.headers)
    report = ImportReport(
        kind=kind,
        file_name=name or path.name,
        dry_run=dry_run,
        encoding=table.encoding,
        rows=len(table.rows) + len(table.misshapen),
    )
    for line, why in table.misshapen:
        report.reject(line, "", why)
    if kind == Kind.CUSTOMERS:
        _customers(table, headers, report, progress, dry_run=dry_run)
    else:
        _with_resource(kind, table, headers, report, progress, dry_run=dry_run)
    report.rejected.sort(key=lambda r: r.line)
    if kind == Kind.USERS and report.created:
        report.notes.append(
            _(
                "%d new user(s) have no password and cannot sign in yet: set one with "
                "`manage.py changepassword USERNAME`, or in the admin (Users, the user, 'Set "
                "password'); passwords never come from a file."
            )
            % report.created
        )
    report.seconds = round(time.monotonic() - started, 2)
    return report


def _customers(
    table: Table, headers: list[str], report: ImportReport, progress: Progress, *, dry_run: bool
) -> None:
    rows = customers_clean(table, headers, report)
    progress.phase(_("matching addresses"), len(rows))

    def tick(_phase: str, done: int, _total: int) -> None:
        progress.update(done)

    customers_match(rows, report, tick)
    progress.phase(_("writing"), 0)
    with transaction.atomic():
        customers_write(rows, report, email="email" in headers, flag="vulnerable" in headers)
        if dry_run:
            transaction.set_rollback(True)


def _with_resource(
    kind: str,
    table: Table,
    headers: list[str],
    report: ImportReport,
    progress: Progress,
    *,
    dry_run: bool,
) -> None:
    names = [h or f"_ignored_{i}" for i, h in enumerate(headers)]
    dataset = tablib.Dataset(headers=[*names, LINE])
    for line, values in table.rows:
        dataset.append([*values, line])
    progress.phase(_("rows"), len(dataset))
    resource = RESOURCES[kind](report=report, progress=progress.update)
    result = resource.import_data(dataset, dry_run=dry_run, use_transactions=True)
    if result.has_errors():  # the library has rolled everything back
        errors = list(result.base_errors)
        failed_line: int | None = None
        for number, row_errors in result.row_errors():
            errors += row_errors
            failed_line = failed_line or dataset[number - 1][-1]
        first = errors[0].error if errors else _("unknown error")
        where = (_(" on line %d") % failed_line) if failed_line else ""
        raise ImportFailedError(
            _("the import failed%(where)s and nothing was changed: %(error)s")
            % {"where": where, "error": first}
        )


def import_run_record(report: ImportReport) -> ImportRun:
    """Keep a finished command import's report, so its rejected rows and unmatched addresses
    can be looked up in the admin afterwards."""
    return ImportRun.objects.create(
        kind=report.kind,
        file_name=report.file_name,
        encoding=report.encoding,
        dry_run=report.dry_run,
        status=ImportRun.Status.DONE,
        rows_total=report.rows,
        rows_done=report.rows,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=len(report.rejected),
        unmatched=len(report.unmatched),
        report=report.as_dict(),
        finished_at=timezone.now(),
    )
