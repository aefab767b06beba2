"""Office cases: routed, confidential, sent to the second tier and answered back, replied to,
called back, closed with their checklist; their clocks urge and escalate; never a field job
unless one is started on purpose."""

from datetime import datetime, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from alerts.models import Notification
from demo.org import demo_organisation_load
from desk.models import Case, CaseStatus, Department
from desk.services.cases import (
    case_answer,
    case_call_back_done,
    case_check,
    case_close,
    case_open,
    case_reply,
    case_send_up,
    case_start,
)
from desk.services.clocks import cases_clocks_check
from desk.services.links import case_field_job
from dispatch.errors import ConflictError, DispatchError, ForbiddenError
from dispatch.models import Call, Incident, IncidentEvent, User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from gis.models import OrgUnit

CENTRAL = Point(117.21, 39.09, srid=4326)  # in 中心维修站's territory, 市燃气公司 above it


@pytest.fixture
def units(db: None) -> dict[str, OrgUnit]:
    return demo_organisation_load()


def person(units: dict[str, OrgUnit], name: str, role: Role, unit: str) -> User:
    user = user_create(username=name, password="pw", role=role, org_unit=units[unit])
    user.phone = f"1390000{len(name):04d}"
    user.save(update_fields=["phone"])
    return user


def call(taker: User, category: str, *, at: datetime | None = None, text: str = "") -> Call:
    return call_receive(
        data=CallInput(
            category=category,
            caller_phone="13812345678",
            caller_name="李雷",
            description=text or "抄表员态度很差",
            address_text="中心区幸福路8号3单元201",
            point=CENTRAL,
        ),
        taker=taker,
        received_at=at,
    )


def test_a_complaint_is_a_confidential_case_at_the_company_desk_not_a_field_job(
    units: dict[str, OrgUnit],
) -> None:
    taker = person(units, "taker", Role.CALL_TAKER, "gx-group")
    complaint = call(taker, "complaint")
    with pytest.raises(DispatchError, match="desk case"):
        call_open_incident(call_id=complaint.pk, actor=taker)
    case = case_open(call_id=complaint.pk, actor=taker)
    assert case.unit == units["gx-city"]
    assert case.confidential
    assert case.department is None
    assert case.due_at == complaint.received_at + timedelta(days=5)
    assert Call.objects.get(pk=complaint.pk).outcome == Call.Outcome.CASE
    assert not Incident.objects.exists()  # no crew is offered a complaint
    (sms,) = Notification.objects.filter(template="case.received")
    assert case.reference in sms.body
    assert "投诉" in sms.body
    assert "气味" not in sms.body
    assert "明火" not in sms.body


def test_the_complainant_is_shown_to_the_handling_desk_and_its_supervisors_only(
    units: dict[str, OrgUnit],
) -> None:
    taker = person(units, "taker", Role.CALL_TAKER, "gx-group")
    desk = person(units, "desk", Role.DESK_AGENT, "gx-city")
    boss = person(units, "boss", Role.SUPERVISOR, "gx-group")
    station = person(units, "station", Role.DESK_AGENT, "st-central")
    safety = person(units, "safety", Role.SAFETY_MANAGER, "gx-group")
    case = case_open(call_id=call(taker, "complaint").pk, actor=taker)
    url = f"/api/desk/cases/{case.reference}/identity/"
    seen = {}
    for user in (taker, desk, boss, station, safety):
        client = Client()
        client.force_login(user)
        answer = client.get(url)
        seen[user.username] = answer.status_code
        if answer.status_code == 200:
            assert answer.json()["phone"] == "13812345678"
        else:
            assert "13812345678" not in answer.content.decode()
    # The group's call taker took the call but is not the handling desk; the station's desk
    # lies beneath the case's; the safety manager has no desk at all.
    assert seen == {"taker": 403, "desk": 200, "boss": 200, "station": 403, "safety": 403}
    reads = IncidentEvent.objects.filter(kind="case.identity_read", data__case_id=case.pk)
    assert sorted(reads.values_list("actor__username", flat=True)) == ["boss", "desk"]
    listing = Client()
    listing.force_login(taker)
    body = listing.get("/api/desk/cases/").content.decode()
    assert case.reference in body
    assert "13812345678" not in body
    assert "李雷" not in body


