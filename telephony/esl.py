"""FreeSWITCH's event socket (mod_event_socket), read: its messages parsed, and the events a
hotline's calls make turned into PhoneEvents.

A message is "Key: Value" lines and a blank line; one with a Content-Length header has that
many bytes of body after the blank line. Events subscribed with `event plain` come as
Content-Type text/event-plain, their body again "Key: Value" lines with URL-encoded values
(and, for an event that carries a body of its own, its Content-Length and that body).

Which events (each stamped with Event-Date-Timestamp, microseconds since the epoch):
- CHANNEL_CREATE: a channel exists. The caller's (Call-Direction inbound) is its own call;
  an agent's (outbound) belongs to the call of the caller it was dialled for (`call_of`);
- CHANNEL_ANSWER of an agent's channel: the agent answered. The caller's own channel is
  answered by FreeSWITCH itself to play the queue's music, which is not an agent answering;
- CHANNEL_HANGUP_COMPLETE: the channel ended. With Hangup-Cause BLIND_TRANSFER or
  ATTENDED_TRANSFER on an agent's channel, the agent passed the caller on first: FreeSWITCH
  hangs the agent up with that cause when the caller is transferred out of the bridge
  (switch_ivr_session_transfer: uuid_transfer, the transfer application, and the agent's phone
  sending a SIP REFER, after which mod_sofia also keeps the REFER's target in sip_refer_to);
- RECORD_START: where the leg is recorded (Record-File-Path);
- CUSTOM callcenter::info (mod_callcenter): CC-Action member-queue-start, the caller waits in
  CC-Queue; member-queue-end with CC-Cause Cancel and no CC-Cancel-Reason (NONE), the caller
  hung up before any agent answered. Other cancel reasons (TIMEOUT, NO_AGENT_TIMEOUT,
  BREAK_OUT, EXIT_WITH_KEY) send the caller on through the dialplan, so the call goes on.
Anything else is read and ignored."""

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from telephony.events import Kind, PhoneEvent

Headers = dict[str, str]
# sofia/internal/8001@10.0.0.5, sofia/internal/sip:8001@10.0.0.5:5060, user/8001@default
CHANNEL_USER = re.compile(r"^[A-Za-z0-9_]+/(?:[^/@]+/)?(?:sips?:)?([^@;/:]+)")
SIP_USER = re.compile(r"sips?:([^@;>]+)@")  # <sip:8002@10.0.0.5>
TRANSFER_CAUSES = ("BLIND_TRANSFER", "ATTENDED_TRANSFER")
SUBSCRIBED = (
    "CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE RECORD_START CUSTOM callcenter::info"
)


class MessageError(ValueError):
    """A message that is not the event socket's: refused, logged and counted by the reader."""


def headers_parse(text: str, *, encoded: bool = False) -> Headers:
    """'Key: Value' lines (an event-plain body's values URL-encoded) into a dict."""
    headers: Headers = {}
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if not line:
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            raise MessageError(f"not a 'Key: Value' line: {line[:80]!r}")
        value = value.strip()
        headers[key.strip()] = unquote(value) if encoded else value
    return headers


def event_parse(body: str) -> Headers:
    """An event-plain body: its headers, and its own body (if any) under "_body"."""
    head, _blank, rest = body.partition("\n\n")
    headers = headers_parse(head, encoded=True)
    if "Event-Name" not in headers:
        raise MessageError("an event without Event-Name")
    if rest and "Content-Length" in headers:
        headers["_body"] = rest
    return headers


def at_of(headers: Headers, received: datetime) -> datetime:
    """Event-Date-Timestamp (microseconds since the epoch), exact to the microsecond."""
    try:
        micros = int(headers.get("Event-Date-Timestamp", ""))
    except ValueError:
        return received
    if micros <= 0:
        return received
    return datetime.fromtimestamp(micros // 1_000_000, tz=UTC) + timedelta(
        microseconds=micros % 1_000_000
    )


def call_of(headers: Headers) -> str:
    """The customer's call a channel belongs to. An agent's channel dialled by mod_callcenter is
    originated in the module's own thread, with no caller's channel behind it, so FreeSWITCH
    knows no other leg then; the module puts the caller's channel id in cc_member_session_uuid.
    A channel dialled from the caller's (bridge, originate from a session) has the caller's in
    originating_leg_uuid, and events sent while bridged name it as Other-Leg-Unique-ID with
    Other-Type originator. Channel-Call-UUID is not used: it follows bridges (and transfers),
    so it does not name one customer's call for the leg's whole life. Otherwise, the channel
    is a call of its own (the caller's)."""
    leg = headers.get("Unique-ID", "")
    for key in ("variable_cc_member_session_uuid", "variable_originating_leg_uuid"):
        found = headers.get(key, "")
        if found and found != leg:
            return found
    if headers.get("Other-Type") == "originator" and headers.get("Other-Leg-Unique-ID"):
        return headers["Other-Leg-Unique-ID"]
    return leg


def extension_of(number: str, channel: str) -> str:
    """The agent's extension: the number dialled for the leg, else the user its channel names."""
    if number:
        return number
    found = CHANNEL_USER.match(channel)
    return found.group(1) if found else ""


