"""A generated month (November 2026) driven through the real services, with planted late
arrivals, cancelled incidents, unverified arrivals, late work orders, breached replies, late
call-backs, repeat calls and an open backlog. Every figure is then worked out again from the
timeline events alone (tests/reports/recompute.py, which reads no moment column and none of
the reports' code) and must equal what the dashboard's API and both exports say."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from alerts.callback_attempts import AttemptInput, callback_attempt_record
from alerts.models import CallBack
from demo.org import STATIONS, demo_organisation_load
from desk.models import Department
from desk.services.cases import case_open, case_reply
from dispatch.models import Call, Incident, User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.incident_end import incident_cancel, incident_close
from dispatch.services.intake import CallInput, call_join_incident, call_open_incident, call_receive
from dispatch.services.work_orders import work_order_dispatch, work_order_transition
from fleet.models import Vehicle
from fleet.positions import Fix, positions_store
from gis.models import OrgUnit, Premise
from tests.dispatch.conftest import make_crew
from tests.reports.recompute import Expected, recompute

pytestmark = pytest.mark.django_db
ZONE = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 2, 8, 0, tzinfo=ZONE)
MONTH_START, MONTH_END = datetime(2026, 11, 1, tzinfo=ZONE), datetime(2026, 12, 1, tzinfo=ZONE)
QUERY = {"from": "2026-11-01", "to": "2026-11-30"}
PER_STATION = 16
# What happens to an incident, by its number: a mix every station gets.
PLAN = ("normal", "late", "cancelled", "unverified", "normal", "slow_order", "backlog", "normal")


def _premise(n: int, point: Point) -> Premise:
    return Premise.objects.create(
        asset_id=f"P-{n}", geom=point, full_text=f"测试路{n}号", search_key=f"测试路{n}号"
    )


def _fix(van: Vehicle, at: datetime, point: Point) -> None:
    positions_store(
        [(van.id, Fix(van.device_id, at.timestamp(), point.x, point.y, 8.0), at.timestamp())]
    )


def _work(incident: Incident, crew_id: int, van: Vehicle, plan: str, boss: User) -> None:
    """A crew's job on the incident as the plan says; every time is the incident's first call
    plus minutes, reported by the crew's tablet (device time)."""
    t0 = incident.created_at
    order_after = 9 if plan == "slow_order" else 3
    wo = work_order_dispatch(
        incident_id=incident.pk, crew_id=crew_id, actor=boss, at=t0 + timedelta(minutes=order_after)
    )

    def step(to: str, minutes: float) -> None:
        at = t0 + timedelta(minutes=minutes)
        work_order_transition(work_order_id=wo.pk, to=to, actor=None, at=at, device_time=at)

    step("accepted", order_after + 1)
    if plan == "backlog":  # taken off the job; the incident waits, open, past the month's end
        work_order_transition(
            work_order_id=wo.pk,
            to="cancelled",
            actor=boss,
            reason="更急的任务",
            at=t0 + timedelta(minutes=order_after + 2),
        )
        return
    step("en_route", order_after + 2)
    arrive = {"late": 200, "unverified": 25}.get(plan, 20 + incident.pk % 7)
    where = (
        incident.point if plan != "unverified" else Point(incident.point.x + 0.03, incident.point.y)
    )
    if plan != "late":  # the late van's tracker was off: no position at all
        _fix(van, t0 + timedelta(minutes=arrive), where)
    step("on_site", arrive)
    step("made_safe", arrive + 30 + incident.pk % 11)
    step("completed", arrive + 90)
    incident_close(
        incident_id=incident.pk,
        actor=boss,
        reason="work_completed",
        note="修复",
        at=t0 + timedelta(minutes=arrive + 100),
    )


