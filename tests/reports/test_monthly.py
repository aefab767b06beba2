"""The monthly analysis report: built from a small month, its PDF rendered to PNG and read
back by poppler (pdftotext, pdffonts, pdfinfo), its figures checked against the reports'
own computation; the beat task on and off the first working day; the page and downloads."""

import logging
import math
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from alerts.escalation import staff_language
from alerts.models import Channel, Notification
from config.models import Counter
from dispatch.models import CalendarDay, User
from dispatch.roles import Role
from dispatch.services import user_create
from gis.models import OrgUnit
from reports.figures import figures_compute
from reports.monthly.content import month_scope
from reports.monthly.dates import first_working_day
from reports.monthly.models import MonthlyReport
from reports.monthly.pdf import number, value_text
from reports.monthly.services import monthly_report_build, monthly_reports_send
from reports.monthly.tasks import monthly_reports_task
from tests.i18n.conftest import compiled_locale, translated  # noqa: F401 - the fixtures
from tests.reports.test_monthly_data import ARRIVALS, JOBS, MISSED, MONTH, month_make

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "reports"


def percentile(values: list[float], p: float) -> float:
    """PostgreSQL's percentile_cont: linear between the two nearest ranks."""
    ordered = sorted(values)
    position = p * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@pytest.fixture
def units(db: None) -> dict[str, OrgUnit]:
    return month_make()


def _poppler(tool: str, *args: str) -> str:
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


def _pages(pdf: Path, language: str) -> list[str]:
    """Each page as text (pdftotext separates them with a form feed), and each rendered to a
    PNG for a person to look at."""
    for old in SHOTS.glob(f"monthly-{language}-p*.png"):
        old.unlink()
    _poppler("pdftoppm", "-r", "60", "-png", str(pdf), str(SHOTS / f"monthly-{language}-p"))
    for png in SHOTS.glob(f"monthly-{language}-p-*.png"):  # pdftoppm pads the number
        png.rename(png.with_name(f"monthly-{language}-p{int(png.stem.rsplit('-', 1)[1])}.png"))
    return _poppler("pdftotext", "-layout", str(pdf), "-").split("\f")[:-1]


@pytest.mark.usefixtures("translated")
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_report_prints_the_figures_of_the_month(
    units: dict[str, OrgUnit], language: str
) -> None:
    city = units["gx-city"]
    report = monthly_report_build(unit=city, month=date(2026, 11, 17), language=language)
    assert (report.month, report.unit, report.language) == (MONTH, city, language)
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SHOTS / f"monthly-{language}.pdf"
    pdf.write_bytes(bytes(report.pdf))
    pages = _pages(pdf, language)
    assert (
        len(pages)
        == report.pages
        == int(
            re.search(r"Pages:\s+(\d+)", _poppler("pdfinfo", str(pdf)))[1]  # type: ignore[index]
        )
    )
    text = "\n".join(pages)
    code = "zh-hans" if language == "zh" else "en"
    with translation.override(code):
        figures = figures_compute(month_scope(city, MONTH))
        station_heading = translation.gettext("Figures of the station")
        charts_heading = translation.gettext("Charts")
    # The headline figures from page 2 until the charts (the table may run onto a second page).
    charts_page = next(n for n in range(2, len(pages)) if charts_heading in pages[n])
    headline = "\n".join(pages[1:charts_page])
    for figure in figures:  # every headline as the dashboard computes it
        if figure.spec.source.name == "phone":
            assert figure.total.count == 0  # no phone system here: no table of empty rows
            assert str(figure.spec.label) not in headline
            continue
        assert value_text(figure) in headline, figure.key
    arrival = next(f for f in figures if f.key == "arrival_minutes")
    # The distribution, and the same worked out by hand from the jobs' minutes.
    assert arrival.total.count == len(ARRIVALS)
    for mark, p in (("median", 0.5), ("p90", 0.9), ("p97", 0.97)):
        assert number(getattr(arrival.total, mark)) == number(percentile(ARRIVALS, p))
        assert number(percentile(ARRIVALS, p)) in pages[1]
    assert number(max(ARRIVALS)) in pages[1]
    on_clock = next(f for f in figures if f.key == "arrival_on_clock")
    assert value_text(on_clock) == f"{100 * 4 / 8:.1f}%"  # 4 of the 8 within 30 minutes
    # The worst cases: the missed ones, the longest first, each with its moments.
    worst = next(n for n, p in enumerate(pages) if MISSED[0] in p and "GX-2611-001" not in p)
    order = [pages[worst].index(r) for r in MISSED]
    assert order == sorted(order)
    # A page per station, with its own figures.
    for code_ in ("st-west", "st-central", "st-east"):
        station = units[code_]
        page = next(p for p in pages[4:] if station.name in p and station_heading in p)
        with translation.override(code):
            own = figures_compute(month_scope(station, MONTH))
        for figure in own:
            assert value_text(figure) in page, (code_, figure.key)
        for job in JOBS:
            if job.station == code_ and job.reference in MISSED:
                assert job.reference in page
    assert sum(station_heading in p for p in pages) == 3
    if language == "zh":
        assert "首次来电" in text  # the words, translated
        assert "西区维修站" in text  # a station's name
        assert city.name in text
        fonts = _poppler("pdffonts", str(pdf))
        cjk = [line for line in fonts.splitlines() if "WenQuanYi" in line or "CJK" in line]
        assert cjk, fonts
        assert all(" yes " in line for line in cjk), fonts  # embedded
    else:
        assert "First call" in text
        assert "Monthly analysis report" in text


