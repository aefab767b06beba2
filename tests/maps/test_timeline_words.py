"""Every kind of timeline event reads as one sentence in the reader's language: who did it (a
person with their role), to which crew, findings as labelled fields, times with their date when
they fall on another day. Chinese from the compiled catalogue, English as the tests' default."""

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django.utils.translation import override

from dispatch.models import User
from maps.timeline_words import (
    KIND_LABELS,
    actor_text,
    clock,
    duration_text,
    event_summary,
    findings_text,
    kind_label,
)
from tests.i18n.conftest import compiled_locale, translated  # noqa: F401 (fixtures)

# Station codes and case types are named from the database.
pytestmark = pytest.mark.django_db

CREW = "抢修二班"
OTHER_CREW = "抢修五班"
REF = "GX-20261206-0003"
OTHER_REF = "GX-20261206-0001"
EVENING = datetime(2026, 11, 22, 19, 8, 24, tzinfo=ZoneInfo("Asia/Shanghai"))
NEXT_MORNING = EVENING + timedelta(hours=12)
FIX = {"fix_at": EVENING.isoformat(), "distance_m": 12.0, "accuracy_m": 5.0}
VERIFIED = {"verified": True, "distance_m": 12.0, "accuracy_m": 5.0}

# A representative event of every kind: its data, and the names, references and units it
# passes in (what may stay in Latin letters in a Chinese sentence).
EVENTS: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "call.received": (
        {"channel": "phone", "phone": "13800138000", "address": "民族大道100号"},
        (),
    ),
    "call.joined": (
        {"reports": 3, "counted": False, "same": "phone", "repeat_of": 41, "window_min": 30},
        (),
    ),
    "call.answered": ({"note": "已告知用户自行关阀"}, ()),
    "incident.opened": (
        {
            "reference": REF,
            "priority": 1,
            "triage": ["室内闻到燃气味"],
            "station": "ST-EAST",
            "segment": "M-0042",
            "segment_distance_m": 8.4,
        },
        (REF, "ST-EAST", "M-0042", "P1"),  # priorities are written P1 in both languages
    ),
    "incident.priority_raised": ({"priority": 1, "reason": "3 independent reports"}, ()),
    "incident.status": (
        {"from": "open", "to": "dispatched", "because": f"{CREW} assigned"},
        (),
    ),
    "incident.closed": ({"from": "on_site", "reason": "false_alarm", "note": "邻居烧烤"}, ()),
    "incident.cancelled": ({"from": "open", "reason": "duplicate", "note": ""}, ()),
    "incident.merged": (
        {"from": "open", "reason": "duplicate", "note": "", "into_reference": OTHER_REF},
        (OTHER_REF,),
    ),
    "incident.merged_in": ({"from": 7, "from_reference": OTHER_REF, "reports": 4}, (OTHER_REF,)),
    "incident.referred": (
        {"from": "open", "reason": "not_our_network", "note": "", "agency": "自来水公司"},
        (),
    ),
    "sla.not_applicable": ({"milestones": ["on_site", "made_safe"], "because": "closed"}, ()),
    "incident.supply_cause": ({"suspected_segment_id": 1234, "calls": 5}, ()),
    "incident.isolation_traced": (
        {
            "valves_to_close": ["V-0003", "V-0001"],
            "valve_road_m": [120.0, 1530.0],
            "isolated_mains": 4,
            "premises_cut_off": 20,
        },
        ("V-0003", "V-0001", "km", "m"),
    ),
    "incident.note": ({"text": "用户已撤离"}, ()),
    "crews.recommended": (
        {
            "crews": [
                {"crew_name": CREW, "eta_seconds": 365, "distance_m": 2400.0},
                {"crew_name": OTHER_CREW, "eta_seconds": 600, "distance_m": 4100.0},
            ]
        },
        ("km",),
    ),
    "crews.none_available": (
        {"why": "P1 auto-dispatch", "crews": [{"crew_name": CREW, "lacks": []}]},
        ("P1",),
    ),
    "work_order.assigned": (
        {
            "crew": CREW,
            "crew_id": 2,
            "recommendation": {"rank": 1, "eta_seconds": 360},
            "first_responder": True,
            "lacks": ["make_safe"],
            "preempted": [{"reference": OTHER_REF}],
            "reassigned_from": {"crew": OTHER_CREW, "reason": "更近"},
        },
        (OTHER_REF,),
    ),
    "work_order.accepted": ({"from": "assigned"}, ()),
    "work_order.rejected": ({"from": "assigned", "reason": "车辆故障"}, ()),
    "work_order.en_route": ({"from": "accepted"}, ()),
    "work_order.on_site": ({"from": "en_route", "evidence": FIX, "arrival": VERIFIED}, ("m",)),
    "work_order.made_safe": (
        {"from": "on_site", "leak_grade": 1, "cause": "corrosion"},
        (),
    ),
    "work_order.completed": ({"from": "made_safe"}, ()),
    "work_order.cancelled": ({"from": "en_route", "preempted_by": OTHER_REF}, (OTHER_REF,)),
    "work_order.arrival_detected": ({"fix": FIX}, ("m",)),
    "work_order.arrival_cancelled": ({"fix": FIX}, ()),
    "work_order.eta": (
        {"eta": NEXT_MORNING.isoformat(), "previous": EVENING.isoformat(), "distance_m": 800.0},
        (),
    ),
    "work_order.findings": (
        {
            "leak_grade": 2,
            "cause": "corrosion",
            "valves_operated": [{"asset_id": "V-0003", "action": "closed", "operable": True}],
            "materials": [{"item": "管卡", "quantity": 2.0, "unit": "个"}],
            "notes": "接头处锈蚀",
        },
        ("V-0003",),
    ),
    "work_order.photo": ({"photo_id": 9, "caption": "泄漏点"}, ()),
    "work_order.stale_update": (
        {"status": "completed", "reported": "on_site", "arrival": VERIFIED},
        ("m",),
    ),
    "sla.started": (
        {
            "from": EVENING.isoformat(),
            "due": {"work_order": EVENING.isoformat(), "on_site": NEXT_MORNING.isoformat()},
        },
        (),
    ),
    "sla.met": ({"milestone": "on_site", "on_time": False, "late_seconds": 365}, ()),
    "sla.breached": ({"milestone": "work_order", "due_at": EVENING.isoformat()}, ()),
    "crew.duty": ({"crew_id": 2, "crew": CREW, "from": "on_shift", "reported": "break"}, ()),
    "crew.duty_stale": (
        {"crew_id": 2, "crew": CREW, "from": "on_shift", "reported": "off"},
        (),
    ),
    "supply.interrupted": ({"interruption": 3, "premises": 120, "notices": 95}, ()),
    "supply.restored": ({"interruption": 3, "premises": 120, "notices": 95}, ()),
    "callback.scheduled": ({"callbacks": [1, 2], "due_at": NEXT_MORNING.isoformat()}, ()),
    "callback.recorded": ({"callback": 1, "reached": True, "satisfaction": 4, "late": True}, ()),
    "callback.attempted": (
        {"callback": 1, "outcome": "reached", "reached": True, "satisfaction": 4, "late": False},
        (),
    ),
    "callback.given_up": ({"callback": 1, "reached": False}, ()),
    "case.opened": (
        {"case": "GX-20261206-0001", "case_id": 1, "raised_by": "GX-20261206-0002"},
        ("GX-20261206-0002",),
    ),
    "case.field_job": (
        {"case": "GX-20261206-0001", "case_id": 1, "incident": "GX-20261206-0003"},
        ("GX-20261206-0003",),
    ),
    "appointment.booked": (
        {"reference": "AP-7KQ2MX", "work_type": "meter", "starts_at": NEXT_MORNING.isoformat()},
        ("AP-7KQ2MX",),
    ),
    "appointment.moved": (
        {"reference": "AP-7KQ2MX", "work_type": "meter", "starts_at": NEXT_MORNING.isoformat()},
        ("AP-7KQ2MX",),
    ),
    "appointment.cancelled": ({"reference": "AP-7KQ2MX"}, ("AP-7KQ2MX",)),
    "appointment.work_order_created": ({"reference": "AP-7KQ2MX"}, ("AP-7KQ2MX",)),
    "complaint.replied": ({"text": "已向用户致歉并说明原因"}, ()),
    "sla.escalated": (
        {
            "milestone": "on_site",
            "level": 2,
            "unit": "st-east",
            "recipients": ["supervisor"],
            "due_at": EVENING.isoformat(),
        },
        ("st-east",),
    ),
}
LATIN = re.compile(r"[A-Za-z]")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _dispatcher(name: str) -> User:
    return User(username="wangwei", first_name=name, role="dispatcher")


