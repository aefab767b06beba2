"""Recordings: played from the leg, the timeline and the case for those allowed, never a file
outside the recordings directory; a supervisor's quality review with its refusals."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from desk.services.cases import case_open
from dispatch.models import Call, User
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from gis.models import OrgUnit, Premise
from telephony.events import Kind, PhoneEvent
from telephony.models import CallLeg, Extension, PhoneSystem, RecordingReview
from telephony.services.legs import phone_event_apply

# A valid, empty WAV file (8 kHz, 16-bit mono), as a phone system records one.
WAV = (
    b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f\x00\x00"
    b"\x80>\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"
)


@pytest.fixture
def recorded(db: None, tmp_path: Path) -> dict:
    call_command("make_demo_city", "--premises", "200", "--no-progress", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    taker = User.objects.get(username="calltaker")
    station = OrgUnit.objects.get(code="st-central")
    (tmp_path / "2026").mkdir()
    (tmp_path / "2026" / "q-1.wav").write_bytes(WAV)
    system = PhoneSystem.objects.create(
        name="Asterisk",
        kind="ami",
        unit=station,
        recordings_prefix="/var/spool/asterisk/monitor/",
        recordings_dir=str(tmp_path),
    )
    Extension.objects.create(system=system, number="8001", user=taker)
    now = timezone.now()
    for event in (
        PhoneEvent(Kind.CREATED, "r.1", "r.1", now, caller="13800138000"),
        PhoneEvent(Kind.RINGING, "r.2", "r.1", now, extension="8001"),
        PhoneEvent(Kind.ANSWERED, "r.2", "r.1", now),
        PhoneEvent(Kind.RECORDING, "r.2", "r.1", now,
                   recording="/var/spool/asterisk/monitor/2026/q-1.wav"),
    ):  # fmt: skip
        phone_event_apply(system=system, event=event)
    premise = Premise.objects.filter(service_segment__isnull=False).order_by("asset_id").first()
    assert premise is not None
    call = call_receive(
        data=CallInput(
            category="leak_outdoor", premise_id=premise.pk, phone_leg=f"{system.pk}:r.2"
        ),
        taker=taker,
    )
    incident = call_open_incident(call_id=call.id, actor=taker)
    for event in (  # a second call, a complaint, recorded too
        PhoneEvent(Kind.CREATED, "s.1", "s.1", now, caller="13800138000"),
        PhoneEvent(Kind.RINGING, "s.2", "s.1", now, extension="8001"),
        PhoneEvent(Kind.ANSWERED, "s.2", "s.1", now),
        PhoneEvent(Kind.RECORDING, "s.2", "s.1", now,
                   recording="/var/spool/asterisk/monitor/2026/q-1.wav"),
    ):  # fmt: skip
        phone_event_apply(system=system, event=event)
    complaint = call_receive(
        data=CallInput(
            category="complaint", caller_phone="13800138000", phone_leg=f"{system.pk}:s.2"
        ),
        taker=taker,
    )
    case = case_open(call_id=complaint.pk, actor=taker)
    return {"leg": CallLeg.objects.get(leg_uid="r.2"), "incident": incident, "case": case,
            "complaint": complaint}  # fmt: skip


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_a_supervisor_plays_the_recording_and_others_are_refused(recorded: dict) -> None:
    leg = recorded["leg"]
    played = _client("supervisor").get(f"/telephony/legs/{leg.pk}/recording")
    assert played.status_code == 200
    assert played["Content-Type"] == "audio/x-wav"
    assert b"".join(played.streaming_content) == WAV  # type: ignore[attr-defined]
    assert _client("safety").get(f"/telephony/legs/{leg.pk}/recording").status_code == 200
    for who in ("calltaker", "dispatcher"):
        assert _client(who).get(f"/telephony/legs/{leg.pk}/recording").status_code == 403
    # A station the supervisor does not cover: refused though the role may listen.
    other = OrgUnit.objects.get(code="st-west")
    PhoneSystem.objects.filter(pk=leg.system_id).update(unit=other)
    User.objects.filter(username="calltaker").update(org_unit=other)
    assert _client("supervisor").get(f"/telephony/legs/{leg.pk}/recording").status_code == 403


def test_a_recording_outside_the_directory_or_missing_is_never_served(recorded: dict) -> None:
    leg = recorded["leg"]
    for named in ("/var/spool/asterisk/monitor/../../../etc/passwd", "/etc/passwd", "gone.wav"):
        CallLeg.objects.filter(pk=leg.pk).update(recording=named)
        answer = _client("supervisor").get(f"/telephony/legs/{leg.pk}/recording")
        assert answer.status_code == 404, named
        assert "mount" in answer.json()["detail"]


def test_the_timeline_and_the_case_list_the_recording_for_those_who_may_hear(
    recorded: dict,
) -> None:
    leg, incident = recorded["leg"], recorded["incident"]
    audio = f"/telephony/legs/{leg.pk}/recording"
    # The company's safety manager reads every station's timelines, and may listen.
    page = _client("safety").get(f"/incidents/{incident.reference}/timeline")
    assert page.status_code == 200
    assert audio in page.content.decode()
    # The dispatcher reads the timeline but may not listen: no player.
    assert (
        audio
        not in _client("dispatcher")
        .get(f"/incidents/{incident.reference}/timeline")
        .content.decode()
    )
    listed = _client("supervisor").get(f"/telephony/calls/{recorded['complaint'].pk}/legs.json")
    complaint_leg = CallLeg.objects.get(leg_uid="s.2")
    assert [x["audio"] for x in listed.json()["legs"]] == [
        f"/telephony/legs/{complaint_leg.pk}/recording"
    ]
    assert (
        _client("calltaker")
        .get(f"/telephony/calls/{recorded['complaint'].pk}/legs.json")
        .status_code
        == 403
    )
    assert Call.objects.filter(pk=recorded["complaint"].pk).exists()


def test_a_supervisor_reviews_the_recording_and_bad_scores_are_refused(recorded: dict) -> None:
    leg = recorded["leg"]
    supervisor = _client("supervisor")
    page = supervisor.get(f"/telephony/legs/{leg.pk}/")
    assert page.status_code == 200
    assert 'id="review"' in page.content.decode()
    for bad in ("101", "-1", "ninety", ""):
        refused = supervisor.post(f"/telephony/legs/{leg.pk}/", {"score": bad, "comments": "x"})
        assert refused.status_code == 400, bad
        assert "0 to 100" in refused.content.decode()
    assert not RecordingReview.objects.exists()
    done = supervisor.post(
        f"/telephony/legs/{leg.pk}/", {"score": "86", "comments": "clear advice, no greeting"}
    )
    assert done.status_code == 302
    review = RecordingReview.objects.get()
    assert (review.score, review.comments, review.reviewer.username) == (
        86,
        "clear advice, no greeting",
        "supervisor",
    )
    assert "clear advice" in supervisor.get(f"/telephony/legs/{leg.pk}/").content.decode()
    # The safety manager listens but does not review.
    safety = _client("safety")
    assert 'id="review"' not in safety.get(f"/telephony/legs/{leg.pk}/").content.decode()
    assert safety.post(f"/telephony/legs/{leg.pk}/", {"score": "50"}).status_code == 403


def test_an_id_no_row_can_hold_is_a_404_not_a_server_error(recorded: dict) -> None:
    supervisor = _client("supervisor")
    huge = 10**30
    for path in (
        f"/telephony/legs/{huge}/",
        f"/telephony/legs/{huge}/recording",
        f"/telephony/calls/{huge}/legs.json",
    ):
        assert supervisor.get(path).status_code == 404, path
