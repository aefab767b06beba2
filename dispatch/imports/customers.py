"""Customers, a city's hundreds of thousands: cleaned in Python, matched to premises in bulk,
then COPYed into a staging table and merged with a handful of set-based statements.

Why not django-import-export here, as for crews: its per-row path (load, copy for the diff,
compare, validate, save) runs at a few hundred rows a second, and its bulk mode skips
many-to-many fields, which is where the premises are. bench/going_live.py measures both
beside a bare COPY. What it would give (header check, row errors, dry run, skip unchanged)
is done here the same way and reported in the same report.

The file is the utility's record of its accounts: a matched address sets the account's
premises to that premise; an unmatched one leaves the premises as they are (so a link made by
hand in the admin survives the next import) and is listed.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _

from dispatch.imports import cleaning
from dispatch.imports.matching import addresses_match, premises_by_asset_id
from dispatch.imports.reading import Table
from dispatch.imports.report import ImportReport, Unmatched

Progress = Callable[[str, int, int], None]  # phase, done, total

MAX = {"account_id": 32, "name": 200, "address": 300}  # the model's column lengths


@dataclass
class CustomerRow:
    line: int
    account_no: str
    name: str
    phones: list[str]
    address: str
    premise_asset: str
    email: str | None  # None: the file has no such column, leave the account's as it is
    vulnerable: bool | None
    premise_id: int | None = None


def customers_clean(table: Table, headers: list[str], report: ImportReport) -> list[CustomerRow]:
    """Every clean row; the others go to the report with their reason. The first row of an
    account wins over later ones."""
    index = {name: i for i, name in enumerate(headers) if name}
    has_email, has_flag = "email" in index, "vulnerable" in index
    seen: dict[str, int] = {}
    rows = []
    for line, values in table.rows:

        def cell(column: str, values: list[str] = values) -> str:
            return values[index[column]] if column in index else ""

        account = cell("account_id")
        try:
            if not account:
                raise ValueError(_("account_id is empty"))
            if account in seen:
                raise ValueError(
                    _(
                        "account_id %(key)s is also on line %(line)d: each appears once (the "
                        "first was imported)"
                    )
                    % {"key": account, "line": seen[account]}
                )
            for column, limit in MAX.items():
                if len(cell(column)) > limit:
                    raise ValueError(
                        _("%(column)s is longer than %(limit)d characters")
                        % {"column": column, "limit": limit}
                    )
            if not cell("name"):
                raise ValueError(_("name is empty"))
            row = CustomerRow(
                line=line,
                account_no=account,
                name=cell("name"),
                phones=cleaning.phones_clean(cell("phones")),
                address=cell("address"),
                premise_asset=cell("premise_id"),
                email=cleaning.email_clean(cell("email")) if has_email else None,
                vulnerable=cleaning.flag_clean(cell("vulnerable")) if has_flag else None,
            )
        except ValueError as error:
            report.reject(line, account, str(error))
            continue
        seen[account] = line
        rows.append(row)
    return rows


def customers_match(rows: list[CustomerRow], report: ImportReport, progress: Progress) -> None:
    """Each row's premise: by premise_id when given and known, else by its address."""
    by_asset = premises_by_asset_id([r.premise_asset for r in rows])
    unknown_asset = {}
    for row in rows:
        row.premise_id = by_asset.get(row.premise_asset)
        if row.premise_asset and row.premise_id is None:
            unknown_asset[row.line] = row.premise_asset
    pending = [r for r in rows if r.premise_id is None]
    found = addresses_match(
        [r.address for r in pending], progress=lambda done: progress("matching", done, len(pending))
    )
    for row, match in zip(pending, found, strict=True):
        row.premise_id = match.premise_id
        if match.premise_id is None:
            reason = match.reason
            if row.line in unknown_asset:
                reason = _("premise_id %(id)s is not in the network, and %(reason)s") % {
                    "id": unknown_asset[row.line],
                    "reason": reason,
                }
            report.unmatched.append(Unmatched(row.line, row.account_no, row.address, reason))
    report.matched = sum(1 for r in rows if r.premise_id is not None)


