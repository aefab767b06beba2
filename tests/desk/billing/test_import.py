"""The CIS's billing files: imported as documented, a dry run changes nothing, bad rows are
reported by line while good rows go in, unknown accounts are listed and never created, and the
same file twice (or an older one) changes nothing."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from desk.billing.importing import billing_file_import
from desk.billing.models import AccountBalance, BillingImportRun, MonthlyUsage, SupplyStatus
from desk.billing.tasks import billing_inbox_import_task
from dispatch.imports.columns import ImportRefusedError
from dispatch.models import Customer

SAMPLES = Path(__file__).resolve().parents[3] / "desk" / "billing" / "samples"
pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts() -> None:
    for n in range(1, 9):
        Customer.objects.create(account_no=f"GX{n:08d}", name=f"用户{n}")


def _state() -> list[tuple[object, ...]]:
    return sorted(
        AccountBalance.objects.values_list(
            "customer__account_no", "balance", "arrears", "arrears_since", "supply_status", "as_of"
        )
    )


def test_the_sample_files_import_every_account_and_twelve_months(accounts: None) -> None:
    out = StringIO()
    call_command(
        "import_billing",
        str(SAMPLES / "balances.csv"),
        usage=str(SAMPLES / "usage.csv"),
        stdout=out,
    )
    assert "8 created" in out.getvalue()
    assert "96 created" in out.getvalue()
    owing = AccountBalance.objects.get(customer__account_no="GX00000003")
    assert owing.arrears == Decimal("1250.00")
    assert owing.balance == Decimal("-1250.00")
    assert owing.supply_status == SupplyStatus.SUSPENDED_FOR_ARREARS
    assert str(owing.arrears_since) == "2026-06-01"
    assert MonthlyUsage.objects.filter(customer__account_no="GX00000008").count() == 12
    runs = BillingImportRun.objects.order_by("started_at")
    assert [(r.kind, r.created, r.dry_run) for r in runs] == [
        ("balances", 8, False),
        ("usage", 96, False),
    ]


def test_a_dry_run_counts_and_changes_nothing(accounts: None) -> None:
    out = StringIO()
    call_command("import_billing", str(SAMPLES / "balances.csv"), dry_run=True, stdout=out)
    assert "8 would be created" in out.getvalue()
    assert AccountBalance.objects.count() == 0


def test_bad_rows_are_reported_by_line_and_the_good_ones_imported(
    accounts: None, tmp_path: Path
) -> None:
    # What Chinese Excel saves as "CSV UTF-8": a BOM, the CIS's Chinese column names.
    text = (
        "户号,账户余额,欠费金额,欠费起始日期,供气状态,数据时间\n"
        'GX00000001,"1,200.00",0,,正常,2026-12-01 02:00\n'
        "GX00000002,12.3.4,0,,正常,2026-12-01 02:00\n"
        "GX00000003,-50,50,2026-13-01,欠费停气,2026-12-01 02:00\n"
        "GX77777777,-10,10,2026-11-01,正常,2026-12-01 02:00\n"
        "gx00000004,-20,20,2026-11-01,停气,2026-12-01 02:00\n"
    )
    path = tmp_path / "balances.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    report, run = billing_file_import(kind="balances", path=path)
    assert [(r.line, r.key) for r in report.rejected] == [(3, "GX00000002"), (4, "GX00000003")]
    assert "balance '12.3.4' is not an amount" in report.rejected[0].reason
    assert "2026-11-30" in report.rejected[1].reason  # what to write instead
    assert [(u.line, u.key) for u in report.unknown] == [(5, "GX77777777")]
    assert not Customer.objects.filter(account_no="GX77777777").exists()
    assert sorted(AccountBalance.objects.values_list("customer__account_no", flat=True)) == [
        "GX00000001",
        "GX00000004",
    ]
    assert AccountBalance.objects.get(customer__account_no="GX00000001").balance == 1200
    assert (run.rejected, run.unknown, run.created) == (2, 1, 2)
    assert any("line 3 [GX00000002]" in line for line in report.lines())


def test_the_same_file_twice_or_an_older_one_changes_nothing(
    accounts: None, tmp_path: Path
) -> None:
    billing_file_import(kind="balances", path=SAMPLES / "balances.csv")
    before = _state()
    again, _run = billing_file_import(kind="balances", path=SAMPLES / "balances.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 8)
    older = tmp_path / "balances-old.csv"
    older.write_text(
        "account_no,balance,arrears,as_of\nGX00000001,0,999,2026-10-01 02:00\n", encoding="gbk"
    )
    late, _run = billing_file_import(kind="balances", path=older)
    assert late.older == 1
    assert _state() == before


def test_a_file_with_wrong_columns_is_refused_whole_and_recorded(
    accounts: None, tmp_path: Path
) -> None:
    path = tmp_path / "balances.csv"
    path.write_text("account,balanse,arrears,as_of\nGX00000001,1,0,2026-12-01\n")
    with pytest.raises(
        ImportRefusedError, match=r"missing column.*balance.*unknown column.*balanse"
    ):
        billing_file_import(kind="balances", path=path)
    assert AccountBalance.objects.count() == 0
    assert BillingImportRun.objects.get().status == BillingImportRun.Status.REFUSED


def test_files_dropped_in_the_import_directory_are_imported_once(
    accounts: None, tmp_path: Path
) -> None:
    (tmp_path / "usage-202612.csv").write_bytes((SAMPLES / "usage.csv").read_bytes())
    (tmp_path / "balances-202612.csv").write_bytes((SAMPLES / "balances.csv").read_bytes())
    (tmp_path / "notes.txt").write_text("not a billing file")
    with override_settings(BILLING_IMPORT_DIR=str(tmp_path)):
        assert billing_inbox_import_task() == 2
        assert billing_inbox_import_task() == 0  # moved away: the next run finds nothing
    assert AccountBalance.objects.count() == 8
    assert MonthlyUsage.objects.count() == 96
    assert sorted(p.name.split("-", 2)[-1] for p in (tmp_path / "done").iterdir()) == [
        "balances-202612.csv",
        "usage-202612.csv",
    ]
    assert (tmp_path / "notes.txt").exists()


def test_an_excel_usage_file_is_read_like_a_csv(accounts: None, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["户号", "月份", "用气量", "金额"])
    sheet.append(["GX00000001", "2026年11月", 61.5, 160.52])
    sheet.append(["GX00000001", "2026-13", 10, 26.1])
    book.save(tmp_path / "usage.xlsx")
    report, _run = billing_file_import(kind="usage", path=tmp_path / "usage.xlsx")
    assert [r.line for r in report.rejected] == [3]
    usage = MonthlyUsage.objects.get()
    assert (str(usage.month), usage.volume_m3, usage.amount) == (
        "2026-11-01",
        Decimal("61.5"),
        Decimal("160.52"),
    )