def _render(kind: str, language: str, name: str) -> str:
    data, _passed = EVENTS[kind]
    with override(language):
        actor = actor_text("wangwei", _dispatcher(name))
        return event_summary(
            kind,
            data,
            "" if kind.startswith("crew.") else CREW,
            VERIFIED,
            actor=actor,
            day_of=EVENING,
        )


def _without(text: str, passed: tuple[str, ...]) -> str:
    for word in sorted(passed, key=len, reverse=True):
        text = text.replace(word, "")
    return text


def test_every_kind_has_a_representative_event() -> None:
    assert set(EVENTS) == set(KIND_LABELS)


@pytest.mark.usefixtures("translated")
@pytest.mark.parametrize("kind", sorted(KIND_LABELS))
def test_every_kind_reads_as_a_sentence_in_chinese_and_in_english(kind: str) -> None:
    _data, passed = EVENTS[kind]
    zh = _render(kind, "zh-hans", "王伟")
    en = _render(kind, "en", "Wang Wei")

    # Chinese: nothing in Latin letters but the names, references and units passed in.
    assert zh
    assert not LATIN.search(_without(zh, passed)), zh
    if kind == "incident.note":  # the writer's own words, as written, in any language
        assert en == zh == EVENTS[kind][0]["text"]
        return
    # English: words, no Chinese but what the data itself says.
    assert en != zh
    assert re.search(r"[A-Za-z]{3,}", en), en
    with override("zh-hans"):
        assert not LATIN.search(kind_label(kind)), kind_label(kind)
    assert not CJK.search(kind_label(kind))


