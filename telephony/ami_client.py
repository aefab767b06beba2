"""The AMI adapter: a connection to Asterisk's manager port, kept up. It logs in, asks which
channels are up (so a call that changed while it was away is put right: nothing lost, nothing
counted twice), then applies every event as it comes. When the connection drops it connects
again, backing off to at most 30 s (telephony.adapter)."""

import logging
import socket
import threading
from datetime import datetime

from django.utils import timezone

from config.counters import counter_increment
from telephony.adapter import adapter_loop
from telephony.ami import (
    Frame,
    FrameError,
    event_of,
    frame_parse,
    frame_text,
    live_of,
    pause_of,
)
from telephony.events import PhoneEvent
from telephony.models import PhoneSystem
from telephony.services.agents import presence_from_phone
from telephony.services.legs import legs_reconcile, phone_event_apply

log = logging.getLogger(__name__)
READ_TIMEOUT_S = 30.0  # a Ping goes out after this long without a message
CONNECT_TIMEOUT_S = 10.0
FRAME_MAX = 64 * 1024  # a message longer than this is not AMI


class AmiError(ConnectionError):
    pass


class AmiConnection:
    """One logged-in session: messages in, actions out."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""
        self.action_id = 0

    def send(self, frame: Frame) -> str:
        self.action_id += 1
        frame = {**frame, "ActionID": str(self.action_id)}
        self.sock.sendall(frame_text(frame))
        return frame["ActionID"]

    def line(self) -> str:
        while b"\r\n" not in self.buffer:
            self._fill()
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line.decode("utf-8", "replace")

    def frame(self) -> Frame | None:
        """The next message (None: a malformed one, skipped)."""
        while b"\r\n\r\n" not in self.buffer:
            if len(self.buffer) > FRAME_MAX:
                self.buffer = b""
                raise AmiError("a message longer than any AMI message")
            self._fill()
        raw, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        try:
            return frame_parse(raw.decode("utf-8", "replace"))
        except FrameError as error:
            log.warning("AMI: %s", error)
            counter_increment("telephony.ami.bad_frame")
            return None

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)  # TimeoutError: nothing came; the caller decides
        if not chunk:
            raise AmiError("the phone system closed the connection")
        self.buffer += chunk


def _login(conn: AmiConnection, system: PhoneSystem) -> None:
    banner = conn.line()
    if not banner.startswith("Asterisk Call Manager"):
        raise AmiError(f"not an AMI server: {banner[:60]!r}")
    sent = conn.send({"Action": "Login", "Username": system.username, "Secret": system.secret})
    while True:
        frame = conn.frame()
        if frame and frame.get("ActionID") == sent:
            if frame.get("Response") != "Success":
                raise AmiError(f"login refused: {frame.get('Message', '')}")
            return


def _live(conn: AmiConnection) -> tuple[dict[str, list[PhoneEvent]], list[Frame]]:
    """The channels up now (CoreShowChannels), and the events that came meanwhile."""
    sent = conn.send({"Action": "CoreShowChannels"})
    now = timezone.now()
    live: dict[str, list[PhoneEvent]] = {}
    meanwhile: list[Frame] = []
    while True:
        frame = conn.frame()
        if frame is None:
            continue
        if frame.get("ActionID") != sent:
            meanwhile.append(frame)
        elif frame.get("Event") == "CoreShowChannel":
            events = live_of(frame, now)
            if events:
                live[events[0].leg] = events
        elif frame.get("Event") == "CoreShowChannelsComplete" or frame.get("Response") == "Error":
            return live, meanwhile


def _handle(system: PhoneSystem, frame: Frame, received: datetime) -> None:
    paused = pause_of(frame)
    if paused is not None:
        extension, is_paused, reason = paused
        try:
            presence_from_phone(system=system, extension=extension, paused=is_paused, reason=reason)
        except Exception:  # one the database refused must not stop the rest
            log.exception("AMI: the pause of %s not applied", extension)
            counter_increment("telephony.ami.apply_failed")
        return
    event = event_of(frame, received)
    if event is None:
        return
    try:
        phone_event_apply(system=system, event=event)
    except Exception:  # one event the database refused must not stop the rest
        log.exception("AMI: event %s for leg %s not applied", frame.get("Event"), event.leg)
        counter_increment("telephony.ami.apply_failed")


def session_run(system: PhoneSystem, stop: threading.Event) -> None:
    """One connection, from login until it drops or `stop` is set."""
    sock = socket.create_connection((system.host, system.port or 5038), timeout=CONNECT_TIMEOUT_S)
    sock.settimeout(READ_TIMEOUT_S)
    conn = AmiConnection(sock)
    try:
        _login(conn, system)
        live, meanwhile = _live(conn)
        legs_reconcile(system=system, live=live, seen_at=timezone.now())
        PhoneSystem.objects.filter(pk=system.pk).update(connected_at=timezone.now())
        for frame in meanwhile:
            _handle(system, frame, timezone.now())
        sock.settimeout(1.0)  # wake each second to see `stop`
        idle = 0.0
        while not stop.is_set():
            try:
                read = conn.frame()
            except TimeoutError:
                idle += 1.0
                if idle >= READ_TIMEOUT_S:  # a quiet line: prove it is still there
                    conn.send({"Action": "Ping"})
                    idle = 0.0
                continue
            idle = 0.0
            if read is not None:
                _handle(system, read, timezone.now())
    finally:
        sock.close()


def adapter_run(system: PhoneSystem, stop: threading.Event) -> None:
    """Keep a session up until `stop`: reconnect after any failure, backing off."""
    adapter_loop(system, stop, session_run, failures=(OSError, AmiError), name="ami")
