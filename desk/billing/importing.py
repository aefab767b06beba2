"""Importing the CIS's billing files: read (dispatch.imports.reading: CSV in UTF-8 with or
without BOM or GBK, or XLSX), check the header, clean each row, then write in one transaction.

A bad row is reported with its line and what to write instead, and the good rows are still
imported; an account number we do not know is counted and listed, never created (customers
come from the customer import). Importing the same file again leaves the same state, and an
older export than the one stored changes nothing (a late file must not undo a newer one).
"""

import hashlib
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from desk.billing.columns import (
    COLUMNS,
    Kind,
    date_clean,
    headers_check,
    moment_clean,
    money_clean,
    month_clean,
    status_clean,
)
from desk.billing.models import AccountBalance, BillingImportRun, MonthlyUsage
from dispatch.imports.columns import ImportRefusedError
from dispatch.imports.reading import table_read
from dispatch.imports.report import Rejected
from dispatch.models import Customer

BALANCE_FIELDS = (
    "balance",
    "arrears",
    "arrears_since",
    "last_payment_at",
    "last_payment_amount",
    "supply_status",
    "as_of",
)
UNKNOWN_LISTED = 200  # a file for the wrong company would list thousands: the count says it


@dataclass
class BillingReport:
    kind: str
    file_name: str
    dry_run: bool
    encoding: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    older: int = 0  # rows older than the figures stored: left as they were
    rejected: list[Rejected] = field(default_factory=list)
    unknown: list[Rejected] = field(default_factory=list)
    unknown_count: int = 0
    seconds: float = 0.0

    def reject(self, line: int, key: str, reason: str) -> None:
        self.rejected.append(Rejected(line, key, reason))

    def unknown_account(self, line: int, key: str) -> None:
        self.unknown_count += 1
        if len(self.unknown) < UNKNOWN_LISTED:
            self.unknown.append(
                Rejected(
                    line,
                    key,
                    _(
                        "no customer has this account number: import the customer first "
                        "(import_people customers), then this file again"
                    ),
                )
            )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        counts = {
            "kind": str(Kind(self.kind).label),
            "file": self.file_name,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "older": self.older,
            "rejected": len(self.rejected),
            "unknown": self.unknown_count,
        }
        text = (
            _(
                "%(kind)s from %(file)s: %(rows)d rows; %(created)d would be created, "
                "%(updated)d would be updated, %(unchanged)d unchanged, %(older)d older than "
                "stored, %(rejected)d rejected, %(unknown)d unknown accounts"
            )
            if self.dry_run
            else _(
                "%(kind)s from %(file)s: %(rows)d rows; %(created)d created, %(updated)d "
                "updated, %(unchanged)d unchanged, %(older)d older than stored, %(rejected)d "
                "rejected, %(unknown)d unknown accounts"
            )
        ) % counts
        return text + (_(" (dry run: nothing was changed)") if self.dry_run else "")

    def lines(self) -> list[str]:
        """The whole report as text, for the command and the logs."""
        out = [self.summary()]
        for title, rows in (
            (_("Rejected rows (fix them and import the file again):"), self.rejected),
            (_("Unknown accounts (nothing imported for them):"), self.unknown),
        ):
            if rows:
                out.append(title)
                out += [
                    "  "
                    + _("line %(line)d [%(key)s]: %(reason)s")
                    % {"line": r.line, "key": r.key, "reason": r.reason}
                    for r in rows
                ]
        if self.unknown_count > len(self.unknown):
            out.append(_("  … and %d more") % (self.unknown_count - len(self.unknown)))
        return out


@dataclass(frozen=True)
class _Row:
    line: int
    account_no: str
    values: dict[str, Any]


def _clean_balance(cells: dict[str, str]) -> dict[str, Any]:
    arrears = money_clean(cells["arrears"], name=_("arrears"))
    assert arrears is not None  # not optional
    if arrears < 0:
        raise ValueError(_("arrears cannot be negative: write 0 when nothing is owed"))
    as_of = moment_clean(cells["as_of"], name=_("as of"))
    if as_of is None:
        raise ValueError(_("as_of is empty: write when the figures were drawn, 2026-11-30 18:00"))
    since = date_clean(cells.get("arrears_since", ""), name=_("arrears since"))
    return {
        "balance": money_clean(cells["balance"], name=_("balance")),
        "arrears": arrears,
        # A date of debt without a debt is stale: drop it so "in arrears since" means now.
        "arrears_since": since if arrears > 0 else None,
        "last_payment_at": moment_clean(cells.get("last_payment_at", ""), name=_("last payment")),
        "last_payment_amount": money_clean(
            cells.get("last_payment_amount", ""), name=_("last payment amount"), optional=True
        ),
        "supply_status": status_clean(cells.get("supply_status", "")),
        "as_of": as_of,
    }


def _clean_usage(cells: dict[str, str]) -> dict[str, Any]:
    volume = money_clean(cells["volume_m3"].replace("m3", "").replace("m³", ""), name="volume_m3")
    assert volume is not None
    if volume < 0:
        raise ValueError(_("volume_m3 cannot be negative"))
    return {
        "month": month_clean(cells["month"]),
        "volume_m3": volume,
        "amount": money_clean(cells["amount"], name=_("amount")),
    }