@pytest.fixture
def readers(units: dict[str, OrgUnit]) -> dict[str, User]:
    def make(name: str, role: Role, unit: str, email: str, language: str = "") -> User:
        user = user_create(
            username=name, password="pw", role=role, org_unit=units[unit], email=email
        )
        if language:
            user.language = language
            user.save(update_fields=["language"])
        return user

    return {
        "boss": make("boss", Role.SUPERVISOR, "gx-city", "boss@gas.example", "zh-hans"),
        "safety": make("safety", Role.SAFETY_MANAGER, "gx-city", "safety@gas.example", "zh-hans"),
        "admin": make("admin", Role.ADMINISTRATOR, "gx-group", "admin@gas.example", "en"),
        "mute": make("mute", Role.SUPERVISOR, "gx-city", ""),  # no address: not e-mailed
        "disp": make("disp", Role.DISPATCHER, "gx-city", "disp@gas.example"),  # not a reader
        "west": make("west", Role.SUPERVISOR, "st-west", "west@gas.example"),  # a station's
    }


def test_the_beat_sends_last_month_on_the_first_working_day_once(
    units: dict[str, OrgUnit], readers: dict[str, User]
) -> None:
    # The 1st of December is taken off: the first working day is the 2nd.
    CalendarDay.objects.create(day=date(2026, 12, 1), working=False)
    assert first_working_day(date(2026, 12, 20)) == date(2026, 12, 2)
    assert monthly_reports_send(today=date(2026, 12, 1)) == {"built": 0, "queued": 0}
    assert not MonthlyReport.objects.exists()

    # Each in its readers' languages and the site's (the group's, whose reader reads English).
    site = staff_language()
    expected = {("gx-city", "zh"), ("gx-group", "en"), ("gx-city", site), ("gx-group", site)}
    sent = monthly_reports_send(today=date(2026, 12, 2))
    assert sent == {"built": len(expected), "queued": 3}
    built = set(MonthlyReport.objects.values_list("unit__code", "language"))
    assert built == expected
    assert set(MonthlyReport.objects.values_list("month", flat=True)) == {MONTH}
    mails = {n.recipient: n for n in Notification.objects.filter(template="reports.monthly")}
    assert set(mails) == {"boss@gas.example", "safety@gas.example", "admin@gas.example"}
    assert all(n.channel == Channel.EMAIL for n in mails.values())
    english = MonthlyReport.objects.get(unit=units["gx-group"], language="en")
    assert mails["admin@gas.example"].language == "en"
    assert f"/reports/monthly/{english.pk}.pdf" in mails["admin@gas.example"].body
    chinese = MonthlyReport.objects.get(unit=units["gx-city"], language="zh")
    assert f"/reports/monthly/{chinese.pk}.pdf" in mails["boss@gas.example"].body
    assert "2026-11" in mails["boss@gas.example"].subject

    # The same day again (the beat runs hourly): nothing built, nothing sent twice.
    assert monthly_reports_send(today=date(2026, 12, 2)) == {"built": 0, "queued": 0}
    assert monthly_reports_send(today=date(2026, 12, 3)) == {"built": 0, "queued": 0}
    assert Notification.objects.filter(template="reports.monthly").count() == 3
    # The task itself reads today's date: on any other day than the first worked it does
    # nothing (the beat runs it every hour of every day).
    today, before = timezone.localdate(), MonthlyReport.objects.count()
    result = monthly_reports_task()
    if today != first_working_day(today):
        assert result == {"built": 0, "queued": 0}
        assert MonthlyReport.objects.count() == before


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_lists_and_serves_the_reports_of_the_user_s_units(
    units: dict[str, OrgUnit], readers: dict[str, User], caplog: pytest.LogCaptureFixture
) -> None:
    def stored(unit: str) -> MonthlyReport:
        return MonthlyReport.objects.create(
            month=MONTH,
            unit=units[unit],
            language="zh",
            pdf=b"%PDF-1.4 x",
            pages=1,
            created_at="2026-12-01T08:00:00+08:00",
        )

    city, group = stored("gx-city"), stored("gx-group")
    west = _client(readers["west"])
    page = west.get("/reports/monthly/")
    assert page.status_code == 200
    assert f"/reports/monthly/{city.pk}.pdf" not in page.content.decode()
    boss = _client(readers["boss"])
    listed = boss.get("/reports/monthly/").content.decode()
    assert f"/reports/monthly/{city.pk}.pdf" in listed
    assert f"/reports/monthly/{group.pk}.pdf" not in listed
    got = boss.get(f"/reports/monthly/{city.pk}.pdf")
    assert got.status_code == 200
    assert got["Content-Type"] == "application/pdf"
    assert bytes(got.content).startswith(b"%PDF")
    with caplog.at_level(logging.WARNING, logger="reports.monthly.views"):
        refused = boss.get(f"/reports/monthly/{group.pk}.pdf")
    assert refused.status_code == 403
    assert any("refused" in r.getMessage() and "boss" in r.getMessage() for r in caplog.records)
    assert _client(readers["disp"]).get("/reports/monthly/").status_code == 403

    # A safety manager reads but does not build; a supervisor builds one now.
    assert (
        _client(readers["safety"])
        .post("/reports/monthly/", {"month": "2026-11", "unit": city.unit_id, "language": "en"})
        .status_code
        == 400
    )
    answer = boss.post(
        "/reports/monthly/", {"month": "2026-11", "unit": city.unit_id, "language": "en"}
    )
    assert answer.status_code == 302
    built = MonthlyReport.objects.get(unit=units["gx-city"], language="en")
    assert answer["Location"].endswith(f"?built={built.pk}")
    assert built.pages > 4
    assert (
        boss.post(
            "/reports/monthly/", {"month": "2026-11", "unit": group.unit_id, "language": "zh"}
        ).status_code
        == 400
    )  # the group is above the city supervisor
    # A month no calendar of ours holds, or an id no row can have: words and a 404, no 500.
    for month in ("0001-01", "9999-12", "2026-13", "十一月"):
        far = boss.post(
            "/reports/monthly/", {"month": month, "unit": city.unit_id, "language": "en"}
        )
        assert far.status_code == 400, month
    assert boss.get(f"/reports/monthly/{2**64}.pdf").status_code == 404
    assert Counter.objects.get(name="reports.monthly.refused.400").value >= 6
    assert Counter.objects.get(name="reports.monthly.refused.403").value == 1