def _facts(headers: Headers, leg: str, call: str) -> dict[str, str]:
    """What an event says of its channel: the caller's number and the number dialled on the
    caller's leg; the extension and queue on an agent's."""
    caller = headers.get("Caller-Caller-ID-Number", "")
    facts = {"caller": "" if caller in ("", "0000000000") else caller}
    if leg == call:
        facts["dialled"] = headers.get("Caller-Destination-Number", "")
    else:
        facts["extension"] = extension_of(
            headers.get("Caller-Destination-Number", ""), headers.get("Channel-Name", "")
        )
        facts["queue"] = headers.get("variable_cc_queue", "")
    return facts


def _callcenter(headers: Headers, at: datetime) -> PhoneEvent | None:
    action = headers.get("CC-Action", "")
    member = headers.get("CC-Member-Session-UUID") or headers.get("Unique-ID", "")
    if not member:
        return None
    queue = headers.get("CC-Queue", "")
    if action == "member-queue-start":
        caller = headers.get("CC-Member-CID-Number", "")
        return PhoneEvent(Kind.QUEUED, member, member, at, queue=queue, caller=caller)
    if (
        action == "member-queue-end"
        and headers.get("CC-Cause") == "Cancel"
        and headers.get("CC-Cancel-Reason", "NONE") in ("", "NONE")
    ):
        return PhoneEvent(Kind.ABANDONED, member, member, at, queue=queue)
    return None


def _transfer_to(headers: Headers) -> str:
    refer_to = headers.get("variable_sip_refer_to", "")
    found = SIP_USER.search(refer_to)
    return found.group(1) if found else refer_to


def events_of(headers: Headers, received: datetime) -> list[PhoneEvent]:
    """The PhoneEvents an event means (none for one a hotline's calls do not need)."""
    name = headers.get("Event-Name", "")
    at = at_of(headers, received)
    if name == "CUSTOM":
        if headers.get("Event-Subclass") != "callcenter::info":
            return []
        found = _callcenter(headers, at)
        return [found] if found else []
    leg = headers.get("Unique-ID", "")
    if not leg:
        return []
    call = call_of(headers)
    facts = _facts(headers, leg, call)
    if name == "CHANNEL_CREATE":
        return [PhoneEvent(Kind.CREATED, leg, call, at, **facts)]
    if name == "CHANNEL_ANSWER":
        return [PhoneEvent(Kind.ANSWERED, leg, call, at, **facts)] if leg != call else []
    if name == "RECORD_START":
        path = headers.get("Record-File-Path", "")
        return [PhoneEvent(Kind.RECORDING, leg, call, at, recording=path)] if path else []
    if name == "CHANNEL_HANGUP_COMPLETE":
        ended = [PhoneEvent(Kind.ENDED, leg, call, at, **facts)]
        if leg != call and headers.get("Hangup-Cause") in TRANSFER_CAUSES:
            to = _transfer_to(headers)
            return [PhoneEvent(Kind.TRANSFERRED, leg, call, at, transfer_to=to), *ended]
        return ended
    return []


def _created(value: Any, now: datetime) -> datetime:
    """created_epoch is in whole seconds: the end of that second, so that a leg whose exact
    start an event told us is never moved earlier (a moment only moves earlier)."""
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return now
    return min(datetime.fromtimestamp(seconds + 1, tz=UTC), now) if seconds > 0 else now


def channels_parse(body: str) -> list[dict[str, Any]]:
    """The rows of `api show channels as json` ({"row_count": 0} when there are none)."""
    if body.startswith("-ERR"):
        raise MessageError(f"show channels refused: {body[:80]!r}")
    try:
        answer = json.loads(body)
    except ValueError as error:
        raise MessageError(f"show channels answered no JSON: {error}") from None
    rows = answer.get("rows", []) if isinstance(answer, dict) else None
    if not isinstance(rows, list):
        raise MessageError("show channels answered no rows")
    return [row for row in rows if isinstance(row, dict)]


def live_of(row: dict[str, Any], now: datetime) -> tuple[str, list[PhoneEvent]]:
    """What `show channels` says of a channel up now: (its id, events). It exists since
    created_epoch (`_created`); an agent's channel ACTIVE or HELD was answered, by now.
    An agent's channel whose call it does not say (call_uuid is set once bridged) is kept
    open but not made: with no call it could only be misfiled as a caller's."""
    leg = str(row.get("uuid") or "")
    if not leg:
        return "", []
    inbound = row.get("direction") == "inbound"
    call = leg if inbound else str(row.get("call_uuid") or "")
    if not call or (call == leg and not inbound):
        return leg, []
    caller = str(row.get("cid_num") or "")
    created = PhoneEvent(
        Kind.CREATED,
        leg,
        call,
        _created(row.get("created_epoch"), now),
        caller=caller,
        dialled=str(row.get("dest") or "") if inbound else "",
        extension=""
        if inbound
        else extension_of(str(row.get("dest") or ""), str(row.get("name") or "")),
    )
    events = [created]
    if not inbound and row.get("callstate") in ("ACTIVE", "HELD"):
        events.append(PhoneEvent(Kind.ANSWERED, leg, call, now))
    return leg, events