def test_a_report_goes_to_the_discipline_office_whose_members_alone_read_the_caller(
    units: dict[str, OrgUnit],
) -> None:
    taker = person(units, "taker", Role.CALL_TAKER, "gx-group")
    desk = person(units, "desk", Role.DESK_AGENT, "gx-city")
    officer = person(units, "officer", Role.DESK_AGENT, "gx-city")
    office = Department.objects.create(
        code="city-discipline", name_zh="纪检监察室", kind="discipline", unit=units["gx-city"]
    )
    office.members.add(officer)
    case = case_open(call_id=call(taker, "report", text="维修工索要好处费").pk, actor=taker)
    assert case.department == office
    assert case.confidential
    assert case.due_at == case.call.received_at + timedelta(days=10)
    for user, status in ((desk, 403), (officer, 200)):
        client = Client()
        client.force_login(user)
        assert client.get(f"/api/desk/cases/{case.reference}/identity/").status_code == status


def test_a_consultation_goes_to_the_second_tier_and_its_answer_comes_back(
    units: dict[str, OrgUnit],
) -> None:
    group = person(units, "group", Role.CALL_TAKER, "gx-group")
    company = person(units, "company", Role.DESK_AGENT, "gx-city")
    case = case_open(call_id=call(group, "consultation", text="阶梯气价怎么算").pk, actor=group)
    assert case.unit == units["gx-group"]
    assert case.status == CaseStatus.RECEIVED
    case = case_send_up(case_id=case.pk, actor=group, unit_id=units["gx-city"].pk)
    assert case.unit == units["gx-city"]
    assert case.return_to == units["gx-group"]
    assert case.answer_due_at is not None
    with pytest.raises(ConflictError, match="second tier"):
        case_reply(case_id=case.pk, actor=group, text="稍等")
    with pytest.raises(ForbiddenError):  # the company's answer is the company's to give
        case_answer(
            case_id=case.pk, actor=person(units, "west", Role.DESK_AGENT, "st-west"), text="x"
        )
    case = case_answer(case_id=case.pk, actor=company, text="第一档每立方米2.61元")
    assert case.unit == units["gx-group"]
    assert case.return_to is None
    case = case_reply(case_id=case.pk, actor=group, text="第一档2.61元/立方米，详见账单背面")
    assert case.status == CaseStatus.REPLIED
    (sms,) = Notification.objects.filter(template="case.replied")
    assert "2.61" in sms.body
    kinds = list(
        IncidentEvent.objects.filter(data__case_id=case.pk, kind__startswith="case.")
        .order_by("at", "id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["case.opened", "case.sent_up", "case.answered", "case.replied"]


def test_an_account_closes_only_after_its_checklist_and_call_back(
    units: dict[str, OrgUnit],
) -> None:
    taker = person(units, "taker", Role.CALL_TAKER, "gx-city")
    case = case_open(call_id=call(taker, "account_close", text="搬家销户").pk, actor=taker)
    case_start(case_id=case.pk, actor=taker)
    case = case_reply(case_id=case.pk, actor=taker, text="已预约拆表")
    with pytest.raises(ConflictError, match="call the customer back"):
        case_close(case_id=case.pk, actor=taker)
    case_call_back_done(case_id=case.pk, actor=taker, reached=True, score=5, at=timezone.now())
    with pytest.raises(ConflictError, match="checklist"):
        case_close(case_id=case.pk, actor=taker)
    for step in range(3):
        case_check(case_id=case.pk, actor=taker, step=step)
    case = case_close(case_id=case.pk, actor=taker, note="已拆表")
    assert case.status == CaseStatus.CLOSED
    with pytest.raises(ConflictError):
        case_reply(case_id=case.pk, actor=taker, text="again")


def test_clocks_urge_before_the_reply_is_due_and_escalate_once_overdue(
    units: dict[str, OrgUnit],
) -> None:
    taker = person(units, "taker", Role.CALL_TAKER, "gx-group")
    desk = person(units, "desk", Role.DESK_AGENT, "gx-city")
    person(units, "boss", Role.SUPERVISOR, "gx-city")
    opened = timezone.now() - timedelta(days=4, hours=12)
    case = case_open(call_id=call(taker, "complaint", at=opened).pk, actor=taker, at=opened)
    assert cases_clocks_check(now=timezone.now()) == {"urged": 1, "overdue": 0}
    assert cases_clocks_check(now=timezone.now()) == {"urged": 0, "overdue": 0}
    urged = Notification.objects.get(template="case.urged")
    assert urged.recipient == desk.phone
    assert case.reference in urged.body
    assert cases_clocks_check(now=timezone.now() + timedelta(days=1)) == {
        "urged": 0,
        "overdue": 1,
    }
    overdue = Notification.objects.get(template="case.overdue")
    assert overdue.recipient == User.objects.get(username="boss").phone
    late = timezone.now() + timedelta(days=1)
    replied = case_reply(case_id=case.pk, actor=desk, text="已处理", at=late)
    assert IncidentEvent.objects.get(kind="case.replied", data__case_id=replied.pk).data["late"]


def test_a_new_connection_case_starts_a_field_job_once(units: dict[str, OrgUnit]) -> None:
    taker = person(units, "taker", Role.CALL_TAKER, "gx-city")
    case = case_open(call_id=call(taker, "new_connection", text="新房报装").pk, actor=taker)
    assert case.department is None
    assert case.unit == units["gx-city"]
    incident = case_field_job(case_id=case.pk, actor=taker, category="repair")
    assert incident.station == units["st-central"]
    assert incident.category == "repair"
    assert Case.objects.get(pk=case.pk).field_incident == incident
    with pytest.raises(ConflictError):
        case_field_job(case_id=case.pk, actor=taker, category="repair")


def test_the_api_opens_a_case_and_refuses_bad_steps_clearly(units: dict[str, OrgUnit]) -> None:
    taker = person(units, "taker", Role.CALL_TAKER, "gx-city")
    client = Client()
    client.force_login(taker)
    stored = call(taker, "suggestion", text="希望增加夜间缴费网点")
    opened = client.post("/api/desk/cases/", {"call": stored.pk}, content_type="application/json")
    assert opened.status_code == 201, opened.content
    reference = opened.json()["reference"]
    again = client.post("/api/desk/cases/", {"call": stored.pk}, content_type="application/json")
    assert again.status_code == 409
    empty = client.post(
        f"/api/desk/cases/{reference}/reply/", {"text": " "}, content_type="application/json"
    )
    assert empty.status_code == 400
    assert "customer" in empty.json()["error"]
    assert (
        client.post(
            f"/api/desk/cases/{reference}/fly/", {}, content_type="application/json"
        ).status_code
        == 400
    )
    close = client.post(f"/api/desk/cases/{reference}/close/", {}, content_type="application/json")
    assert close.status_code == 409
    crew = person(units, "crew", Role.CREW_MEMBER, "st-central")
    client.force_login(crew)
    assert client.get(f"/api/desk/cases/{reference}/").status_code == 403


def test_numbers_no_key_can_hold_are_refused_not_sent_to_the_database(
    units: dict[str, OrgUnit],
) -> None:
    taker = person(units, "taker", Role.CALL_TAKER, "gx-city")
    case = case_open(call_id=call(taker, "suggestion").pk, actor=taker)
    client = Client()
    client.force_login(taker)
    huge = {"unit": 10**30}
    answer = client.post(
        f"/api/desk/cases/{case.reference}/assign/", huge, content_type="application/json"
    )
    assert answer.status_code == 400
    assert (
        client.post("/api/desk/cases/", {"call": -1}, content_type="application/json").status_code
        == 400
    )
    page = client.post(f"/desk/cases/{case.reference}/assign/", {"unit": "9" * 30, "step": "²"})
    assert page.status_code == 302  # back to the case, with what to do
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RECEIVED
