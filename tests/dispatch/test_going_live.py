"""Going live: a utility's own customers, crews, vans and users, from the files its systems
export (tests/dispatch/data/going_live, written once by make_files.py there), onto the demo
city's network."""

import csv
import gzip
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from demo.org import demo_organisation_load
from dispatch.imports.models import ImportRun
from dispatch.models import Crew, Customer, User
from dispatch.roles import Role
from dispatch.services import customer_delete_all, user_create
from fleet.models import Vehicle
from gis.address import search_key
from gis.models import OrgUnit
from tests.processes import Process, wait_until

DATA = Path(__file__).parent / "data" / "going_live"
FILES = [  # the order a utility goes live in: people, crews, their vans, then customers
    ("users", DATA / "users.csv"),
    ("crews", DATA / "crews.csv"),
    ("vans", DATA / "vans.xlsx"),
    ("customers", DATA / "customers.csv.gz"),
]
CLEAN_CUSTOMERS = 10_000  # GL0000001..GL0010000; the bad rows follow them


@pytest.fixture
def network(db: None) -> dict[str, OrgUnit]:
    """The demo city the files were written for, without its demo customers."""
    call_command("make_demo_city", "--premises", "10500", "--no-progress", stdout=StringIO())
    customer_delete_all()
    return demo_organisation_load()


def _import(kind: str, path: Path, *options: str) -> dict[str, Any]:
    """Run the command; the report of the run it kept."""
    out = StringIO()
    call_command("import_people", kind, str(path), "--no-progress", *options, stdout=out)
    run = ImportRun.objects.order_by("-id").first()
    assert run is not None, out.getvalue()
    assert run.kind == kind, out.getvalue()
    return run.report


def _snapshot() -> dict[str, list[Any]]:
    """Everything an import may write, in a comparable form."""
    links = Customer.premises.through.objects
    members = Crew.members.through.objects
    return {
        "customers": list(
            Customer.objects.order_by("account_no").values_list(
                "account_no", "name", "phones", "address", "email", "vulnerable"
            )
        ),
        "premises": sorted(links.values_list("customer__account_no", "premise__asset_id")),
        "crews": list(
            Crew.objects.order_by("code").values_list(
                "code", "name", "station__code", "skills", "shift_start", "shift_end"
            )
        ),
        "members": sorted(members.values_list("crew__code", "user__username")),
        "vans": list(
            Vehicle.objects.order_by("device_id").values_list(
                "device_id", "registration", "crew__code"
            )
        ),
        "users": list(
            User.objects.order_by("username").values_list(
                "username",
                "first_name",
                "last_name",
                "role",
                "org_unit__code",
                "phone",
                "email",
                "password",
                "is_staff",
                "is_superuser",
            )
        ),
    }


def _rejected(report: dict[str, Any]) -> dict[int, str]:
    return {r["line"]: r["reason"] for r in report["rejected"]}


