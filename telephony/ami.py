"""Asterisk's Manager Interface (AMI), read: its text frames ("Key: Value" lines, a blank line
between messages) parsed, and the events a hotline's calls make turned into PhoneEvents.

Which events (Asterisk 13 and later; `timestampevents = yes` in manager.conf gives each its
time, otherwise the time it was read is used):
- Newchannel: a channel exists (the caller's when Uniqueid is its Linkedid, else an agent's);
- QueueCallerJoin / QueueCallerAbandon: the caller waits in a queue / leaves it unanswered;
- AgentCalled, DialBegin: an agent's phone rings (DestUniqueid);
- AgentConnect, DialEnd with DialStatus ANSWER: the agent answered;
- BlindTransfer, AttendedTransfer: the agent passed the caller on;
- Hangup: the channel ended;
- VarSet of MIXMONITOR_FILENAME: where the leg is recorded;
- QueueMemberPause: an agent paused in the queues (not ready, with its reason) or back.
Anything else is read and ignored."""

import re
from datetime import UTC, datetime

from telephony.events import Kind, PhoneEvent

Frame = dict[str, str]
EXTENSION = re.compile(r"^[A-Za-z0-9]+/([^-@;]+)")  # PJSIP/8001-00000002 -> 8001


class FrameError(ValueError):
    """A message that is not AMI: refused, logged and counted by the reader."""


def frame_parse(text: str) -> Frame:
    """One message's lines (without the blank line that ends it) into its fields."""
    frame: Frame = {}
    for line in text.split("\r\n"):
        if not line:
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            raise FrameError(f"not a 'Key: Value' line: {line[:80]!r}")
        frame[key.strip()] = value.strip()
    if not frame:
        raise FrameError("an empty message")
    return frame


def frame_text(frame: Frame) -> bytes:
    return ("".join(f"{k}: {v}\r\n" for k, v in frame.items()) + "\r\n").encode()


def _at(frame: Frame, received: datetime) -> datetime:
    stamp = frame.get("Timestamp", "")
    try:
        return datetime.fromtimestamp(float(stamp), tz=UTC)
    except (ValueError, OverflowError):
        return received


def extension_of(channel: str) -> str:
    found = EXTENSION.match(channel)
    return found.group(1) if found else ""


def _caller(frame: Frame) -> str:
    number = frame.get("CallerIDNum", "")
    return "" if number in ("<unknown>", "") else number


def _dest(frame: Frame, kind: Kind, at: datetime, **extra: str) -> PhoneEvent | None:
    leg = frame.get("DestUniqueid", "")
    call = frame.get("DestLinkedid") or frame.get("Linkedid", "")
    if not leg or not call:
        return None
    channel = frame.get("DestChannel", "") or frame.get("Interface", "")
    return PhoneEvent(
        kind,
        leg,
        call,
        at,
        caller=_caller(frame),
        queue=frame.get("Queue", ""),
        extension=extension_of(channel) or extension_of(frame.get("Interface", "")),
        **extra,
    )


def _own(frame: Frame, kind: Kind, at: datetime, **extra: str) -> PhoneEvent | None:
    leg, call = frame.get("Uniqueid", ""), frame.get("Linkedid", "")
    if not leg or not call:
        return None
    return PhoneEvent(kind, leg, call, at, **extra)


def event_of(frame: Frame, received: datetime) -> PhoneEvent | None:
    """The PhoneEvent an AMI event means, or None for one a hotline's calls do not need."""
    name = frame.get("Event", "")
    at = _at(frame, received)
    if name == "Newchannel":
        leg, call = frame.get("Uniqueid", ""), frame.get("Linkedid", "")
        agent = bool(leg) and leg != call
        return _own(
            frame,
            Kind.CREATED,
            at,
            caller="" if agent else _caller(frame),
            dialled="" if agent else frame.get("Exten", ""),
            extension=extension_of(frame.get("Channel", "")) if agent else "",
        )
    if name == "QueueCallerJoin":
        return _own(frame, Kind.QUEUED, at, queue=frame.get("Queue", ""), caller=_caller(frame))
    if name == "QueueCallerAbandon":
        return _own(frame, Kind.ABANDONED, at, queue=frame.get("Queue", ""))
    if name in ("AgentCalled", "DialBegin"):
        return _dest(frame, Kind.RINGING, at)
    if name == "AgentConnect" or (name == "DialEnd" and frame.get("DialStatus") == "ANSWER"):
        return _dest(frame, Kind.ANSWERED, at)
    if name == "Hangup":
        return _own(frame, Kind.ENDED, at)
    if name == "BlindTransfer":
        leg, call = frame.get("TransfererUniqueid", ""), frame.get("TransfererLinkedid", "")
        if leg and call:
            return PhoneEvent(
                Kind.TRANSFERRED, leg, call, at, transfer_to=frame.get("Extension", "")
            )
        return None
    if name == "AttendedTransfer":
        leg = frame.get("OrigTransfererUniqueid", "")
        call = frame.get("OrigTransfererLinkedid", "")
        if leg and call:
            to = extension_of(frame.get("SecondTransfererConnectedLineNum", "")) or frame.get(
                "SecondTransfererConnectedLineNum", ""
            )
            return PhoneEvent(Kind.TRANSFERRED, leg, call, at, transfer_to=to)
        return None
    if name == "VarSet" and frame.get("Variable") == "MIXMONITOR_FILENAME":
        return _own(frame, Kind.RECORDING, at, recording=frame.get("Value", ""))
    return None


def _seconds(duration: str) -> int:
    """CoreShowChannel's Duration, HH:MM:SS."""
    try:
        h, m, s = (int(p) for p in duration.split(":"))
    except ValueError:
        return 0
    return h * 3600 + m * 60 + s


def live_of(frame: Frame, now: datetime) -> list[PhoneEvent]:
    """What a CoreShowChannel answer (after a reconnect) says of a channel up now: it exists
    since its Duration, and an agent's channel that is Up (state 6) was answered, at the
    latest now."""
    from datetime import timedelta

    leg, call = frame.get("Uniqueid", ""), frame.get("Linkedid", "")
    if not leg or not call:
        return []
    started = now - timedelta(seconds=_seconds(frame.get("Duration", "")))
    agent = leg != call
    events = [
        PhoneEvent(
            Kind.CREATED,
            leg,
            call,
            started,
            caller="" if agent else _caller(frame),
            dialled="" if agent else frame.get("Exten", ""),
            extension=extension_of(frame.get("Channel", "")) if agent else "",
        )
    ]
    if agent and frame.get("ChannelState") == "6":
        events.append(PhoneEvent(Kind.ANSWERED, leg, call, now))
    return events


def pause_of(frame: Frame) -> tuple[str, bool, str] | None:
    """A QueueMemberPause: the extension, whether it is now paused, and why."""
    if frame.get("Event") != "QueueMemberPause":
        return None
    extension = extension_of(frame.get("Interface", "")) or extension_of(
        frame.get("StateInterface", "")
    )
    if not extension:
        return None
    reason = frame.get("PausedReason") or frame.get("Reason", "")
    return extension, frame.get("Paused") == "1", reason
