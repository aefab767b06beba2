"""The remaining pages read wholly in the language asked for: the start page, sign-in, the
escalation list, the import upload and report in the admin, and the two public pages (the
outage lookup follows the browser, Chinese when it says nothing; the status page follows the
caller's language). A Chinese page shows no English word beyond codes and names (and the other
language's own name in the switch); an English page no Chinese beyond the data."""

import re
from collections.abc import Sequence
from datetime import timedelta
from html import unescape
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from alerts.services.status_links import status_link_for
from demo.org import CITY_NORTH, CITY_SOUTH, STATIONS
from dispatch.imports.columns import COLUMNS
from dispatch.imports.models import ImportRun
from dispatch.imports.runs import import_run_execute
from dispatch.models import Call, Incident, User
from dispatch.roles import Role
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.sla import deadlines_breach_due
from gis.models import OrgUnit
from tests.i18n.words import stray_chinese, stray_english

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("translated")]

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}
USERS_CSV = (
    "username,name,role,org_unit,phone,email\n"
    "i18n.one,欧阳明,call_taker,gx-city,13700000001,\n"
    "i18n.two,司马芳,no_such_role,gx-city,13700000002,\n"
)


def _visible(html: str) -> str:
    """What a person reads: the text, the title, tooltips and labels, the buttons' words."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    said = re.findall(r'\b(?:title|aria-label|placeholder|alt)="([^"]*)"', html)
    said += re.findall(r'<input[^>]*type="submit"[^>]*value="([^"]*)"', html)
    text = re.sub(r"(?s)<[^>]+>", " ", html)
    return unescape(" ".join([text, *said]))


def _admin_content(html: str) -> str:
    """An admin page's own part (the content), not the menu of every model beside it."""
    start = html.rindex("<", 0, html.index('id="content"'))
    end = html.rindex("<", 0, html.index('id="footer"')) if 'id="footer"' in html else len(html)
    return html[start:end]


def english_words(html: str, data: Sequence[str] = ()) -> list[str]:
    """The English words left on a page meant to be Chinese, `data` (whole values) apart."""
    return stray_english(_visible(html), strip=data)


def chinese_words(html: str, data: Sequence[str] = ()) -> list[str]:
    """The Chinese left on a page meant to be English, `data` (whole values) apart."""
    return stray_chinese(_visible(html), strip=data)


def _people() -> list[str]:
    """Every user's names and login: data on a page, whatever its language."""
    found: list[str] = []
    for user in User.objects.all():
        found += [user.get_full_name(), user.username, user.first_name, user.last_name]
    return found


def _units() -> list[str]:
    return list(OrgUnit.objects.values_list("name", flat=True))


def _signed_in(username: str, language: str = "") -> Client:
    user = User.objects.get(username=username)
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def _breach(code: str) -> Incident:
    """An outdoor leak in a demo station whose first clock has just breached (escalated)."""
    west, east = next((w, e) for c, _name, w, e in STATIONS if c == code)
    taker = User.objects.get(username="dispatcher")
    point = Point((west + east) / 2, (CITY_SOUTH + CITY_NORTH) / 2, srid=4326)
    call = call_receive(data=CallInput(category="leak_outdoor", point=point), taker=taker)
    incident = call_open_incident(call_id=call.pk, actor=taker)
    first = incident.deadlines.order_by("due_at").first()
    assert first is not None
    assert deadlines_breach_due(now=first.due_at + timedelta(seconds=1)) == 1
    return incident


@pytest.fixture
def demo(db: None) -> Incident:
    call_command("load_demo", stdout=StringIO())
    return _breach("st-west")


def _import_run(language: str, media: Path, settings: Any) -> ImportRun:
    """A dry run of a users file with one bad row, started by an administrator who reads
    `language`: its report is written in it."""
    settings.MEDIA_ROOT = str(media)
    admin = User.objects.get(username="admin")
    admin.language = language
    admin.save(update_fields=["language"])
    run = ImportRun.objects.create(
        kind="users",
        file_name="users.csv",
        upload=SimpleUploadedFile("users.csv", USERS_CSV.encode()),
        dry_run=True,
        status=ImportRun.Status.QUEUED,
        started_by=admin,
    )
    done = import_run_execute(run_id=run.pk)
    assert done is not None
    assert done.status == ImportRun.Status.DONE, done.message
    return done


def _codes() -> list[str]:
    """The import files' column names (the header line is a code the file must match)."""
    return sorted({c.name for columns in COLUMNS.values() for c in columns}, key=len, reverse=True)


# ---- the staff pages -----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_start_page_sign_in_and_escalations_read_in_one_language(
    demo: Incident, language: str
) -> None:
    browser = ZH if language == "zh-hans" else EN
    data = [*_people(), *_units(), demo.reference]
    pages = {
        "home": _signed_in("sup_west").get("/", headers=browser),
        "login": Client().get("/accounts/login/", headers=browser),
        "escalations": _signed_in("sup_west").get("/escalations/", headers=browser),
        "breached": _signed_in("sup_west").get("/escalations/?show=breached", headers=browser),
        "refused": _signed_in("calltaker").get("/escalations/", headers=browser),
    }
    for name, page in pages.items():
        assert page.status_code == (403 if name == "refused" else 200), name
        html = page.content.decode()
        if language == "zh-hans":
            assert english_words(html, data) == [], name
        else:
            assert chinese_words(html, data) == [], name
    escalations = pages["escalations"].content.decode()
    assert demo.reference in escalations
    if language == "zh-hans":
        assert "升级记录" in escalations
        assert "已派工单" in escalations  # the clock, in words
    else:
        assert "Escalations" in escalations
        assert "Work order issued" in escalations