def customers_write(
    rows: list[CustomerRow], report: ImportReport, *, email: bool, flag: bool
) -> None:
    """Create the new accounts, update the changed ones, leave the rest; the caller holds the
    transaction (and rolls it back for a dry run)."""
    optional = [c for c, present in (("email", email), ("vulnerable", flag)) if present]
    with connection.cursor() as cursor:
        cursor.execute("""
            DROP TABLE IF EXISTS t_import_customer;
            CREATE TEMP TABLE t_import_customer (line int, account_no text, name text,
              phones text[], address text, email text, vulnerable bool, premise_id bigint,
              customer_id bigint, action text) ON COMMIT DROP
        """)
        with cursor.copy(
            "COPY t_import_customer (line, account_no, name, phones, address, email, "
            "vulnerable, premise_id) FROM STDIN"
        ) as copy:
            for r in rows:
                copy.write_row(
                    (
                        r.line,
                        r.account_no,
                        r.name,
                        r.phones,
                        r.address,
                        r.email,
                        r.vulnerable,
                        r.premise_id,
                    )
                )
        cursor.execute("ANALYZE t_import_customer")
        cursor.execute("""
            UPDATE t_import_customer t SET customer_id = c.id
            FROM dispatch_customer c WHERE c.account_no = t.account_no
        """)
        differs = " OR ".join(
            f"c.{column}::text IS DISTINCT FROM t.{column}::text"
            for column in ("name", "address", *optional)
        )
        # The premise differs when the account lacks it or has another one besides.
        cursor.execute(f"""
            UPDATE t_import_customer t SET action = 'update'
            FROM dispatch_customer c
            WHERE c.id = t.customer_id AND (
              {differs} OR c.phones::text[] IS DISTINCT FROM t.phones
              OR (t.premise_id IS NOT NULL AND (
                NOT EXISTS (SELECT 1 FROM dispatch_customer_premises cp
                            WHERE cp.customer_id = c.id AND cp.premise_id = t.premise_id)
                OR EXISTS (SELECT 1 FROM dispatch_customer_premises cp
                           WHERE cp.customer_id = c.id AND cp.premise_id <> t.premise_id))))
        """)  # noqa: S608 - column names from the code above, values bound
        assignments = ", ".join(f"{c} = t.{c}" for c in ("name", "phones", "address", *optional))
        cursor.execute(f"""
            UPDATE dispatch_customer c SET {assignments}
            FROM t_import_customer t WHERE t.action = 'update' AND c.id = t.customer_id
        """)  # noqa: S608
        cursor.execute("""
            WITH made AS (
              INSERT INTO dispatch_customer (account_no, name, phones, address, email,
                vulnerable, created_at)
              SELECT account_no, name, phones, address, coalesce(email, ''),
                coalesce(vulnerable, false), now()
              FROM t_import_customer WHERE customer_id IS NULL
              RETURNING id, account_no)
            UPDATE t_import_customer t SET customer_id = made.id, action = 'create'
            FROM made WHERE made.account_no = t.account_no
        """)
        cursor.execute("""
            DELETE FROM dispatch_customer_premises cp USING t_import_customer t
            WHERE t.action = 'update' AND t.premise_id IS NOT NULL
              AND cp.customer_id = t.customer_id AND cp.premise_id <> t.premise_id
        """)
        cursor.execute("""
            INSERT INTO dispatch_customer_premises (customer_id, premise_id)
            SELECT customer_id, premise_id FROM t_import_customer
            WHERE action IS NOT NULL AND premise_id IS NOT NULL
            ON CONFLICT DO NOTHING
        """)
        cursor.execute(
            "SELECT count(*) FILTER (WHERE action = 'create'), "
            "count(*) FILTER (WHERE action = 'update') FROM t_import_customer"
        )
        report.created, report.updated = cursor.fetchone()
        cursor.execute(
            "SELECT line, account_no, action FROM t_import_customer WHERE action IS NOT NULL "
            "ORDER BY line LIMIT 50"
        )
        for line, account, action in cursor.fetchall():
            report.change(line, account, action)
        cursor.execute("DROP TABLE t_import_customer")
    report.unchanged = len(rows) - report.created - report.updated
