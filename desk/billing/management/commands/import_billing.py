"""import_billing balances.csv [--usage usage.csv] [--dry-run]: the company's billing export
imported by hand (the scheduled task does the same for files dropped in BILLING_IMPORT_DIR)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from desk.billing.importing import billing_file_import
from desk.billing.models import BillingImportRun
from dispatch.imports.columns import ImportRefusedError


class Command(BaseCommand):
    help = "Import account balances (and monthly usage) exported by the company's billing system."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("balances", nargs="?", help="the balances file (CSV or XLSX)")
        parser.add_argument("--usage", help="the monthly usage file (CSV or XLSX)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count, change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        files = [
            (BillingImportRun.Kind.BALANCES, options["balances"]),
            (BillingImportRun.Kind.USAGE, options["usage"]),
        ]
        files = [(kind, name) for kind, name in files if name]
        if not files:
            raise CommandError(_("give a balances file, a --usage file, or both"))
        for _kind, name in files:
            if not Path(name).is_file():
                raise CommandError(_("%s: no such file") % name)
        refused = False
        for kind, name in files:
            try:
                report, _run = billing_file_import(
                    kind=kind, path=Path(name), dry_run=options["dry_run"]
                )
            except ImportRefusedError as error:
                self.stderr.write(f"{name}: {error.message}")
                refused = True
                continue
            for line in report.lines():
                self.stdout.write(line)
        if refused:
            raise CommandError(_("a file was refused: nothing was imported from it"))
