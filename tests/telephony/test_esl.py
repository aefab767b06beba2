"""The event-socket adapter against a small real FreeSWITCH event socket replaying recorded event
sequences (mod_callcenter queues): a queue call answered and transferred, an abandoned call,
a replayed event, an out-of-order event and the line dropping in the middle of a call. The
call legs must be exact."""

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
from telephony.esl import events_of, extension_of
from telephony.esl_client import adapter_run
from telephony.events import Kind
from telephony.models import CallLeg, Extension, PhoneSystem
from tests.telephony.fake_esl import BAD, DROP, T0, FakeEsl, ev

Status = CallLeg.Status
QUEUE = "hotline@default"


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(T0 + seconds, tz=UTC)


def caller_in(uid: str, t: float, number: str = "13800138000") -> dict[str, str]:
    return ev(
        "CHANNEL_CREATE",
        t,
        **{
            "Unique-ID": uid,
            "Call-Direction": "inbound",
            "Channel-Name": f"sofia/external/{number}@203.0.113.9",
            "Caller-Caller-ID-Number": number,
            "Caller-Destination-Number": "96777",
        },
    )


def agent(name: str, uid: str, call: str, ext: str, t: float, **more: str) -> dict[str, str]:
    """An event of the agent's channel mod_callcenter dialled for the caller's `call`."""
    return ev(
        name,
        t,
        **{
            "Unique-ID": uid,
            "Call-Direction": "outbound",
            "Channel-Name": f"sofia/internal/{ext}@10.0.0.5",
            "Caller-Caller-ID-Number": "13800138000",
            "Caller-Destination-Number": ext,
            "variable_cc_member_session_uuid": call,
            "variable_cc_queue": QUEUE,
            **more,
        },
    )


def own(name: str, uid: str, t: float, **more: str) -> dict[str, str]:
    return ev(name, t, **{"Unique-ID": uid, "Call-Direction": "inbound", **more})


def queue(action: str, uid: str, t: float, **more: str) -> dict[str, str]:
    return ev(
        "CUSTOM",
        t,
        **{
            "Event-Subclass": "callcenter::info",
            "CC-Action": action,
            "CC-Queue": QUEUE,
            "CC-Member-Session-UUID": uid,
            "CC-Member-CID-Number": "13800138000",
            "Unique-ID": uid,
            **more,
        },
    )


ANSWERED_AND_TRANSFERRED = [
    caller_in("c1", 0),
    own("CHANNEL_ANSWER", "c1", 1),  # FreeSWITCH answers to play the queue's music
    queue("member-queue-start", "c1", 2),
    agent("CHANNEL_CREATE", "c1-a", "c1", "8001", 3),
    agent("CHANNEL_ANSWER", "c1-a", "c1", "8001", 8),
    agent(
        "RECORD_START",
        "c1-a",
        "c1",
        "8001",
        8,
        **{"Record-File-Path": "/var/lib/freeswitch/recordings/hotline c1.wav"},
    ),
    queue("member-queue-end", "c1", 8, **{"CC-Cause": "Terminated"}),
    # The agent's phone transfers the caller blind (SIP REFER) to 8002.
    agent(
        "CHANNEL_HANGUP_COMPLETE",
        "c1-a",
        "c1",
        "8001",
        60,
        **{"Hangup-Cause": "BLIND_TRANSFER", "variable_sip_refer_to": "<sip:8002@10.0.0.1>"},
    ),
    # The same answer again (a replayed event): changes nothing.
    agent("CHANNEL_ANSWER", "c1-a", "c1", "8001", 8),
    # 8002 is dialled from the caller's channel (a bridge): its call is originating_leg_uuid.
    ev(
        "CHANNEL_CREATE",
        61,
        **{
            "Unique-ID": "c1-b",
            "Call-Direction": "outbound",
            "Channel-Name": "sofia/internal/sip:8002@10.0.0.6:5060",
            "Caller-Caller-ID-Number": "13800138000",
            "variable_originating_leg_uuid": "c1",
        },
    ),
    # Out of order: the hang-up of 8002's leg before its answer reached us; both name the
    # caller's channel only as the other leg of the bridge.
    ev(
        "CHANNEL_HANGUP_COMPLETE",
        120,
        **{"Unique-ID": "c1-b", "Other-Type": "originator", "Other-Leg-Unique-ID": "c1"},
    ),
    ev(
        "CHANNEL_ANSWER",
        65,
        **{"Unique-ID": "c1-b", "Other-Type": "originator", "Other-Leg-Unique-ID": "c1"},
    ),
    own("CHANNEL_HANGUP_COMPLETE", "c1", 120, **{"Hangup-Cause": "NORMAL_CLEARING"}),
]