@pytest.mark.usefixtures("translated")
def test_a_dispatch_names_the_dispatcher_with_their_role_and_the_crew() -> None:
    assert _render("work_order.assigned", "zh-hans", "王伟").startswith(
        "调度员王伟派出抢修二班（推荐第1名，预计6分钟到达）；"
    )
    data = {"crew": "Repair crew 2", "recommendation": {"rank": 1, "eta_seconds": 360}}
    with override("en"):
        actor = actor_text("wangwei", _dispatcher("Wang Wei"))
        assert event_summary("work_order.assigned", data, actor=actor) == (
            "Dispatcher Wang Wei sent Repair crew 2 (recommended #1, ETA 6 min)"
        )
        # The system's own dispatch, and devices, say so.
        assert event_summary("work_order.assigned", data) == (
            "Repair crew 2 dispatched (recommended #1, ETA 6 min)"
        )
        assert actor_text("geofence") == "Geofence"
        assert actor_text("tablet VAN-7") == "Tablet VAN-7"
        assert actor_text("<b>x</b>") == "<b>x</b>"  # an unknown label as it is
    with override("zh-hans"):
        assert actor_text("system") == "系统"


@pytest.mark.usefixtures("translated")
def test_an_incident_status_says_why_in_words() -> None:
    ended = {"from": "on_site", "to": "closed", "because": "work completed"}
    moved = {"from": "dispatched", "to": "on_site", "because": "Crew 3 on site"}
    with override("zh-hans"):
        assert event_summary("incident.status", ended) == "事件状态：班组到场 → 已关闭（作业完成）"
    with override("en"):
        assert event_summary("incident.status", moved).endswith("(Crew 3 arrived on site)")


