"""The import directory (settings.BILLING_IMPORT_DIR): the company's system drops its exports
there, a scheduled task imports each and moves it to done/ (or refused/ when its columns were
wrong), so a file is imported once and what happened to it can be seen in the folder too.

A file's kind is in its name: balances*.csv|xlsx (or 余额*) and usage*.csv|xlsx (or 用气*).
"""

import logging
import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from desk.billing.importing import billing_file_import
from desk.billing.models import BillingImportRun
from dispatch.imports.columns import ImportRefusedError

log = logging.getLogger(__name__)
KIND_PREFIXES = {
    BillingImportRun.Kind.BALANCES: ("balances", "balance", "余额"),
    BillingImportRun.Kind.USAGE: ("usage", "用气"),
}
SUFFIXES = (".csv", ".csv.gz", ".txt", ".xlsx")


def file_kind(name: str) -> str | None:
    lower = name.lower()
    if not lower.endswith(SUFFIXES):
        return None
    for kind, prefixes in KIND_PREFIXES.items():
        if lower.startswith(prefixes):
            return kind
    return None


def _claim(path: Path) -> Path | None:
    """Move the file into working/ (a rename is atomic): of two workers, one gets it."""
    working = path.parent / "working"
    working.mkdir(exist_ok=True)
    target = working / path.name
    try:
        os.rename(path, target)
    except FileNotFoundError:
        return None
    return target


def _file_away(path: Path, folder: str) -> None:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    target = path.parent.parent / folder
    target.mkdir(exist_ok=True)
    os.rename(path, target / f"{stamp}-{path.name}")


def billing_inbox_import(*, directory: Path | None = None) -> list[BillingImportRun]:
    """Import every billing file waiting in the directory, balances before usage."""
    folder = Path(directory or getattr(settings, "BILLING_IMPORT_DIR", "") or "")
    if not str(folder) or str(folder) == "." or not folder.is_dir():
        return []
    waiting = sorted(
        (p for p in folder.iterdir() if p.is_file() and file_kind(p.name)),
        key=lambda p: (file_kind(p.name) != BillingImportRun.Kind.BALANCES, p.name),
    )
    runs = []
    for path in waiting:
        kind = file_kind(path.name)
        claimed = _claim(path)
        if kind is None or claimed is None:
            continue
        try:
            report, run = billing_file_import(
                kind=kind, path=claimed, name=path.name, source="directory"
            )
        except ImportRefusedError as error:
            log.warning("billing file %s refused: %s", path.name, error.message)
            _file_away(claimed, "refused")
            found = BillingImportRun.objects.filter(file_name=path.name).first()
            if found is not None:
                runs.append(found)
            continue
        except Exception:
            # Rolled back; left in working/ for a person to look at, not retried forever.
            log.exception("billing file %s failed", path.name)
            continue
        log.info("%s", report.summary())
        _file_away(claimed, "done")
        runs.append(run)
    return runs