ABANDONED = [
    caller_in("c2", 200, "13900139000"),
    queue("member-queue-start", "c2", 201, **{"CC-Member-CID-Number": "13900139000"}),
    agent("CHANNEL_CREATE", "c2-a", "c2", "8001", 202),
    BAD,  # a message that is no event: counted, and the rest still read
    queue("member-queue-end", "c2", 230, **{"CC-Cause": "Cancel", "CC-Cancel-Reason": "NONE"}),
    agent(
        "CHANNEL_HANGUP_COMPLETE",
        "c2-a",
        "c2",
        "8001",
        230,
        **{"Hangup-Cause": "ORIGINATOR_CANCEL"},
    ),
    own("CHANNEL_HANGUP_COMPLETE", "c2", 230),
]

# The line drops mid-call: call 3 goes on and ends after the adapter is back (exact);
# call 4 ends while nobody hears (its end is seen at the reconnect, and says so).
DROPPED = [
    # Moments inside a second: `show channels` knows only the second, and must not move them.
    caller_in("c3", 300.25, "13700137000"),
    agent("CHANNEL_CREATE", "c3-a", "c3", "8001", 301.5),
    agent("CHANNEL_ANSWER", "c3-a", "c3", "8001", 304.75),
    caller_in("c4", 305, "13600136000"),
    agent("CHANNEL_CREATE", "c4-a", "c4", "8002", 306),
    agent("CHANNEL_ANSWER", "c4-a", "c4", "8002", 309),
    DROP,
    {**agent("CHANNEL_HANGUP_COMPLETE", "c4-a", "c4", "8002", 340), "Unheard": "1"},
    {**own("CHANNEL_HANGUP_COMPLETE", "c4", 340), "Unheard": "1"},
    agent("CHANNEL_HANGUP_COMPLETE", "c3-a", "c3", "8001", 400),
    own("CHANNEL_HANGUP_COMPLETE", "c3", 400),
]


@pytest.fixture
def agents(transactional_db: None) -> tuple[User, User]:
    call_command("load_demo", stdout=StringIO())
    return User.objects.get(username="calltaker"), User.objects.get(username="dispatcher")


@contextmanager
def _running(
    script: list[dict[str, str]], agents: tuple[User, User], legs: set[str]
) -> Iterator[PhoneSystem]:
    server = FakeEsl(script, password="ClueCon")
    system = PhoneSystem.objects.create(
        name="FreeSWITCH", kind="esl", host="127.0.0.1", port=server.port, secret="ClueCon"
    )
    Extension.objects.create(system=system, number="8001", user=agents[0])
    Extension.objects.create(system=system, number="8002", user=agents[1])
    stop = threading.Event()
    thread = threading.Thread(target=adapter_run, args=(system, stop), daemon=True)
    thread.start()
    try:
        assert server.done.wait(30), "the adapter never took the whole script"
        _settle(system, legs)
        yield system
    finally:
        stop.set()
        server.close()
        thread.join(15)
    assert not thread.is_alive()


