import csv
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from dispatch.errors import DispatchError
from dispatch.imports.columns import COLUMNS, header_line
from dispatch.imports.models import Kind
from dispatch.imports.report import ImportReport
from dispatch.imports.runner import import_file, import_run_record

PREVIEW = 10  # rows of a dry run's preview printed (the admin shows more)


class _Bar:
    """The runner's progress as a tqdm bar on stderr, one per phase."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: tqdm[Any] | None = None

    def phase(self, name: str, total: int) -> None:
        self.close()
        if self.enabled and total:
            self.bar = tqdm(total=total or None, desc=name, unit=" rows", file=sys.stderr)

    def update(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    help = (
        "Import a utility's customers, crews, vans or users from a CSV or XLSX file, updating "
        "by the utility's own ids. Order: users, crews, vans, then customers (any time after "
        "the network)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", choices=Kind.values)
        parser.add_argument("file", type=Path, help=".csv, .csv.gz or .xlsx")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report; change nothing"
        )
        parser.add_argument(
            "--encoding", default="", help="of a CSV: default utf-8 (BOM or not), else gb18030"
        )
        parser.add_argument(
            "--rejects-csv",
            type=Path,
            help="also write the rejected rows and unmatched addresses to this CSV file",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        kind: str = options["kind"]
        if not path.is_file():
            raise CommandError(
                f"{path}: no such file. A {kind} file is a CSV or XLSX whose first line is: "
                f"{header_line(kind)}"
            )
        bar = _Bar(enabled=not options["no_progress"])
        try:
            report = import_file(
                kind=kind,
                path=path,
                encoding=options["encoding"],
                dry_run=options["dry_run"],
                progress=bar,
            )
        except DispatchError as error:
            raise CommandError(error.message) from error
        finally:
            bar.close()
        if not report.dry_run:
            run = import_run_record(report)
            report.notes.append(f"(kept as import run {run.pk}, in the admin under Imports)")
        for line in report.lines():
            self.stdout.write(line)
        if report.dry_run and report.preview:
            changes = report.created + report.updated
            self.stdout.write(f"Preview: the first of the {changes} rows that would change:")
            for change in report.preview[:PREVIEW]:
                self.stdout.write(f"  line {change.line} [{change.key}]: {change.action}")
        if options["rejects_csv"]:
            _report_csv(options["rejects_csv"], report)
            self.stdout.write(f"rejected and unmatched rows written to {options['report']}")


def _report_csv(path: Path, report: ImportReport) -> None:
    """A sheet the utility can fix rows in: line, key, problem, and the address if unmatched."""
    key = COLUMNS[report.kind][0].name
    with path.open("w", newline="", encoding="utf-8-sig") as out:  # BOM: Excel reads UTF-8
        writer = csv.writer(out)
        writer.writerow(["line", key, "outcome", "reason", "address"])
        for r in report.rejected:
            writer.writerow([r.line, r.key, "rejected", r.reason, ""])
        for u in report.unmatched:
            writer.writerow([u.line, u.key, "imported without premises", u.reason, u.address])