@pytest.fixture
def month() -> dict[str, object]:
    units = demo_organisation_load()
    taker = user_create(
        username="taker", password="pw", role=Role.CALL_TAKER, org_unit=units["gx-group"]
    )
    boss = user_create(
        username="boss", password="pw", role=Role.SUPERVISOR, org_unit=units["gx-city"]
    )
    desk = user_create(
        username="desk", password="pw", role=Role.DESK_AGENT, org_unit=units["gx-city"]
    )
    officer = user_create(
        username="officer", password="pw", role=Role.DESK_AGENT, org_unit=units["gx-city"]
    )
    safety = user_create(
        username="safety", password="pw", role=Role.SAFETY_MANAGER, org_unit=units["gx-group"]
    )
    office = Department.objects.create(
        code="discipline", name_zh="纪检监察室", kind="discipline", unit=units["gx-city"]
    )
    office.members.add(officer)
    n = 0
    for s, (code, _name, west, east) in enumerate(STATIONS):
        station = units[code]
        middle = Point((west + east) / 2, 39.09)
        crew = make_crew(station, f"crew-{code}", middle)
        van = Vehicle.objects.get(crew=crew)
        for k in range(PER_STATION):
            plan = PLAN[k % len(PLAN)]
            at = START + timedelta(days=k + s % 2, hours=s, minutes=7 * k)
            if plan == "backlog":
                at = datetime(2026, 11, 29, 20, s, tzinfo=ZONE)
            point = Point(west + 0.004 + 0.002 * k, 39.07 + 0.001 * k)
            premise = _premise(n, point)
            call = call_receive(
                data=CallInput(
                    category="leak_outdoor" if k % 2 else "leak_indoor",
                    caller_phone=f"1390000{n:04d}",
                    point=point,
                    premise_id=premise.pk,
                    form_open_s=40 + 9 * k,
                ),
                taker=taker,
                received_at=at,
            )
            incident = call_open_incident(
                call_id=call.pk, actor=taker, at=at + timedelta(seconds=50)
            )
            if k % 5 == 1:  # a neighbour calls about the same leak: a repeat about the premise
                again = call_receive(
                    data=CallInput(
                        category="leak_outdoor",
                        caller_phone=f"1380000{n:04d}",
                        point=point,
                        premise_id=premise.pk,
                        form_open_s=20,
                    ),
                    taker=taker,
                    received_at=at + timedelta(minutes=1),
                )
                call_join_incident(
                    call_id=again.pk,
                    incident_id=incident.pk,
                    actor=taker,
                    at=at + timedelta(minutes=2),
                )
            if plan == "cancelled":
                incident_cancel(
                    incident_id=incident.pk,
                    actor=boss,
                    reason="false_alarm",
                    note="误报",
                    at=at + timedelta(minutes=2),
                )
            else:
                _work(incident, crew.pk, van, plan, boss)
            n += 1
    # A later call about a premise called about three weeks before: a repeat within 30 days.
    earlier = Premise.objects.get(asset_id="P-0")
    late_call = call_receive(
        data=CallInput(
            category="leak_outdoor",
            caller_phone="13700000000",
            point=earlier.geom,
            premise_id=earlier.pk,
            form_open_s=75,
        ),
        taker=taker,
        received_at=START + timedelta(days=21),
    )
    call_open_incident(
        call_id=late_call.pk, actor=taker, at=late_call.received_at + timedelta(seconds=30)
    )
    incident = late_call.incident or Incident.objects.get(calls=late_call)
    incident_cancel(
        incident_id=incident.pk,
        actor=boss,
        reason="false_alarm",
        note="误报",
        at=late_call.received_at + timedelta(minutes=5),
    )

    # Complaints and reports of misconduct: replied on time, late, or never (past due).
    for j in range(12):
        category = "complaint" if j % 3 else "report"
        call = call_receive(
            data=CallInput(
                category=category,
                caller_phone=f"1370000{j:04d}",
                description="投诉服务",
                point=Point(117.16 + 0.01 * (j % 3), 39.09),
            ),
            taker=taker,
            received_at=START + timedelta(days=j, hours=3),
        )
        case = case_open(call_id=call.pk, actor=taker, at=call.received_at + timedelta(minutes=1))
        assert case.due_at is not None
        handler = officer if case.department_id else desk
        if j % 4 == 0:
            case_reply(
                case_id=case.pk, actor=handler, text="已答复", at=case.due_at + timedelta(hours=5)
            )
        elif j % 4 != 3:
            case_reply(
                case_id=case.pk, actor=handler, text="已答复", at=case.due_at - timedelta(hours=5)
            )
    # Call-backs: some on time with a score, some late, some never tried.
    for i, callback in enumerate(CallBack.objects.order_by("due_at", "id")):
        if i % 4 == 3:
            continue
        at = callback.due_at + (timedelta(hours=3) if i % 4 == 2 else -timedelta(hours=2))
        callback_attempt_record(
            callback_id=callback.pk,
            actor=taker,
            data=AttemptInput("reached", score=1 + i % 5),
            at=at,
        )
    return {"units": units, "safety": safety, "boss": boss}


def _api(user: User, **query: str) -> dict:
    client = Client()
    client.force_login(user)
    response = client.get("/api/reports/figures/", {**QUERY, **query})
    assert response.status_code == 200, response.content
    return response.json()


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) < 1e-6 * max(1.0, abs(b))