def test_going_live_from_the_utilitys_files(network: dict[str, OrgUnit]) -> None:
    reports = {kind: _import(kind, path) for kind, path in FILES}

    assert User.objects.filter(username__startswith="gl.").count() == 108
    assert Crew.objects.count() == 50
    assert Vehicle.objects.count() == 50
    assert Customer.objects.count() == CLEAN_CUSTOMERS + 2  # and 2 whose address matched none
    assert [reports[k]["created"] for k, _ in FILES] == [108, 50, 50, CLEAN_CUSTOMERS + 2]

    crew = Crew.objects.get(code="C03")
    assert crew.station.code == "st-east"
    assert (crew.shift_start.hour, crew.shift_end.hour) == (20, 8)  # a night shift
    assert sorted(crew.members.values_list("username", flat=True)) == ["gl.c03a", "gl.c03b"]
    assert Vehicle.objects.get(device_id="GL-VAN-01").crew == Crew.objects.get(code="C01")
    # An IMEI that Excel kept as a number comes back as the same digits.
    imei = Vehicle.objects.get(device_id="860000000000010")
    assert imei.crew == Crew.objects.get(code="C10")
    member = User.objects.get(username="gl.c01a")
    assert member.role == Role.CREW_MEMBER
    assert not member.has_usable_password()
    assert "changepassword" in " ".join(reports["users"]["notes"])
    admin = User.objects.get(username="gl.admin")
    assert admin.is_staff
    assert admin.is_superuser
    assert not User.objects.get(username="gl.disp1").is_staff

    # At least 99% of the clean addresses matched, each to the premise it names.
    linked = list(
        Customer.premises.through.objects.filter(customer__account_no__lt="GL9").values_list(
            "customer__address", "premise_id", "premise__full_text_en", "premise__search_key"
        )
    )
    assert len(linked) >= 0.99 * CLEAN_CUSTOMERS
    for address, _premise, text_en, key in linked:
        assert address == text_en or key.endswith(search_key(address)), (address, key)
    assert len({premise for _a, premise, _t, _k in linked}) == len(linked)  # one each
    assert reports["customers"]["matched"] == len(linked)

    # Every bad row is listed with its reason; those with a bad address are kept, unlinked.
    assert _rejected(reports["customers"]) == {
        10002: "account_id is empty",
        10003: "1390000abc is not a phone number: digits only (a leading + allowed), 5 to 20 "
        "of them",
        10004: "account_id GL0000001 is also on line 2: each appears once (the first was imported)",
        10006: "not-an-email is not an e-mail address",
        10008: "8 values for 7 columns: a comma inside a value must be quoted",
    }
    unmatched = {u["key"]: u for u in reports["customers"]["unmatched"]}
    assert set(unmatched) == {"GL9000002", "GL9000005"}
    assert unmatched["GL9000002"]["address"] == "火星区火星路999号"
    assert "no premise, road or place" in unmatched["GL9000002"]["reason"]
    assert "several premises fit" in unmatched["GL9000005"]["reason"]
    assert not Customer.objects.get(account_no="GL9000002").premises.exists()
    assert Customer.objects.get(account_no="GL0000001").name != "重复账号"

    crews = _rejected(reports["crews"])
    assert "unknown skill(s) gas_fitting: the skill codes are leak_survey" in crews[52]
    assert "unknown station st-north" in crews[53]
    assert "st-central, st-east, st-west" in crews[53]
    assert "code C01 is also on line 2" in crews[54]
    assert crews[55] == "code is empty"
    assert crews[56].startswith("shift: 8点到20点 is not a shift: write start-end as 08:00-20:00")
    assert "unknown user(s) gl.nobody: import the users file before the crews" in crews[57]
    assert len(crews) == 6
    users = _rejected(reports["users"])
    assert "unknown role pilot: the role codes are call_taker, desk_agent, dispatcher" in users[110]
    assert "unknown organisation unit st-north" in users[111]
    assert "12ab is not a phone number" in users[112]
    assert "username gl.disp1 is also on line 106" in users[113]
    assert User.objects.get(username="gl.disp1").first_name == "Wei Zhang"
    vans = _rejected(reports["vans"])
    assert vans == {
        52: "crew: unknown crew C99: import the crews file first",
        53: "device_id GL-VAN-01 is also on line 2: each appears once (the first was imported)",
    }

    # The same files again change nothing: every clean row is counted as unchanged.
    before = _snapshot()
    again = {kind: _import(kind, path) for kind, path in FILES}
    assert _snapshot() == before
    assert [(again[k]["created"], again[k]["updated"]) for k, _ in FILES] == [(0, 0)] * 4
    assert [again[k]["unchanged"] for k, _ in FILES] == [108, 50, 50, CLEAN_CUSTOMERS + 2]


def test_an_import_updates_by_the_utilitys_own_ids(
    network: dict[str, OrgUnit], tmp_path: Path
) -> None:
    for kind, path in FILES:
        _import(kind, path)
    with gzip.open(DATA / "customers.csv.gz", "rt", encoding="utf-8") as f:
        rows = list(csv.reader(f))[:3]  # the header and two accounts
    moved_to = Customer.objects.get(account_no="GL0000002").premises.get()
    rows[1][1], rows[1][3], rows[1][4] = "新户名", moved_to.full_text, ""
    changed = tmp_path / "two.csv"
    with changed.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    crews = tmp_path / "crews.csv"
    crews.write_text(
        "code,name,station,skills,shift\nC01,抢修01班,st-west,meters,07:30-19:30\n",
        encoding="utf-8",
    )

    report = _import("customers", changed)
    crew_report = _import("crews", crews)

    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 1)
    customer = Customer.objects.get(account_no="GL0000001")
    assert customer.name == "新户名"
    assert list(customer.premises.all()) == [moved_to]
    assert (crew_report["created"], crew_report["updated"]) == (0, 1)
    crew = Crew.objects.get(code="C01")
    assert crew.skills == ["meters"]
    assert crew.shift_start.minute == 30
    # A file without the members column leaves the members as they are.
    assert crew.members.count() == 2

    # One crew per login, as in the admin: a member of C01 named for C02 is a row error.
    member = crew.members.order_by("username").first()
    assert member is not None
    other = Crew.objects.get(code="C02")
    before = sorted(other.members.values_list("username", flat=True))
    crews.write_text(
        "code,name,station,skills,shift,members\n"
        f"C02,{other.name},{other.station.code},meters,07:30-19:30,{member.username}\n",
        encoding="utf-8",
    )
    moved = _import("crews", crews)
    assert moved["created"] == moved["updated"] == 0
    assert "on another crew already" in str(moved), moved
    assert sorted(other.members.values_list("username", flat=True)) == before


def test_a_dry_run_reports_the_same_and_changes_nothing(network: dict[str, OrgUnit]) -> None:
    out = StringIO()
    call_command(
        "import_people",
        "customers",
        str(DATA / "customers.csv.gz"),
        "--dry-run",
        "--no-progress",
        stdout=out,
    )
    assert Customer.objects.count() == 0
    assert not ImportRun.objects.exists()
    report = _import("customers", DATA / "customers.csv.gz")

    printed = out.getvalue()
    assert f"{CLEAN_CUSTOMERS + 2} would be created" in printed
    assert f"{report['matched']} matched to premises, 2 unmatched" in printed
    assert "line 10002 []: account_id is empty" in printed
    assert "Preview: the first of the 10002 rows that would change" in printed