def test_the_escalation_message_names_the_clock_in_the_supervisors_language(
    demo: Incident,
) -> None:
    from alerts.models import Notification

    sup_east = User.objects.get(username="sup_east")
    sup_east.language = "en"
    sup_east.save(update_fields=["language"])
    incident = _breach("st-east")
    told = Notification.objects.filter(incident=incident, idempotency_key__startswith="sla:")
    assert told.exists()
    assert {n.language for n in told} == {"en"}
    assert all("Work order issued" in n.body for n in told)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_import_pages_read_in_one_language(
    demo: Incident, language: str, tmp_path: Path, settings: Any
) -> None:
    run = _import_run(language, tmp_path, settings)
    client = _signed_in("admin", language)
    commands = ["manage.py changepassword USERNAME"]  # a command is typed as it is
    from_file = ["users.csv", "i18n.one", "i18n.two", "no_such_role"]
    data = [*_people(), *_units(), *_codes(), *Role.values, *commands, *from_file]
    upload = client.get(reverse("admin:imports_importrun_upload"))
    report = client.get(reverse("admin:imports_importrun_report", args=[run.pk]))
    for page in (upload, report):
        assert page.status_code == 200
        html = _admin_content(page.content.decode())
        if language == "zh-hans":
            assert english_words(html, data) == []
        else:
            assert chinese_words(html, data) == []
    shown = report.content.decode()
    if language == "zh-hans":
        assert "1 行将新建" in shown
    else:
        assert "1 would be created" in shown
        assert "unknown role no_such_role" in shown


# ---- the public pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("browser", "chinese"),
    [({}, True), (ZH, True), (EN, False), ({"Accept-Language": "fr"}, None)],
)
def test_the_outage_lookup_follows_the_browser_and_is_chinese_by_default(
    db: None, browser: dict[str, str], chinese: bool | None
) -> None:
    for query in ({}, {"account": "GX99999999"}, {"address": "   "}):
        page = Client().get("/outages/", query, headers=browser)
        html = page.content.decode()
        if chinese is None:  # a language the site has not: the deployment's default
            continue
        if chinese:
            assert english_words(html, ["GX"]) == [], query
            assert "停供查询" in html
            assert page["Content-Language"] == "zh-hans"
        else:
            assert chinese_words(html) == [], query
            assert "Outage lookup" in html
            assert page["Content-Language"] == "en"
    # The page's own switch wins over the browser, both ways.
    assert "Outage lookup" in Client().get("/outages/", {"lang": "en"}, headers=ZH).content.decode()
    assert "停供查询" in Client().get("/outages/", {"lang": "zh"}, headers=EN).content.decode()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_status_page_follows_the_callers_language_not_the_browsers(
    demo: Incident, language: str
) -> None:
    call = Call.objects.filter(incident=demo).first()
    assert call is not None
    Call.objects.filter(pk=call.pk).update(language=language)
    call.refresh_from_db()
    with transaction.atomic():
        link = status_link_for(call)
    other = EN if language == "zh" else ZH
    page = Client().get(f"/s/{link.token}", headers=other)
    html = page.content.decode()
    assert page.status_code == 200
    if language == "zh":
        assert english_words(html, [demo.reference]) == []
        assert "燃气抢修进度" in html
        assert "已受理" in html
    else:
        assert chinese_words(html, [demo.reference]) == []
        assert "Gas emergency progress" in html
        assert "Report received" in html

    link.expires_at = link.created_at - timedelta(minutes=1)
    link.save(update_fields=["expires_at"])
    expired = Client().get(f"/s/{link.token}", headers=other)
    assert expired.status_code == 410
    html = expired.content.decode()
    if language == "zh":
        assert english_words(html) == []
        assert "此链接已过期" in html
    else:
        assert chinese_words(html) == []
        assert "This link has expired" in html


# ---- the network import's report (a terminal's) ---------------------------------------------


def test_the_network_import_report_reads_in_chinese() -> None:
    from django.utils import translation

    from gis.importing.report import ImportReport as NetworkReport
    from gis.importing.report import Problem, TargetCounts

    report = NetworkReport(path="city.gpkg", counts={"pipes": TargetCounts(created=3)})
    report.rejects.append(Problem("pipes", 2, "P-2", "x"))
    report.revision = 7
    with translation.override("zh-hans"):
        text = report.summary()
        problem = str(Problem("pipes", 2, "P-2", "x"))
    assert "已导入 city.gpkg" in text
    assert "管网版本现为 7" in text
    assert "1 个要素被拒绝" in text
    assert problem == "pipes 第 2 行（资产 P-2）：x"
    assert english_words(text, ["city.gpkg", "pipes"]) == []
