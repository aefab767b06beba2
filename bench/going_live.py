"""Benchmark: importing a city's customers (dispatch.imports) beside a bare COPY of the same rows.

600,000 accounts are written as the utility's billing system would export them (a CSV: account
id, name, phones, the address in the ways the billing clerks typed it, now and then a premise
id), from premises drawn with a fixed seed from the database's city. Then, in one transaction
that is rolled back at the end (the database is left as it was):

- baseline: the same rows read from the CSV and COPYed straight into dispatch_customer;
- import_file: the whole import (read, clean, match every address to a premise, write);
- import_file again: the same file, every row unchanged;
- django-import-export's own per-row path on 20,000 of the rows (no premises even), to show
  why the customers take a path of their own.

Build the city once (see RESULTS.md "The bench database"), then:

    .venv/bin/python bench/going_live.py            # about 5 minutes
"""

import argparse
import csv
import gzip
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["account_id", "name", "phones", "address", "premise_id", "email", "vulnerable"]


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.main")
    import django

    django.setup()


class Phases:
    """The runner's progress, kept as the time each phase started."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = []

    def phase(self, name: str, total: int) -> None:
        self.marks.append((name, time.perf_counter()))

    def update(self, done: int) -> None:
        pass

    def seconds(self, end: float) -> dict[str, float]:
        ends = [t for _n, t in self.marks[1:]] + [end]
        return {n: e - t for (n, t), e in zip(self.marks, ends, strict=True)}


def write_file(path: Path, count: int, seed: int) -> int:
    """The utility's export; returns how many addresses are written as they are registered."""
    from django.db import connection

    from demo.city.names import GIVEN, SURNAMES

    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed / 1000])
        cursor.execute(
            "SELECT asset_id, full_text, full_text_en, district FROM network_premise "
            "ORDER BY random() LIMIT %s",
            [count],
        )
        premises = cursor.fetchall()
    if len(premises) < count:
        raise SystemExit(f"the city has {len(premises)} premises; {count} are needed")
    full_width = str.maketrans("0123456789", "０１２３４５６７８９")
    with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for n, (asset, text, text_en, district) in enumerate(premises, start=1):
            roll, premise_id = rng.random(), ""
            if roll < 0.10:
                text = text_en
            elif roll < 0.16:
                text = text.translate(full_width)
            elif roll < 0.22:
                text = text.removeprefix(district)
            elif roll < 0.27:
                premise_id = asset
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            phones = f"13{n * 7919 % 10**9:09d}" + ("; 022-2345 6789" if roll > 0.9 else "")
            w.writerow([f"BL{n:08d}", name, phones, text, premise_id, "", ""])
    return count


def baseline_copy(path: Path) -> tuple[int, float]:
    """The same rows, read from the same file, COPYed into dispatch_customer as they are."""
    from django.db import connection

    started = time.perf_counter()
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        next(rows)
        with (
            connection.cursor() as cursor,
            cursor.copy(
                "COPY dispatch_customer (account_no, name, phones, address, vulnerable, "
                "created_at) "
                "FROM STDIN"
            ) as copy,
        ):
            count = 0
            for account, name, phones, address, *_rest in rows:
                copy.write_row((account, name, phones.split("; "), address, False, "now"))
                count += 1
    return count, time.perf_counter() - started


def import_export_rate(path: Path, rows: int) -> tuple[int, float]:
    """django-import-export's per-row path for the first `rows` rows (new accounts, without
    premises: what its bulk mode cannot write)."""
    import tablib
    from import_export import fields, resources, widgets

    from dispatch.models import Customer

    class PhonesWidget(widgets.Widget):
        def clean(self, value: Any, row: Any = None, **kwargs: Any) -> list[str]:
            return [p for p in (value or "").split("; ") if p]

    class CustomerResource(resources.ModelResource):
        account_id = fields.Field(attribute="account_no", column_name="account_id")
        phones = fields.Field(attribute="phones", column_name="phones", widget=PhonesWidget())

        class Meta:
            model = Customer
            fields = ("account_id", "name", "phones", "address")
            import_id_fields = ("account_id",)
            skip_unchanged = True
            skip_html_diff = True

    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        data = tablib.Dataset(headers=header)
        for row, _n in zip(reader, range(rows), strict=False):
            data.append(row)
    started = time.perf_counter()
    result = CustomerResource().import_data(data, use_transactions=True)
    assert not result.has_errors(), result.base_errors
    return result.totals["new"], time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=600_000)
    parser.add_argument("--sample", type=int, default=20_000, help="rows for import-export")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    _setup()
    from django.db import connection, transaction

    from dispatch.imports.runner import import_file
    from dispatch.models import Customer
    from gis.models import Premise

    with tempfile.TemporaryDirectory() as tmp, transaction.atomic():
        path = Path(tmp) / "customers.csv.gz"
        started = time.perf_counter()
        write_file(path, args.customers, args.seed)
        print(
            f"wrote {args.customers:,} accounts ({path.stat().st_size / 1e6:.1f} MB gzipped) in "
            f"{time.perf_counter() - started:.1f}s"
        )
        existing = Customer.objects.count()
        premises = Premise.objects.count()

        with transaction.atomic():
            copied, copy_s = baseline_copy(path)
            transaction.set_rollback(True)
        with transaction.atomic():
            ie_rows, ie_s = import_export_rate(path, args.sample)
            transaction.set_rollback(True)

        phases = Phases()
        started = time.perf_counter()
        report = import_file(kind="customers", path=path, progress=phases)
        first_s = time.perf_counter() - started
        first = phases.seconds(started + first_s)
        started = time.perf_counter()
        again = import_file(kind="customers", path=path)
        again_s = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            pg = cursor.fetchone()[0].split(" on ")[0]
        transaction.set_rollback(True)  # leave the bench database as it was

    n = args.customers
    print(
        f"\n- machine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {pg}"
    )
    print(f"- city: {premises:,} premises, {existing:,} customers already there")
    print("\n| measured | rows | seconds | rows/s | vs bare COPY |")
    print("|---|---:|---:|---:|---:|")
    rate = copied / copy_s
    for label, rows, seconds in (
        ("baseline: bare COPY of the same rows into dispatch_customer", copied, copy_s),
        ("import_file, new accounts (read, clean, match, write)", n, first_s),
        ("import_file, the same file again (all unchanged)", n, again_s),
        (f"django-import-export per-row path, {ie_rows:,} new rows, no premises", ie_rows, ie_s),
    ):
        print(
            f"| {label} | {rows:,} | {seconds:.1f} | {rows / seconds:,.0f} | "
            f"{rows / seconds / rate:.2f}x |"
        )
    print("\nimport_file phases (s): " + ", ".join(f"{k} {v:.1f}" for k, v in first.items()))
    print(
        f"first import: {report.created:,} created, {report.matched:,} matched "
        f"({100 * report.matched / n:.2f}%), {len(report.unmatched):,} unmatched, "
        f"{len(report.rejected):,} rejected"
    )
    print(
        f"second import: {again.created:,} created, {again.updated:,} updated, "
        f"{again.unchanged:,} unchanged"
    )


if __name__ == "__main__":
    main()
