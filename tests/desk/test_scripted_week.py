"""A scripted week of 300 calls over every kind of call (9 to 15 February 2026: a make-up
working Saturday, then the Spring Festival): field jobs closed and called back, office cases
routed, replied on time or late as planned, called back (some retried, some never reached) and
closed; consultations answered on the call or by the second tier. Every figure checked here is
worked out again from the plan and the rows, not read from the code under test."""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import mean
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from alerts.callback_attempts import AttemptInput, callback_attempt_record, callbacks_give_up_due
from alerts.callback_selectors import callback_scores
from alerts.models import CallBack, CallBackAttempt, Notification
from demo.org import STATIONS, demo_organisation_load
from desk.models import Case, CaseStatus, Department
from desk.services.cases import (
    case_answer,
    case_check,
    case_close,
    case_open,
    case_reply,
    case_send_up,
    desk_rule_for,
)
from desk.services.clocks import cases_clocks_check
from dispatch.models import Call, Incident, IncidentEvent, User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.incident_end import incident_close
from dispatch.services.intake import CallInput, call_answer, call_open_incident, call_receive
from gis.models import OrgUnit

pytestmark = pytest.mark.django_db
ZONE = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 2, 9, 8, 0, tzinfo=ZONE)
FIELD = {"leak_outdoor": 15, "no_gas": 10, "meter_fault": 10, "repair": 15, "inspection": 10}
OFFICE = {
    "complaint": 60,
    "report": 15,
    "suggestion": 15,
    "praise": 15,
    "new_connection": 20,
    "account_open": 10,
    "account_close": 10,
    "account_transfer": 10,
    "arrears": 15,
}
ON_CALL = {"consultation": 50, "billing": 20}
SECOND_TIER = 15  # consultations the call taker could not answer


@dataclass
class Planned:
    call: Call
    late: bool = False  # the reply is planned after its deadline
    callback_plan: str = "first"  # first | retried | never


@pytest.fixture
def week() -> dict[str, object]:
    units = demo_organisation_load()

    def person(name: str, role: Role, unit: str) -> User:
        user = user_create(username=name, password="pw", role=role, org_unit=units[unit])
        user.phone = "1390000" + str(abs(hash(name)) % 10000).zfill(4)
        user.save(update_fields=["phone"])
        return user

    people = {
        "taker": person("taker", Role.CALL_TAKER, "gx-group"),
        "desk": person("desk", Role.DESK_AGENT, "gx-city"),
        "officer": person("officer", Role.DESK_AGENT, "gx-city"),
        "boss": person("boss", Role.SUPERVISOR, "gx-city"),
        "dispatcher": person("dispatcher", Role.DISPATCHER, "gx-city"),
        "safety": person("safety", Role.SAFETY_MANAGER, "gx-city"),
        "west": person("west", Role.DESK_AGENT, "st-west"),
    }
    office = Department.objects.create(
        code="discipline", name_zh="纪检监察室", kind="discipline", unit=units["gx-city"]
    )
    office.members.add(people["officer"])
    return {"units": units, "people": people}