@pytest.mark.usefixtures("translated")
def test_an_arrival_the_geofence_confirmed_says_so() -> None:
    data = {"from": "en_route", "evidence": FIX}
    with override("zh-hans"):
        assert (
            event_summary("work_order.on_site", data, CREW)
            == "抢修二班到达现场（已由电子围栏确认）"
        )
    with override("en"):
        assert event_summary("work_order.on_site", data, "Repair crew 2") == (
            "Repair crew 2 arrived on site (confirmed by the geofence)"
        )


@pytest.mark.usefixtures("translated")
def test_findings_read_as_labelled_fields_with_their_options_in_words() -> None:
    findings = {"leak_grade": 2, "cause": "corrosion"}
    with override("zh-hans"):
        assert findings_text(findings) == "泄漏等级：2；原因：腐蚀"
        assert event_summary("work_order.findings", findings, CREW) == (
            "抢修二班上报现场情况。泄漏等级：2；原因：腐蚀"
        )
    with override("en"):
        assert event_summary("work_order.findings", findings, "Repair crew 2") == (
            "Repair crew 2 reported findings. Leak grade: 2; cause: corrosion"
        )
        full = findings_text(
            {
                "actions_taken": ["Closed the meter valve", "Gas detector survey"],
                "valves_operated": [
                    {"asset_id": "V-1", "action": "closed", "operable": True},
                    {"asset_id": "V-2", "action": "closed", "operable": False},
                ],
                "materials": [{"item": "clamp", "quantity": 2.0, "unit": "pcs"}],
                "cause": "a cause the tablet did not offer",
            }
        )
    assert full == (
        "actions taken: Closed the meter valve, Gas detector survey; valves operated: V-1 "
        "closed, V-2 would not turn (to close); materials: clamp: 2 pcs; cause: a cause the "
        "tablet did not offer"
    )


@pytest.mark.usefixtures("translated")
def test_a_moment_on_another_day_carries_its_date() -> None:
    assert clock(NEXT_MORNING, day_of=EVENING) == "11-23 07:08:24"
    assert clock(EVENING, day_of=EVENING) == "19:08:24"
    assert clock(EVENING, day_of=EVENING + timedelta(days=400)) == "2026-11-22 19:08:24"
    with override("en"):
        eta = _render("work_order.eta", "en", "Wang Wei")
        started = _render("sla.started", "en", "Wang Wei")
    assert eta == f"{CREW} now expected at 11-23 07:08:24 (was 19:08:24)"
    assert started == (
        "The clocks started; due: work order issued by 19:08:24, crew on site by 11-23 07:08:24"
    )
    # Read against today (no incident to go by): yesterday's moment has its date.
    yesterday = timezone.localtime() - timedelta(days=1)
    day = "%m-%d" if yesterday.year == timezone.localdate().year else "%Y-%m-%d"
    with override("en"):
        assert event_summary("sla.breached", {"milestone": "on_site", "due_at": yesterday}) == (
            f"Crew on site: due {yesterday.strftime(day + ' %H:%M:%S')}, not met"
        )


@pytest.mark.usefixtures("translated")
def test_durations_are_said_in_the_readers_language() -> None:
    with override("zh-hans"):
        assert duration_text(365) == "6分05秒"
        assert duration_text(360) == "6分钟"
        assert duration_text(3723) == "1小时02分03秒"
        assert duration_text(45) == "45秒"
    assert duration_text(365) == "6 min 05 s"


@pytest.mark.usefixtures("translated")
def test_unknown_kinds_and_old_shapes_still_read_as_labelled_words() -> None:
    with override("zh-hans"):
        assert event_summary("call.open311", {"reason": "管线修复", "service_code": 12}) == (
            "原因：管线修复；service code：12"
        )
        assert event_summary("work_order.findings", {"leak_grade": 1}) == (
            "班组上报现场情况。泄漏等级：1"
        )
    with override("en"):
        # A list where a dictionary was: no crash, the data in words.
        assert event_summary("crews.recommended", {"crews": "none"}) == "Crews: none"
        assert event_summary("work_order.assigned", {"recommendation": "x"}) == (
            "Recommendation: x"
        )