def _settle(system: PhoneSystem, legs: set[str]) -> None:
    """The script has been sent: wait (up to a deadline) until every leg it names is there and
    ended, as each script ends every call, then a moment more for anything still coming."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        seen = CallLeg.objects.filter(system=system)
        if set(seen.values_list("leg_uid", flat=True)) == legs and not seen.filter(
            ended_at__isnull=True
        ):
            break
        time.sleep(0.05)
    time.sleep(0.2)


def _legs(system: PhoneSystem) -> dict[str, CallLeg]:
    return {leg.leg_uid: leg for leg in CallLeg.objects.filter(system=system)}


def test_a_queue_call_answered_then_transferred_is_one_record_per_leg(
    agents: tuple[User, User],
) -> None:
    with _running(ANSWERED_AND_TRANSFERRED, agents, {"c1", "c1-a", "c1-b"}) as system:
        legs = _legs(system)
        assert set(legs) == {"c1", "c1-a", "c1-b"}
        caller, first, second = legs["c1"], legs["c1-a"], legs["c1-b"]
        assert caller.role == CallLeg.Role.CALLER
        assert (caller.caller_number, caller.dialled_number, caller.queue) == (
            "13800138000",
            "96777",
            QUEUE,
        )
        # Answered when the agent answered, not when FreeSWITCH did for the music.
        assert (caller.rang_at, caller.queued_at, caller.answered_at, caller.ended_at) == (
            at(0),
            at(2),
            at(8),
            at(120),
        )
        assert caller.status == Status.COMPLETED
        assert (first.role, first.extension, first.agent, first.queue) == (
            CallLeg.Role.AGENT,
            "8001",
            agents[0],
            QUEUE,
        )
        assert (first.rang_at, first.answered_at, first.ended_at) == (at(3), at(8), at(60))
        assert (first.status, first.transferred_to) == (Status.TRANSFERRED, "8002")
        assert first.recording == "/var/lib/freeswitch/recordings/hotline c1.wav"
        assert (second.role, second.extension, second.agent) == (
            CallLeg.Role.AGENT,
            "8002",
            agents[1],
        )
        assert (second.rang_at, second.answered_at, second.ended_at) == (at(61), at(65), at(120))
        assert second.status == Status.COMPLETED
        assert all(leg.call_uid == "c1" for leg in legs.values())
        assert not any(leg.end_unseen for leg in legs.values())


def test_an_abandoned_call_is_abandoned_and_the_agent_who_rang_missed_it(
    agents: tuple[User, User],
) -> None:
    bad_before = counters_all().get("telephony.esl.bad_frame", 0)
    with _running(ABANDONED, agents, {"c2", "c2-a"}) as system:
        legs = _legs(system)
        assert set(legs) == {"c2", "c2-a"}
        caller, missed = legs["c2"], legs["c2-a"]
        assert (caller.status, caller.answered_at, caller.ended_at) == (
            Status.ABANDONED,
            None,
            at(230),
        )
        assert (caller.queued_at, caller.caller_number, caller.queue) == (
            at(201),
            "13900139000",
            QUEUE,
        )
        assert (missed.status, missed.rang_at, missed.answered_at, missed.agent) == (
            Status.MISSED,
            at(202),
            None,
            agents[0],
        )
    assert counters_all().get("telephony.esl.bad_frame", 0) == bad_before + 1


def test_a_line_dropped_mid_call_loses_nothing_and_counts_nothing_twice(
    agents: tuple[User, User],
) -> None:
    before = counters_all().get("telephony.leg.end_unseen", 0)
    with _running(DROPPED, agents, {"c3", "c3-a", "c4", "c4-a"}) as system:
        legs = _legs(system)
        assert set(legs) == {"c3", "c3-a", "c4", "c4-a"}  # no leg twice after the reconnect
        assert (legs["c3-a"].rang_at, legs["c3-a"].answered_at, legs["c3-a"].ended_at) == (
            at(301.5),
            at(304.75),
            at(400),
        )
        assert (legs["c3"].rang_at, legs["c3"].answered_at, legs["c3"].ended_at) == (
            at(300.25),
            at(304.75),
            at(400),
        )
        assert legs["c3"].status == Status.COMPLETED
        assert not legs["c3"].end_unseen
        assert not legs["c3-a"].end_unseen
        # Ended while nobody heard: completed (it was answered), its end marked as unseen and
        # no earlier than the last moment known of it.
        for uid in ("c4", "c4-a"):
            assert legs[uid].status == Status.COMPLETED
            assert legs[uid].end_unseen
            ended = legs[uid].ended_at
            assert ended is not None
            assert ended >= at(309)
        system.refresh_from_db()
        assert system.connected_at is not None
        assert system.disconnected_at is not None
    assert counters_all().get("telephony.leg.end_unseen", 0) == before + 2


def test_a_wrong_password_is_refused_and_tried_again_without_a_leg(
    agents: tuple[User, User],
) -> None:
    server = FakeEsl([caller_in("c5", 500)], password="ClueCon")
    system = PhoneSystem.objects.create(
        name="FreeSWITCH", kind="esl", host="127.0.0.1", port=server.port, secret="wrong"
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
    assert server.logins == 0
    assert not CallLeg.objects.exists()


def test_a_queue_left_by_timeout_is_not_an_abandoned_call() -> None:
    """Only the caller hanging up in the queue abandons it; a queue that gives up sends the
    caller on through the dialplan (voicemail, another queue), and the call goes on."""
    left = queue(
        "member-queue-end", "c6", 1, **{"CC-Cause": "Cancel", "CC-Cancel-Reason": "TIMEOUT"}
    )
    hung_up = queue(
        "member-queue-end", "c6", 1, **{"CC-Cause": "Cancel", "CC-Cancel-Reason": "NONE"}
    )
    assert events_of(left, at(0)) == []
    assert [e.kind for e in events_of(hung_up, at(0))] == [Kind.ABANDONED]


def test_an_agents_extension_is_the_number_dialled_or_the_user_its_channel_names() -> None:
    assert extension_of("8001", "sofia/internal/sip:9999@10.0.0.5:5060") == "8001"
    assert extension_of("", "sofia/internal/sip:8002@10.0.0.5:5060") == "8002"
    assert extension_of("", "sofia/internal/8003@10.0.0.5") == "8003"
    assert extension_of("", "user/8004@default") == "8004"