def _calls(taker: User, rng: random.Random) -> list[tuple[str, Call]]:
    kinds = [k for mix in (FIELD, OFFICE, ON_CALL) for k, n in mix.items() for _ in range(n)]
    rng.shuffle(kinds)
    assert len(kinds) == 300
    made = []
    for i, category in enumerate(kinds):
        at = MONDAY + timedelta(days=i // 43, minutes=13 * (i % 43))  # 43 a day, 08:00-17:20
        _code, _name, west, east = STATIONS[i % 3]
        point = Point(rng.uniform(west + 0.002, east - 0.002), rng.uniform(39.06, 39.12))
        call = call_receive(
            data=CallInput(
                category=category,
                caller_phone=f"139{i:08d}",
                caller_name=f"来电人{i}",
                description=f"第{i}号来电",
                address_text=f"第{i}号",
                point=point,
            ),
            taker=taker,
            received_at=at,
        )
        made.append((category, call))
    return made


def test_a_week_of_300_calls_ends_every_case_as_planned(week: dict[str, object]) -> None:
    units: dict[str, OrgUnit] = week["units"]  # type: ignore[assignment]
    people: dict[str, User] = week["people"]  # type: ignore[assignment]
    taker, desk = people["taker"], people["desk"]
    rng = random.Random(20260209)
    calls = _calls(taker, rng)

    # --- on the call: field jobs opened, consultations and bills answered or sent up ---
    incidents: list[Incident] = []
    cases: dict[int, Planned] = {}
    second_tier: list[Case] = []
    consultations = 0
    for category, call in calls:
        if category in FIELD:
            incidents.append(call_open_incident(call_id=call.pk, actor=taker, at=call.received_at))
        elif category in OFFICE:
            case = case_open(call_id=call.pk, actor=taker, at=call.received_at)
            n = len(cases)
            cases[case.pk] = Planned(
                call=call,
                late=n % 4 == 3,
                callback_plan=("never" if n % 7 == 6 else "retried" if n % 4 == 1 else "first"),
            )
        elif category == "consultation" and consultations < SECOND_TIER:
            consultations += 1
            case = case_open(call_id=call.pk, actor=taker, at=call.received_at)
            sent = call.received_at + timedelta(minutes=5)
            case_send_up(case_id=case.pk, actor=taker, unit_id=units["gx-city"].pk, at=sent)
            second_tier.append(case)
        else:
            call_answer(call_id=call.pk, actor=taker, note="已答复", at=call.received_at)

    # --- the second tier answers within its clock; the group desk replies the same day ---
    for case in second_tier:
        answered = case.created_at + timedelta(hours=2)
        case_answer(case_id=case.pk, actor=desk, text="按第二档计价", at=answered)
        case_reply(case_id=case.pk, actor=taker, text="已答复", at=answered + timedelta(minutes=30))
        cases[case.pk] = Planned(call=case.call)

    # --- the desk replies, in time order, some late as planned; the beat's clocks run ---
    replies = []
    for case in Case.objects.filter(status__in=Case.AWAITING_REPLY):
        assert case.due_at is not None
        planned = cases[case.pk]
        at = case.due_at + timedelta(hours=2) if planned.late else case.due_at - timedelta(hours=3)
        replies.append((at, case))
    for at, case in sorted(replies, key=lambda pair: pair[0]):
        cases_clocks_check(now=at)
        handler = people["officer"] if case.department_id else desk
        case_reply(case_id=case.pk, actor=handler, text="已处理并答复", at=at)
    for incident in incidents:
        incident_close(
            incident_id=incident.pk,
            actor=people["dispatcher"],
            reason="resolved_on_phone",
            note="电话指导处理",
            at=incident.created_at + timedelta(minutes=30),
        )

    # --- call-backs (the group's first tier makes them): first time, retried once, or never
    # reached (given up after 3 working days) ---
    plans = {p.call.pk: p.callback_plan for p in cases.values()}
    for i, callback in enumerate(CallBack.objects.select_related("call").order_by("due_at")):
        plan = plans.get(callback.call_id) or ("retried" if i % 5 == 0 else "first")
        first = callback.due_at - timedelta(hours=20)
        if plan == "first":
            reached = AttemptInput("reached", score=3 + i % 3)
            callback_attempt_record(callback_id=callback.pk, actor=taker, data=reached, at=first)
            continue
        callback_attempt_record(
            callback_id=callback.pk, actor=taker, data=AttemptInput("no_answer"), at=first
        )
        again = CallBack.objects.get(pk=callback.pk).next_attempt_at
        assert again is not None
        if plan == "retried":
            reached = AttemptInput("reached", score=2 + i % 4)
            callback_attempt_record(callback_id=callback.pk, actor=taker, data=reached, at=again)
        else:
            busy = AttemptInput("busy", reason="占线")
            callback_attempt_record(callback_id=callback.pk, actor=taker, data=busy, at=again)
    last = CallBack.objects.order_by("-retry_until").values_list("retry_until", flat=True)[0]
    callbacks_give_up_due(now=last + timedelta(minutes=1))

    # --- the group's desk archives every case, its checklist ticked ---
    for case in Case.objects.all():
        for step in range(len(desk_rule_for(case.category).checklist())):
            case_check(case_id=case.pk, actor=taker, step=step)
        close_at = last + timedelta(hours=1)
        case_close(case_id=case.pk, actor=taker, note="归档", at=close_at)

    # === every call ended where it should ===
    assert Case.objects.count() == sum(OFFICE.values()) + SECOND_TIER
    assert set(Case.objects.values_list("status", flat=True)) == {CaseStatus.CLOSED}
    assert Incident.objects.count() == sum(FIELD.values())
    assert set(Incident.objects.values_list("status", flat=True)) == {"closed"}
    outcomes = Call.objects.values_list("outcome", flat=True)
    assert sorted(set(outcomes)) == ["answered", "case", "new_incident"]
    assert list(outcomes).count("answered") == sum(ON_CALL.values()) - SECOND_TIER
    # No complaint, 举报 or account service ever became a field job or reached a crew.
    assert not Incident.objects.filter(category__in=OFFICE).exists()

    # === the clocks: late exactly as planned, escalated once each, urged before ===
    late = {pk for pk, p in cases.items() if p.late}
    overdue = set(
        IncidentEvent.objects.filter(kind="case.overdue").values_list("data__case_id", flat=True)
    )
    assert overdue == late
    replied_late = set(
        IncidentEvent.objects.filter(kind="case.replied", data__late=True).values_list(
            "data__case_id", flat=True
        )
    )
    assert replied_late == late
    assert Notification.objects.filter(template="case.overdue").count() == len(late)
    assert IncidentEvent.objects.filter(kind="case.urged").count() >= len(cases) - len(late) - 10

    # Reply clocks by working day across the festival: an account service opened on the
    # make-up Saturday (a working day) is due three working days later, after the holiday.
    saturday = Case.objects.filter(
        category__in=("account_open", "account_close", "account_transfer"),
        call__received_at__date=date(2026, 2, 14),
    )
    for case in saturday:
        assert case.due_at is not None
        assert case.due_at.astimezone(ZONE).date() == date(2026, 2, 26)  # 15-23 off: 24, 25, 26

    # === call-backs retried and counted ===
    owed = CallBack.objects.count()
    called_back_cases = [
        pk for pk, p in cases.items() if desk_rule_for(Case.objects.get(pk=pk).category).call_back
    ]
    assert owed == len(called_back_cases) + len(incidents)
    never = CallBack.objects.filter(status="not_reached")
    # Two calls, and the SMS link that went out by itself after the second failed.
    assert {c.attempts for c in never} == {3}
    assert {c.attempts for c in CallBack.objects.filter(status="reached")} == {1, 2}
    assert CallBackAttempt.objects.count() == sum(c.attempts for c in CallBack.objects.all())
    assert Notification.objects.filter(template="callback.link").count() == never.count()
    given_up = Case.objects.filter(call__in=never.values("call")).values_list("pk", flat=True)
    assert set(given_up) == {pk for pk in called_back_cases if cases[pk].callback_plan == "never"}
    assert IncidentEvent.objects.filter(
        kind="case.called_back", data__reached=False
    ).count() == len(given_up)

    # === scores aggregated per station, as the rows say ===
    expected: dict[str, list[int]] = defaultdict(list)
    for callback in CallBack.objects.select_related("incident__station", "case__unit"):
        owner = callback.incident.station.name if callback.incident else callback.case.unit.name  # type: ignore[union-attr]
        if callback.status == "reached":
            expected[owner].append(callback.satisfaction)  # type: ignore[arg-type]
        else:
            expected.setdefault(owner, [])
    scores = callback_scores(OrgUnit.objects.all(), date(2026, 2, 1), date(2026, 3, 31))
    assert {s.unit: s.average_score for s in scores} == {
        unit: round(mean(found), 2) if found else None for unit, found in expected.items()
    }
    assert sum(s.not_reached for s in scores) == never.count()
    assert sum(s.due for s in scores) == owed

    # === complaint and 举报 identities: hidden from those without access, reads logged ===
    confidential = Case.objects.filter(category__in=("complaint", "report")).order_by("pk")[:6]
    allowed_reads = 0
    for case in confidential:
        handler = people["officer"] if case.department_id else desk
        for user, status in (
            (people["safety"], 403),
            (people["west"], 403),
            (taker, 403),
            (handler, 200),
            (people["boss"], 200),
        ):
            client = Client()
            client.force_login(user)
            answer = client.get(f"/api/desk/cases/{case.reference}/identity/")
            assert answer.status_code == status, (case.category, user.username)
            assert (case.call.caller_phone in answer.content.decode()) == (status == 200)
            allowed_reads += status == 200
    reads = IncidentEvent.objects.filter(kind="case.identity_read")
    assert reads.count() == allowed_reads