def _check(figure: dict, expected: Expected, where: str) -> None:
    total = figure["total"]
    assert total["count"] == expected.count, f"{where}: counted"
    if figure["kind"] == "share":
        assert total["hits"] == expected.hits, f"{where}: met"
    if figure["key"].startswith("preset:"):
        assert total["over"] == expected.over, f"{where}: over the longest"
    for name in ("mean", "median", "p90", "p97", "longest"):
        if getattr(expected, name) is not None or figure["kind"] in ("distribution", "mean"):
            assert _close(total[name], getattr(expected, name)), f"{where}: {name}"


def test_every_figure_equals_its_recomputation_from_the_timeline(month: dict[str, object]) -> None:
    safety: User = month["safety"]  # type: ignore[assignment]
    units: dict[str, OrgUnit] = month["units"]  # type: ignore[assignment]
    # Every clock of November has run out by now, so the real clock judges them all alike.
    now = timezone.now()
    answer = _api(safety)
    figures = {f["key"]: f for f in answer["figures"]}
    expected = recompute(start=MONTH_START, end=MONTH_END, now=now)
    assert set(expected) <= set(figures), set(expected) - set(figures)
    for key, want in expected.items():
        _check(figures[key], want, key)
    # The planted cases are there, not only equal: late and cancelled and unverified counted.
    arrival = figures["arrival_on_clock"]["total"]
    assert 0 < arrival["hits"] < arrival["count"]
    assert (
        figures["arrival_verified"]["total"]["hits"] < figures["arrival_verified"]["total"]["count"]
    )
    assert (
        figures["work_order_on_time"]["total"]["hits"]
        < figures["work_order_on_time"]["total"]["count"]
    )
    assert (
        figures["complaint_reply_on_time"]["total"]["hits"]
        < figures["complaint_reply_on_time"]["total"]["count"]
    )
    assert figures["backlog_incidents"]["total"]["count"] == len(STATIONS) * 2
    assert figures["repeat_calls"]["total"]["hits"] >= 1

    # Per station, the incident figures equal the recomputation for that station alone.
    for code, *_rest in STATIONS:
        station = units[code]
        rows = {r["key"]: r for r in figures["arrival_minutes"]["rows"]}
        want = recompute(start=MONTH_START, end=MONTH_END, now=now, station_id=station.pk)[
            "arrival_minutes"
        ]
        assert rows[str(station.pk)]["count"] == want.count
        assert _close(rows[str(station.pk)]["p90"], want.p90)

    # The exports say the same: the CSV summary and the XLSX summary sheet.
    client = Client()
    client.force_login(safety)
    csv_rows = list(csv.reader(io.StringIO(_export(client, "csv").decode("utf-8-sig"))))
    by_label = {r[0]: r for r in csv_rows[1:]}
    for key, want in expected.items():
        row = by_label[figures[key]["label"]]
        assert int(row[3]) == want.count, key
        if figures[key]["kind"] == "share":
            assert int(row[4]) == want.hits, key
        if want.median is not None:
            assert (
                _close(float(row[7]), round(want.median, 2))
                or abs(float(row[7]) - want.median) < 0.006
            ), key
    book = load_workbook(io.BytesIO(_export(client, "xlsx")))
    sheet = book.worksheets[0]
    xlsx_rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
    for key, want in expected.items():
        assert xlsx_rows[figures[key]["label"]][3] == want.count, key


def _export(client: Client, fmt: str) -> bytes:
    response = client.get(f"/reports/export.{fmt}", QUERY)
    assert response.status_code == 200, response.content
    return response.content


def test_a_station_supervisor_sees_only_the_station(month: dict[str, object]) -> None:
    units: dict[str, OrgUnit] = month["units"]  # type: ignore[assignment]
    west = user_create(
        username="west-boss", password="pw", role=Role.SUPERVISOR, org_unit=units["st-west"]
    )
    answer = _api(west)
    assert answer["scope"]["unit"] == units["st-west"].pk
    rows = {r["key"] for f in answer["figures"] for r in f["rows"]}
    assert rows <= {str(units["st-west"].pk), None}
    client = Client()
    client.force_login(west)
    response = client.get("/api/reports/figures/", {**QUERY, "unit": str(units["st-east"].pk)})
    assert response.status_code == 403
    assert "东区维修站" in response.json()["error"]
    assert Call.objects.exists()
