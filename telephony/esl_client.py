"""The event-socket adapter: a connection to FreeSWITCH's mod_event_socket (inbound mode), kept
up. It authenticates, subscribes to the events telephony.esl maps, asks which channels are up
(so a call that changed while it was away is put right: nothing lost, nothing counted twice),
then applies every event as it comes. When the connection drops it connects again, backing
off to at most 30 s (telephony.adapter)."""

import logging
import socket
import threading
from datetime import datetime

from django.utils import timezone

from config.counters import counter_increment
from telephony.adapter import adapter_loop
from telephony.esl import (
    SUBSCRIBED,
    Headers,
    MessageError,
    channels_parse,
    event_parse,
    events_of,
    headers_parse,
    live_of,
)
from telephony.events import PhoneEvent
from telephony.models import PhoneSystem
from telephony.services.legs import legs_reconcile, phone_event_apply

log = logging.getLogger(__name__)
DEFAULT_PORT = 8021
READ_TIMEOUT_S = 30.0  # a harmless `api status` goes out after this long without a message
CONNECT_TIMEOUT_S = 10.0
HEAD_MAX = 64 * 1024  # a header block longer than this is not the event socket's
BODY_MAX = 32 * 1024 * 1024  # `show channels as json` of a few thousand channels fits


class EslError(ConnectionError):
    pass


class EslConnection:
    """One authenticated session: messages in (headers and body), commands out."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def send(self, command: str) -> None:
        self.sock.sendall(f"{command}\n\n".encode())

    def message(self) -> tuple[Headers, str] | None:
        """The next message (None: a malformed one, skipped and counted)."""
        while b"\n\n" not in self.buffer:
            if len(self.buffer) > HEAD_MAX:
                raise EslError("a header block longer than any event socket's")
            self._fill()
        end = self.buffer.index(b"\n\n")
        try:
            headers = headers_parse(self.buffer[:end].decode("utf-8", "replace"))
            length = int(headers.get("Content-Length", "0"))
        except (MessageError, ValueError) as error:
            # Without a length we cannot know where the next message starts: skip this one
            # and hope the stream goes on with a header block (if not, the next fails too).
            self.buffer = self.buffer[end + 2 :]
            self._bad(error)
            return None
        if not 0 <= length <= BODY_MAX:
            raise EslError(f"a body of {length} bytes")
        # Nothing is taken from the buffer until the whole message is in: a read that times
        # out half-way through a body leaves it to be read whole next time.
        while len(self.buffer) < end + 2 + length:
            self._fill()
        body = self.buffer[end + 2 : end + 2 + length]
        self.buffer = self.buffer[end + 2 + length :]
        return headers, body.decode("utf-8", "replace")

    def reply(self, meanwhile: list[Headers], content_type: str) -> tuple[Headers, str]:
        """The answer to the command just sent; events that come first are kept."""
        while True:
            read = self.message()
            if read is None:
                continue
            headers, body = read
            kind = headers.get("Content-Type", "")
            if kind == content_type:
                return headers, body
            if kind == "text/disconnect-notice":
                raise EslError("the phone system closed the session")
            if kind == "text/event-plain":
                event = self.event(body)
                if event is not None:
                    meanwhile.append(event)

    def event(self, body: str) -> Headers | None:
        try:
            return event_parse(body)
        except MessageError as error:
            self._bad(error)
            return None

    def _bad(self, error: Exception) -> None:
        log.warning("event socket: %s", error)
        counter_increment("telephony.esl.bad_frame")

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)  # TimeoutError: nothing came; the caller decides
        if not chunk:
            raise EslError("the phone system closed the connection")
        self.buffer += chunk


def _login(conn: EslConnection, system: PhoneSystem) -> None:
    read = conn.message()
    if read is None or read[0].get("Content-Type") != "auth/request":
        raise EslError("not a FreeSWITCH event socket")
    conn.send(f"auth {system.secret}")
    reply, _body = conn.reply([], "command/reply")
    if not reply.get("Reply-Text", "").startswith("+OK"):
        raise EslError(f"password refused: {reply.get('Reply-Text', '')[:60]}")


def _live(conn: EslConnection) -> tuple[dict[str, list[PhoneEvent]], list[Headers]]:
    """Subscribe, then the channels up now (`show channels`), and the events that came first."""
    meanwhile: list[Headers] = []
    conn.send(f"event plain {SUBSCRIBED}")
    reply, _body = conn.reply(meanwhile, "command/reply")
    if not reply.get("Reply-Text", "").startswith("+OK"):
        raise EslError(f"subscription refused: {reply.get('Reply-Text', '')[:60]}")
    conn.send("api show channels as json")
    _headers, body = conn.reply(meanwhile, "api/response")
    now = timezone.now()
    try:
        rows = channels_parse(body)
    except MessageError as error:  # without the list, a reconcile would end every open leg
        raise EslError(str(error)) from None
    live: dict[str, list[PhoneEvent]] = {}
    for row in rows:
        leg, events = live_of(row, now)
        if leg:
            live[leg] = events
    return live, meanwhile


def _handle(system: PhoneSystem, headers: Headers, received: datetime) -> None:
    for event in events_of(headers, received):
        try:
            phone_event_apply(system=system, event=event)
        except Exception:  # one event the database refused must not stop the rest
            log.exception(
                "event socket: %s for leg %s not applied", headers.get("Event-Name"), event.leg
            )
            counter_increment("telephony.esl.apply_failed")


def session_run(system: PhoneSystem, stop: threading.Event) -> None:
    """One connection, from authentication until it drops or `stop` is set."""
    address = (system.host, system.port or DEFAULT_PORT)
    sock = socket.create_connection(address, timeout=CONNECT_TIMEOUT_S)
    sock.settimeout(READ_TIMEOUT_S)
    conn = EslConnection(sock)
    try:
        _login(conn, system)
        live, meanwhile = _live(conn)
        # Events read before the channel list happened before it: applied first, so a leg
        # that ended then ends exactly, not as unseen.
        for headers in meanwhile:
            _handle(system, headers, timezone.now())
        legs_reconcile(system=system, live=live, seen_at=timezone.now())
        PhoneSystem.objects.filter(pk=system.pk).update(connected_at=timezone.now())
        _events_read(system, conn, stop)
    finally:
        sock.close()


def _events_read(system: PhoneSystem, conn: EslConnection, stop: threading.Event) -> None:
    conn.sock.settimeout(1.0)  # wake each second to see `stop`
    idle = 0.0
    while not stop.is_set():
        try:
            read = conn.message()
        except TimeoutError:
            idle += 1.0
            if idle >= READ_TIMEOUT_S:  # a quiet line: prove it is still there
                conn.send("api status")
                idle = 0.0
            continue
        idle = 0.0
        if read is None:
            continue
        headers, body = read
        kind = headers.get("Content-Type", "")
        if kind == "text/disconnect-notice":
            raise EslError("the phone system closed the session")
        if kind == "text/event-plain" and (event := conn.event(body)) is not None:
            _handle(system, event, timezone.now())


def adapter_run(system: PhoneSystem, stop: threading.Event) -> None:
    """Keep a session up until `stop`: reconnect after any failure, backing off."""
    adapter_loop(system, stop, session_run, failures=(OSError, EslError), name="esl")
