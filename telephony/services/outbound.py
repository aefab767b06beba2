"""Click-to-call: the agent's own phone rings, and when they pick up it dials the number,
through the phone system their extension is on (AMI Originate; the event socket's originate).
One short connection per call placed: the adapters' long ones only read."""

import logging
import re
import socket

from django.utils.translation import gettext as _

from config.counters import counter_increment
from dispatch.models import User
from telephony.ami import FrameError, frame_parse, frame_text
from telephony.models import Extension, PhoneSystem

log = logging.getLogger(__name__)
NUMBER = re.compile(r"^\+?[0-9]{3,20}$")
TIMEOUT_S = 5.0


class DialError(ValueError):
    """A call that cannot be placed, in the agent's words."""


def _read_until(sock: socket.socket, end: bytes) -> bytes:
    data = b""
    while end not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise DialError(_("the phone system closed the line"))
        data += chunk
    return data


def _ami_originate(system: PhoneSystem, extension: str, number: str) -> None:
    with socket.create_connection((system.host, system.port or 5038), timeout=TIMEOUT_S) as sock:
        buffer = _read_until(sock, b"\r\n")  # the banner
        messages = buffer.split(b"\r\n", 1)[1]

        def answer(action: dict[str, str]) -> dict[str, str]:
            nonlocal messages
            sock.sendall(frame_text(action))
            while True:
                while b"\r\n\r\n" not in messages:
                    messages += _read_until(sock, b"\r\n")
                raw, _sep, messages = messages.partition(b"\r\n\r\n")
                frame = frame_parse(raw.decode("utf-8", "replace"))
                if frame.get("ActionID") == action["ActionID"]:
                    return frame

        login = {"Action": "Login", "Username": system.username, "Secret": system.secret}
        if answer({**login, "ActionID": "1"}).get("Response") != "Success":
            raise DialError(_("the phone system refused the login: check its user and secret"))
        placed = answer(
            {
                "Action": "Originate",
                "ActionID": "2",
                "Channel": f"PJSIP/{extension}",
                "Context": system.outbound_context,
                "Exten": number,
                "Priority": "1",
                "CallerID": number,
                "Async": "true",
            }
        )
        sock.sendall(frame_text({"Action": "Logoff", "ActionID": "3"}))
        if placed.get("Response") != "Success":
            raise DialError(
                _("the phone system refused the call: %(why)s") % {"why": placed.get("Message", "")}
            )


def _esl_originate(system: PhoneSystem, extension: str, number: str) -> None:
    with socket.create_connection((system.host, system.port or 8021), timeout=TIMEOUT_S) as sock:
        _read_until(sock, b"\n\n")  # Content-Type: auth/request
        sock.sendall(f"auth {system.secret}\n\n".encode())
        if b"+OK" not in _read_until(sock, b"\n\n"):
            raise DialError(_("the phone system refused the login: check its password"))
        command = (
            f"bgapi originate {{origination_caller_id_number={number}}}user/{extension} "
            f"{number} XML {system.outbound_context}\n\n"
        )
        sock.sendall(command.encode())
        reply = _read_until(sock, b"\n\n")
        sock.sendall(b"exit\n\n")
        if b"+OK" not in reply:
            raise DialError(_("the phone system refused the call"))


def call_place(*, user: User, number: str) -> Extension:
    """Ring the user's phone and dial `number` from it. Returns the extension used."""
    number = number.strip().replace(" ", "").replace("-", "")
    if not NUMBER.match(number):
        raise DialError(_("%(number)r is not a phone number") % {"number": number[:40]})
    extension = (
        Extension.objects.select_related("system")
        .filter(user=user, system__active=True)
        .exclude(system__kind=PhoneSystem.Kind.WEBHOOK)
        .order_by("system_id")
        .first()
    )
    if extension is None:
        raise DialError(
            _("you have no extension on a phone system that places calls: ask an administrator")
        )
    system = extension.system
    try:
        if system.kind == PhoneSystem.Kind.AMI:
            _ami_originate(system, extension.number, number)
        else:
            _esl_originate(system, extension.number, number)
    except FrameError as error:
        counter_increment("telephony.dial.failed")
        raise DialError(_("the phone system's answer was not understood")) from error
    except OSError as error:
        log.warning("click-to-call by %s through %s failed: %s", user, system.name, error)
        counter_increment("telephony.dial.failed")
        raise DialError(
            _("the phone system did not answer (%(why)s): dial the number on your phone")
            % {"why": error}
        ) from error
    log.info("click-to-call: %s (%s) dials %s", user, extension.number, number)
    counter_increment("telephony.dial.placed")
    return extension
