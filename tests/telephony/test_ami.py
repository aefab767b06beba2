"""The AMI adapter against a small real AMI server replaying recorded event sequences: a queue
call answered and transferred, an abandoned call, a replayed event, and the line dropping in
the middle of a call. The call legs must be exact."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command

from config.counters import counters_all
from dispatch.models import User
from telephony.ami_client import adapter_run
from telephony.models import CallLeg, Extension, PhoneSystem
from tests.telephony.fake_ami import DROP, T0, FakeAmi, ev

Status = CallLeg.Status

CALLER = {"Channel": "PJSIP/trunk-00000001", "CallerIDNum": "13800138000", "Exten": "96777"}


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(T0 + seconds, tz=UTC)


def caller_in(uid: str, t: float, **more: str) -> dict[str, str]:
    return ev("Newchannel", t, Uniqueid=uid, Linkedid=uid, **{**CALLER, **more})


def agent_in(uid: str, call: str, ext: str, t: float) -> dict[str, str]:
    return ev("Newchannel", t, Uniqueid=uid, Linkedid=call, Channel=f"PJSIP/{ext}-0000{uid[-1]}")


def dest(name: str, uid: str, call: str, ext: str, t: float, **more: str) -> dict[str, str]:
    return ev(
        name,
        t,
        Uniqueid=call,
        Linkedid=call,
        DestUniqueid=uid,
        DestLinkedid=call,
        DestChannel=f"PJSIP/{ext}-0000{uid[-1]}",
        Queue="hotline",
        Interface=f"PJSIP/{ext}",
        **more,
    )


ANSWERED_AND_TRANSFERRED = [
    caller_in("1.1", 0),
    ev("QueueCallerJoin", 2, Uniqueid="1.1", Linkedid="1.1", Queue="hotline", Position="1"),
    agent_in("1.2", "1.1", "8001", 3),
    dest("AgentCalled", "1.2", "1.1", "8001", 3),
    dest("DialBegin", "1.2", "1.1", "8001", 3),
    dest("AgentConnect", "1.2", "1.1", "8001", 8, HoldTime="6", RingTime="5"),
    ev(
        "VarSet",
        8,
        Uniqueid="1.2",
        Linkedid="1.1",
        Variable="MIXMONITOR_FILENAME",
        Value="/var/spool/asterisk/monitor/hotline-1.1.wav",
    ),
    ev("BlindTransfer", 60, TransfererUniqueid="1.2", TransfererLinkedid="1.1", Extension="8002"),
    ev("Hangup", 60, Uniqueid="1.2", Linkedid="1.1", Cause="16"),
    # The same answer again (a replayed event): changes nothing.
    dest("AgentConnect", "1.2", "1.1", "8001", 8, HoldTime="6", RingTime="5"),
    agent_in("1.3", "1.1", "8002", 61),
    dest("DialBegin", "1.3", "1.1", "8002", 61),
    # Out of order: the hang-up of 8002's leg before its answer reached us.
    ev("Hangup", 120, Uniqueid="1.3", Linkedid="1.1", Cause="16"),
    dest("DialEnd", "1.3", "1.1", "8002", 65, DialStatus="ANSWER"),
    ev("Hangup", 120, Uniqueid="1.1", Linkedid="1.1", Cause="16"),
]

ABANDONED = [
    caller_in("2.1", 200, CallerIDNum="13900139000"),
    ev("QueueCallerJoin", 201, Uniqueid="2.1", Linkedid="2.1", Queue="hotline", Position="1"),
    agent_in("2.2", "2.1", "8001", 202),
    dest("AgentCalled", "2.2", "2.1", "8001", 202),
    ev("QueueCallerAbandon", 230, Uniqueid="2.1", Linkedid="2.1", Queue="hotline", HoldTime="29"),
    ev("Hangup", 230, Uniqueid="2.2", Linkedid="2.1", Cause="26"),
    ev("Hangup", 230, Uniqueid="2.1", Linkedid="2.1", Cause="16"),
]

# The line drops mid-call: call 3 goes on and ends after the adapter is back (exact);
# call 4 ends while nobody hears (its end is seen at the reconnect, and says so).
DROPPED = [
    caller_in("3.1", 300, CallerIDNum="13700137000"),
    agent_in("3.2", "3.1", "8001", 301),
    dest("DialBegin", "3.2", "3.1", "8001", 301),
    dest("DialEnd", "3.2", "3.1", "8001", 304, DialStatus="ANSWER"),
    caller_in("4.1", 305, CallerIDNum="13600136000"),
    agent_in("4.2", "4.1", "8002", 306),
    dest("DialBegin", "4.2", "4.1", "8002", 306),
    dest("DialEnd", "4.2", "4.1", "8002", 309, DialStatus="ANSWER"),
    DROP,
    {**ev("Hangup", 340, Uniqueid="4.2", Linkedid="4.1"), "Unheard": "1"},
    {**ev("Hangup", 340, Uniqueid="4.1", Linkedid="4.1"), "Unheard": "1"},
    ev("Hangup", 400, Uniqueid="3.2", Linkedid="3.1"),
    ev("Hangup", 400, Uniqueid="3.1", Linkedid="3.1"),
]


@pytest.fixture
def agents(transactional_db: None) -> tuple[User, User]:
    call_command("load_demo", stdout=StringIO())
    return User.objects.get(username="calltaker"), User.objects.get(username="dispatcher")


@contextmanager
def _running(script: list[dict[str, str]], agents: tuple[User, User]) -> Iterator[PhoneSystem]:
    server = FakeAmi(script, secret="s3cret")
    system = PhoneSystem.objects.create(
        name="Asterisk",
        kind="ami",
        host="127.0.0.1",
        port=server.port,
        username="hotline",
        secret="s3cret",
    )
    Extension.objects.create(system=system, number="8001", user=agents[0])
    Extension.objects.create(system=system, number="8002", user=agents[1])
    stop = threading.Event()
    thread = threading.Thread(target=adapter_run, args=(system, stop), daemon=True)
    thread.start()
    try:
        assert server.done.wait(30), "the adapter never took the whole script"
        _settle(system, script)
        yield system
    finally:
        stop.set()
        server.close()
        thread.join(15)


def _settle(system: PhoneSystem, script: list[dict[str, str]]) -> None:
    """The script has been sent: wait until every leg it names exists and has ended (each
    script here ends all of its calls), applied as the adapter reads them."""
    named = {
        frame[key]
        for frame in script
        for key in ("Uniqueid", "DestUniqueid", "TransfererUniqueid")
        if key in frame
    }
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ended = CallLeg.objects.filter(system=system, ended_at__isnull=False)
        if set(ended.values_list("leg_uid", flat=True)) >= named:
            time.sleep(0.2)  # anything still in flight (a replayed event) lands too
            return
        time.sleep(0.05)
    raise AssertionError("the adapter did not end every leg of the script in 30 s")


def _legs(system: PhoneSystem) -> dict[str, CallLeg]:
    return {leg.leg_uid: leg for leg in CallLeg.objects.filter(system=system)}


def test_a_queue_call_answered_then_transferred_is_one_record_per_leg(
    agents: tuple[User, User],
) -> None:
    with _running(ANSWERED_AND_TRANSFERRED, agents) as system:
        legs = _legs(system)
        assert set(legs) == {"1.1", "1.2", "1.3"}
        caller, first, second = legs["1.1"], legs["1.2"], legs["1.3"]
        assert caller.role == CallLeg.Role.CALLER
        assert (caller.caller_number, caller.dialled_number, caller.queue) == (
            "13800138000",
            "96777",
            "hotline",
        )
        assert (caller.rang_at, caller.queued_at, caller.answered_at, caller.ended_at) == (
            at(0),
            at(2),
            at(8),
            at(120),
        )
        assert caller.status == Status.COMPLETED
        assert (first.extension, first.agent, first.queue) == ("8001", agents[0], "hotline")
        assert (first.rang_at, first.answered_at, first.ended_at) == (at(3), at(8), at(60))
        assert (first.status, first.transferred_to) == (Status.TRANSFERRED, "8002")
        assert first.recording == "/var/spool/asterisk/monitor/hotline-1.1.wav"
        assert (second.extension, second.agent) == ("8002", agents[1])
        assert (second.rang_at, second.answered_at, second.ended_at) == (at(61), at(65), at(120))
        assert second.status == Status.COMPLETED
        assert all(leg.call_uid == "1.1" for leg in legs.values())
        assert not any(leg.end_unseen for leg in legs.values())


def test_an_abandoned_call_is_abandoned_and_the_agent_who_rang_missed_it(
    agents: tuple[User, User],
) -> None:
    with _running(ABANDONED, agents) as system:
        legs = _legs(system)
        assert set(legs) == {"2.1", "2.2"}
        caller, agent = legs["2.1"], legs["2.2"]
        assert (caller.status, caller.answered_at, caller.ended_at) == (
            Status.ABANDONED,
            None,
            at(230),
        )
        assert caller.queued_at == at(201)
        assert (agent.status, agent.rang_at, agent.answered_at) == (Status.MISSED, at(202), None)


def test_a_line_dropped_mid_call_loses_nothing_and_counts_nothing_twice(
    agents: tuple[User, User],
) -> None:
    before = counters_all().get("telephony.leg.end_unseen", 0)
    with _running(DROPPED, agents) as system:
        legs = _legs(system)
        assert set(legs) == {"3.1", "3.2", "4.1", "4.2"}  # no leg twice after the reconnect
        assert (legs["3.2"].rang_at, legs["3.2"].answered_at, legs["3.2"].ended_at) == (
            at(301),
            at(304),
            at(400),
        )
        assert (legs["3.1"].status, legs["3.1"].answered_at, legs["3.1"].ended_at) == (
            Status.COMPLETED,
            at(304),
            at(400),
        )
        assert not legs["3.1"].end_unseen
        # Ended while nobody heard: completed (it was answered), its end marked as unseen and
        # no earlier than the last moment known of it.
        for uid in ("4.1", "4.2"):
            assert legs[uid].status == Status.COMPLETED
            assert legs[uid].end_unseen
            ended = legs[uid].ended_at
            assert ended is not None
            assert ended >= at(309)
        system.refresh_from_db()
        assert system.connected_at is not None
        assert system.disconnected_at is not None
    assert counters_all().get("telephony.leg.end_unseen", 0) == before + 2


def test_a_wrong_secret_is_refused_and_tried_again_without_a_leg(agents: tuple[User, User]) -> None:
    server = FakeAmi([caller_in("5.1", 500)], secret="other")
    system = PhoneSystem.objects.create(
        name="Asterisk",
        kind="ami",
        host="127.0.0.1",
        port=server.port,
        username="x",
        secret="wrong",
    )
    stop = threading.Event()
    thread = threading.Thread(target=adapter_run, args=(system, stop), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while server.refused < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    server.close()
    thread.join(15)
    assert server.refused >= 2  # it backs off and tries again
    assert not CallLeg.objects.exists()