def _rows(kind: str, path: Path, name: str, report: BillingReport) -> list[_Row]:
    table = table_read(path, name=name)
    report.encoding = table.encoding
    headers = headers_check(kind, table.headers)
    report.rows = len(table.rows) + len(table.misshapen)
    for line, why in table.misshapen:
        report.reject(line, "", why)
    clean = _clean_balance if kind == Kind.BALANCES else _clean_usage
    rows: list[_Row] = []
    seen: dict[tuple[str, Any], int] = {}
    for line, values in table.rows:
        cells = {h: v for h, v in zip(headers, values, strict=True) if h}
        account_no = cells.get("account_no", "").strip()
        if not account_no:
            report.reject(line, "", _("account_no is empty"))
            continue
        try:
            cleaned = clean(cells)
        except ValueError as error:
            report.reject(line, account_no, str(error))
            continue
        key = (account_no, cleaned.get("month"))
        if key in seen:  # two rows for one account (and month): which is right is unknowable
            report.reject(
                line,
                account_no,
                _("the same account is on line %d too: keep one row") % seen[key],
            )
            continue
        seen[key] = line
        rows.append(_Row(line, account_no, cleaned))
    return rows


def _customers(rows: list[_Row], report: BillingReport) -> dict[str, int]:
    # As written, or upper-cased (gx00000001 for GX00000001): both use the unique index.
    numbers = {r.account_no for r in rows} | {r.account_no.upper() for r in rows}
    stored = dict(Customer.objects.filter(account_no__in=numbers).values_list("account_no", "id"))
    found = {}
    for row in rows:
        customer_id = stored.get(row.account_no) or stored.get(row.account_no.upper())
        if customer_id is None:
            report.unknown_account(row.line, row.account_no)
        else:
            found[row.account_no] = customer_id
    return found


def _write_balances(rows: list[_Row], customers: dict[str, int], report: BillingReport) -> None:
    now = timezone.now()
    ids = [customers[r.account_no] for r in rows if r.account_no in customers]
    stored = AccountBalance.objects.select_for_update().in_bulk(ids, field_name="customer_id")
    new, changed = [], []
    for row in rows:
        customer_id = customers.get(row.account_no)
        if customer_id is None:
            continue
        current = stored.get(customer_id)
        if current is None:
            new.append(AccountBalance(customer_id=customer_id, imported_at=now, **row.values))
        elif current.as_of > row.values["as_of"]:
            report.older += 1
        elif all(getattr(current, f) == row.values[f] for f in BALANCE_FIELDS):
            report.unchanged += 1
        else:
            for name, value in row.values.items():
                setattr(current, name, value)
            current.imported_at = now
            changed.append(current)
    AccountBalance.objects.bulk_create(new, batch_size=1000)
    AccountBalance.objects.bulk_update(changed, [*BALANCE_FIELDS, "imported_at"], batch_size=1000)
    report.created, report.updated = len(new), len(changed)


def _write_usage(rows: list[_Row], customers: dict[str, int], report: BillingReport) -> None:
    wanted = [(customers[r.account_no], r) for r in rows if r.account_no in customers]
    months = {r.values["month"] for _c, r in wanted}
    stored: dict[tuple[int, date], MonthlyUsage] = {
        (u.customer_id, u.month): u
        for u in MonthlyUsage.objects.select_for_update().filter(
            customer_id__in={c for c, _r in wanted}, month__in=months
        )
    }
    new, changed = [], []
    for customer_id, row in wanted:
        current = stored.get((customer_id, row.values["month"]))
        if current is None:
            new.append(MonthlyUsage(customer_id=customer_id, **row.values))
        elif (current.volume_m3, current.amount) == (row.values["volume_m3"], row.values["amount"]):
            report.unchanged += 1
        else:
            current.volume_m3, current.amount = row.values["volume_m3"], row.values["amount"]
            changed.append(current)
    MonthlyUsage.objects.bulk_create(new, batch_size=1000)
    MonthlyUsage.objects.bulk_update(changed, ["volume_m3", "amount"], batch_size=1000)
    report.created, report.updated = len(new), len(changed)


def billing_file_import(
    *, kind: str, path: Path, name: str = "", dry_run: bool = False, source: str = "command"
) -> tuple[BillingReport, BillingImportRun]:
    """Import one billing file of `kind` and record the run; ImportRefusedError (recorded,
    nothing changed) when its columns are wrong."""
    if kind not in Kind.values:
        raise ImportRefusedError(
            _("unknown kind %(kind)s: one of %(valid)s")
            % {"kind": kind, "valid": ", ".join(Kind.values)}
        )
    name = name or path.name
    started_at, started = timezone.now(), time.monotonic()
    report = BillingReport(kind=kind, file_name=name, dry_run=dry_run)
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        rows = _rows(kind, path, name, report)
    except ImportRefusedError as error:
        _record(report, sha256, source, started_at, BillingImportRun.Status.REFUSED, error)
        raise
    with transaction.atomic():
        customers = _customers(rows, report)
        if kind == Kind.BALANCES:
            _write_balances(rows, customers, report)
        else:
            _write_usage(rows, customers, report)
        report.rejected.sort(key=lambda r: r.line)
        report.seconds = round(time.monotonic() - started, 2)
        if dry_run:
            transaction.set_rollback(True)
    run = _record(report, sha256, source, started_at, BillingImportRun.Status.DONE, None)
    return report, run


def _record(
    report: BillingReport,
    sha256: str,
    source: str,
    started_at: datetime,
    status: str,
    error: Exception | None,
) -> BillingImportRun:
    return BillingImportRun.objects.create(
        kind=report.kind,
        file_name=report.file_name[:255],
        sha256=sha256,
        source=source,
        dry_run=report.dry_run,
        status=status,
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=len(report.rejected),
        unknown=report.unknown_count,
        message=str(getattr(error, "message", error or "")),
        report=report.as_dict(),
        started_at=started_at,
        finished_at=timezone.now(),
    )


def money(value: Decimal | None) -> str | None:
    """An amount as the API gives it: text with two decimals (no float rounding)."""
    return None if value is None else f"{value:.2f}"


__all__ = ["COLUMNS", "BillingReport", "billing_file_import", "money"]