def test_a_file_with_a_wrong_column_is_refused_and_changes_nothing(
    network: dict[str, OrgUnit],
) -> None:
    _import("users", DATA / "users.csv")
    before, runs = _snapshot(), ImportRun.objects.count()

    with pytest.raises(CommandError) as refused:
        _import("customers", DATA / "customers_wrong_column.csv")

    message = str(refused.value)
    assert "missing column(s): account_id; unknown column(s): acount_id" in message
    assert "Nothing was imported" in message
    assert "account_id,name,phones,address,premise_id,email,vulnerable" in message
    assert _snapshot() == before
    assert ImportRun.objects.count() == runs


def test_a_gbk_file_from_chinese_excel_imports(network: dict[str, OrgUnit]) -> None:
    raw = (DATA / "users_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the file really is GBK, as Chinese Windows Excel saves "CSV"

    report = _import("users", DATA / "users_gbk.csv")

    assert report["encoding"] == "gb18030"
    assert report["created"] == 3
    assert User.objects.get(username="gl.zh1").first_name == "欧阳明"
    assert User.objects.get(username="gl.zh2").email == "zh2@example.com"
    assert User.objects.get(username="gl.zh3").org_unit == network["st-east"]


def test_the_example_files_import_into_the_demo_city(db: None) -> None:
    """deploy/going-live's examples, which a utility copies, work in `make run`'s city."""
    call_command("make_demo_city", "--premises", "20000", "--no-progress", stdout=StringIO())
    demo_organisation_load()
    examples = Path(__file__).resolve().parents[2] / "deploy" / "going-live"

    reports = [_import(k, examples / f"{k}.csv") for k in ("users", "crews", "vans", "customers")]

    assert [(r["created"], len(r["rejected"])) for r in reports] == [(5, 0), (2, 0), (2, 0), (6, 0)]
    assert reports[-1]["matched"] == 6
    assert list(Crew.objects.get(code="CT-01").members.order_by("username")) == list(
        User.objects.filter(username__in=["c.jing", "l.yang"]).order_by("username")
    )


@pytest.fixture
def process_env(
    process_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """The worker keeps uploads where the test's web side puts them."""
    media = tmp_path_factory.mktemp("media")
    return {**process_env, "MEDIA_ROOT": str(media)}


def test_an_upload_in_the_admin_is_checked_then_imported_by_a_worker(
    worker: Process, process_env: dict[str, str], settings: Any
) -> None:
    settings.MEDIA_ROOT = process_env["MEDIA_ROOT"]
    units = demo_organisation_load()
    admin = user_create(
        username="root", password="pw", role=Role.ADMINISTRATOR, org_unit=units["gx-group"]
    )
    client = Client()
    client.force_login(admin)
    upload_url = reverse("admin:imports_importrun_upload")

    with (DATA / "customers_wrong_column.csv").open("rb") as upload:
        client.post(upload_url, {"kind": "customers", "upload": upload, "encoding": ""})
    refused = ImportRun.objects.get()
    assert _finished(client, refused)["status"] == "refused"
    shown = client.get(reverse("admin:imports_importrun_report", args=[refused.pk]))
    assert "missing column(s): account_id" in shown.content.decode()
    assert not Customer.objects.exists()

    with (DATA / "users_gbk.csv").open("rb") as upload:
        answer = client.post(
            upload_url, {"kind": "users", "upload": upload, "dry_run": "on", "encoding": ""}
        )
    dry = ImportRun.objects.exclude(pk=refused.pk).get()
    assert answer.status_code == 302
    assert answer["Location"].endswith(f"/{dry.pk}/report/")
    _finished(client, dry)
    assert not User.objects.filter(username__startswith="gl.zh").exists()
    page = client.get(answer["Location"]).content.decode()
    assert "Import this file for real" in page
    assert "gl.zh2" in page

    client.post(reverse("admin:imports_importrun_confirm", args=[dry.pk]))
    run = ImportRun.objects.exclude(pk__in=[refused.pk, dry.pk]).get()
    progress = _finished(client, run)

    assert progress["status"] == "done"
    assert progress["rows_done"] == progress["rows_total"] == 3
    assert User.objects.get(username="gl.zh1").first_name == "欧阳明"
    page = client.get(reverse("admin:imports_importrun_report", args=[run.pk])).content.decode()
    assert "3 were created" in page
    assert "changepassword" in page


def _finished(client: Client, run: ImportRun) -> dict[str, Any]:
    """The run's progress, as the page polls it, once the worker has finished it."""
    url = reverse("admin:imports_importrun_progress", args=[run.pk])
    seen: list[dict[str, Any]] = []

    def finished() -> bool:
        seen.append(client.get(url).json())
        return bool(seen[-1]["finished"])

    wait_until(finished, timeout=60, what=f"import run {run.pk} to finish")
    return seen[-1]
