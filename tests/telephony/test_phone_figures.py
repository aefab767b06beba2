"""A day of phone calls replayed as the phone system reports them, and the reports' answer and
abandon figures recomputed here from the script: count, answered, abandoned, answered within
four rings, the time to answer's distribution, per agent."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client

from dispatch.models import User
from gis.models import OrgUnit
from telephony.events import Kind, PhoneEvent
from telephony.models import Extension, PhoneSystem
from telephony.services.legs import phone_event_apply

DAY = datetime(2026, 11, 10, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CALLS = 30


def _fate(n: int) -> tuple[str, float | None]:
    """Who answers call n and after how many seconds (None: abandoned after 40 s)."""
    if n % 5 == 0:
        return "", None
    if n % 5 == 1:
        return "8002", 35.0  # late: past four rings
    return ("8001" if n % 2 else "8002"), 5.0 + (n % 4) * 3.5


def _replay(system: PhoneSystem) -> None:
    for n in range(CALLS):
        rang = DAY + timedelta(minutes=10 * n)
        call, agent = f"{n}.1", f"{n}.2"
        extension, after = _fate(n)
        events = [
            PhoneEvent(Kind.CREATED, call, call, rang, caller=f"1390000{n:04d}"),
            PhoneEvent(Kind.QUEUED, call, call, rang + timedelta(seconds=1), queue="hotline"),
        ]
        if after is None:
            events += [
                PhoneEvent(Kind.ABANDONED, call, call, rang + timedelta(seconds=40)),
                PhoneEvent(Kind.ENDED, call, call, rang + timedelta(seconds=40)),
            ]
        else:
            answered = rang + timedelta(seconds=after)
            events += [
                PhoneEvent(Kind.RINGING, agent, call, rang + timedelta(seconds=2),
                           extension=extension),
                PhoneEvent(Kind.ANSWERED, agent, call, answered),
                PhoneEvent(Kind.ENDED, agent, call, answered + timedelta(minutes=2)),
                PhoneEvent(Kind.ENDED, call, call, answered + timedelta(minutes=2)),
            ]  # fmt: skip
        for event in reversed(events) if n % 3 == 0 else events:  # some out of order
            phone_event_apply(system=system, event=event)


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    at = p * (len(ordered) - 1)
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


@pytest.fixture
def supervisor(db: None) -> User:
    call_command("load_demo", stdout=StringIO())
    return User.objects.get(username="supervisor")


def test_a_replayed_day_gives_the_answer_and_abandon_figures(supervisor: User) -> None:
    station = supervisor.org_unit
    assert isinstance(station, OrgUnit)
    system = PhoneSystem.objects.create(name="Asterisk", kind="ami", unit=station)
    taker, other = User.objects.get(username="calltaker"), User.objects.get(username="dispatcher")
    Extension.objects.create(system=system, number="8001", user=taker)
    Extension.objects.create(system=system, number="8002", user=other)
    _replay(system)

    client = Client()
    client.force_login(supervisor)
    query = {"from": "2026-11-10", "to": "2026-11-10", "by": "taker"}
    answer = client.get("/api/reports/figures/", query)
    assert answer.status_code == 200, answer.content
    figures = {f["key"]: f for f in answer.json()["figures"]}

    fates = [_fate(n) for n in range(CALLS)]
    waits = [after for _ext, after in fates if after is not None]
    answered = figures["phone_answered"]["total"]
    assert (answered["count"], answered["hits"]) == (CALLS, len(waits))
    abandoned = figures["phone_abandoned"]["total"]
    assert (abandoned["count"], abandoned["hits"]) == (CALLS, CALLS - len(waits))
    in_time = figures["phone_answered_in_time"]["total"]
    assert in_time["hits"] == sum(1 for w in waits if w <= 20)
    assert 0 < in_time["hits"] < len(waits)
    spread = figures["phone_answer_seconds"]["total"]
    assert spread["count"] == len(waits)
    assert spread["median"] == pytest.approx(_percentile(waits, 0.5))
    assert spread["p90"] == pytest.approx(_percentile(waits, 0.9))
    assert spread["longest"] == pytest.approx(max(waits))
    assert spread["mean"] == pytest.approx(sum(waits) / len(waits))
    # Per agent: each answered call counts for the agent who answered it.
    rows = {r["key"]: r for r in figures["phone_answer_seconds"]["rows"]}
    for user, extension in ((taker, "8001"), (other, "8002")):
        theirs = [after for ext, after in fates if ext == extension and after is not None]
        assert rows[str(user.pk)]["count"] == len(theirs)
        assert rows[str(user.pk)]["median"] == pytest.approx(_percentile(theirs, 0.5))

    # Another station's supervisor sees none of this station's calls.
    elsewhere = OrgUnit.objects.filter(tier=station.tier).exclude(pk=station.pk).first()
    assert elsewhere is not None
    PhoneSystem.objects.filter(pk=system.pk).update(unit=elsewhere)
    moved = client.get("/api/reports/figures/", query).json()
    assert {f["key"]: f for f in moved["figures"]}["phone_answered"]["total"]["count"] == 0
