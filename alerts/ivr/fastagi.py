"""The IVR's answers over FastAGI, for Asterisk: `AGI(agi://host:4573/report-status,${REF})`.

Asterisk connects, sends its environment (`agi_*: value` lines, a blank line ends it), then
waits for commands; each command gets one reply, `200 result=<n>` when it worked (510: no
such command, 511: the channel hung up, 520: bad syntax, over several lines). The script's
name (agi_network_script) picks the question, agi_arg_1.. carry its input, the channel's
language (agi_language, set in the dialplan with CHANNEL(language)) picks the words. The
answer goes back as channel variables: IVR_TEXT (for text-to-speech), IVR_FOUND (1 or 0)
and IVR_REFERENCE, which the dialplan reads after AGI() returns.

    report-status,REF         the report's status (REF as printed or as 12 digits)
    premise-status[,ACCOUNT]  outages at the account's premises (no account: the caller's number)
    announcement[,ACCOUNT]    area-wide faults (for the caller's area when known)
    callback[,ACCOUNT[,NOTE]] leave a call-back to the caller's number
"""

import logging
import socketserver
from collections.abc import Callable
from io import BufferedIOBase
from typing import Any

from django.db import close_old_connections, connection
from django.utils import translation
from django.utils.translation import gettext as _

from alerts.ivr.answers import (
    Answer,
    announcement,
    django_language,
    premise_status,
    report_status,
    speech_language,
)
from alerts.ivr.services import callback_answer
from config.counters import counter_increment
from dispatch.choices import Language
from dispatch.errors import DispatchError
from dispatch.models import User

log = logging.getLogger(__name__)
DEFAULT_PORT = 4573  # Asterisk's default for agi://
ENVIRONMENT_LINES_MAX = 200  # Asterisk sends about 25; more is not Asterisk
LINE_MAX = 8192
READ_TIMEOUT_S = 10.0
NO_NUMBER = {"", "unknown", "anonymous", "restricted"}  # agi_callerid when there is none


class AgiHangupError(Exception):
    """The caller hung up, or Asterisk closed the connection."""


class AgiProtocolError(Exception):
    """What came is not AGI, or a command was refused."""


def agi_quote(text: str) -> str:
    """A command argument in double quotes: a quote or backslash escaped, no line break (a
    newline would end the command)."""
    flat = " ".join(text.split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _line(rfile: BufferedIOBase) -> str:
    raw = rfile.readline(LINE_MAX + 1)
    if not raw:
        raise AgiHangupError("connection closed")
    if len(raw) > LINE_MAX:
        raise AgiProtocolError("line too long")
    return raw.decode("utf-8", errors="replace").rstrip("\r\n")


def agi_environment(rfile: BufferedIOBase) -> dict[str, str]:
    """The agi_* block Asterisk sends first, up to its blank line."""
    found: dict[str, str] = {}
    for _count in range(ENVIRONMENT_LINES_MAX):
        line = _line(rfile)
        if not line:
            if not found:
                raise AgiProtocolError("no AGI environment")
            return found
        name, sep, value = line.partition(":")
        if not sep or not name.startswith("agi_"):
            raise AgiProtocolError(f"not an AGI environment line: {line[:80]!r}")
        found[name] = value.strip()
    raise AgiProtocolError("AGI environment too long")


class AgiChannel:
    """One FastAGI connection: commands out, replies in."""

    def __init__(self, rfile: BufferedIOBase, wfile: BufferedIOBase) -> None:
        self.rfile, self.wfile = rfile, wfile

    def command(self, text: str) -> str:
        """Send one command; its result (the n of `200 result=n`)."""
        self.wfile.write(text.encode() + b"\n")
        self.wfile.flush()
        line = _line(self.rfile)
        if line == "HANGUP":  # sent once when the caller hangs up; the reply still follows
            line = _line(self.rfile)
        if line.startswith("520-"):  # the usage text, up to "520 End of proper usage."
            while not line.startswith("520 "):
                line = _line(self.rfile)
        code, _sep, rest = line.partition(" ")
        if code == "200" and rest.startswith("result="):
            return rest[len("result=") :].split(" ", 1)[0]
        if code == "511":
            raise AgiHangupError(line)
        raise AgiProtocolError(f"{text.split(' ', 2)[:2]} refused: {line[:120]}")

    def set_variable(self, name: str, value: str) -> None:
        if self.command(f"SET VARIABLE {name} {agi_quote(value)}") != "1":
            raise AgiProtocolError(f"SET VARIABLE {name} was not set")


def _args(environment: dict[str, str]) -> list[str]:
    found, index = [], 1
    while f"agi_arg_{index}" in environment:
        found.append(environment[f"agi_arg_{index}"])
        index += 1
    return found


def _caller(environment: dict[str, str]) -> str:
    number = environment.get("agi_callerid", "").strip()
    return "" if number.lower() in NO_NUMBER else number


def agi_question(environment: dict[str, str], actor: User | None) -> Answer:
    """The answer to the question the script name asks; raises DispatchError for bad input."""
    script = environment.get("agi_network_script", "").split("?", 1)[0].strip("/")
    args = [*_args(environment), "", ""]
    lang = environment.get("agi_language", "")
    caller = _caller(environment)
    questions: dict[str, Callable[[], Answer]] = {
        "report-status": lambda: report_status(ref=args[0], lang=lang),
        "premise-status": lambda: premise_status(
            account=args[0], phone="" if args[0] else caller, lang=lang
        ),
        "announcement": lambda: announcement(
            account=args[0], phone="" if args[0] else caller, lang=lang
        ),
        "callback": lambda: _callback(caller, args[0], args[1], lang, actor),
    }
    if script not in questions:
        raise DispatchError(f"no IVR question {script!r}", field="agi_network_script")
    return questions[script]()


def _callback(caller: str, account: str, note: str, lang: str, actor: User | None) -> Answer:
    if actor is None:
        raise DispatchError("call-backs need the server started with --key", field="callback")
    return callback_answer(phone=caller, account=account, lang=lang, note=note, actor=actor)[0]


def _sorry(environment: dict[str, str]) -> Answer:
    try:
        language = speech_language(environment.get("agi_language", ""), default=Language.ZH)
    except DispatchError:
        language = Language.ZH
    with translation.override(django_language(language)):
        text = _(
            "Sorry, we could not understand that. Please try again, or press 0 to speak to an "
            "agent."
        )
    return Answer(text, False, language)


def agi_session(rfile: BufferedIOBase, wfile: BufferedIOBase, *, actor: User | None) -> Answer:
    """One FastAGI request from environment to answer; returns what was set."""
    environment = agi_environment(rfile)
    try:
        found = agi_question(environment, actor)
    except DispatchError as error:
        log.warning("fastagi refused %s: %s", environment.get("agi_request", "?"), error.message)
        counter_increment("ivr.fastagi.refused")
        found = _sorry(environment)
    channel = AgiChannel(rfile, wfile)
    channel.set_variable("IVR_TEXT", found.text)
    channel.set_variable("IVR_FOUND", "1" if found.found else "0")
    channel.set_variable("IVR_REFERENCE", found.reference)
    return found


class FastAgiHandler(socketserver.StreamRequestHandler):
    timeout = READ_TIMEOUT_S
    server: "FastAgiServer"

    def handle(self) -> None:
        threaded = self.server.threaded
        if threaded:
            close_old_connections()
        try:
            agi_session(self.rfile, self.wfile, actor=self.server.actor())
        except (AgiHangupError, TimeoutError, ConnectionError) as error:
            log.info("fastagi connection from %s ended: %s", self.client_address[0], error)
        except AgiProtocolError as error:
            log.warning("fastagi from %s: %s", self.client_address[0], error)
            counter_increment("ivr.fastagi.protocol_error")
        except Exception:  # one bad call must not stop the server
            log.exception("fastagi request from %s failed", self.client_address[0])
            counter_increment("ivr.fastagi.failed")
        finally:
            if threaded:  # each thread has its own database connection: give it back
                connection.close()


class FastAgiServer(socketserver.ThreadingTCPServer):
    """A thread per call (threaded), or each connection served in the thread that accepted it
    (for one-at-a-time use, as a test serving inside its own transaction)."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], *, actor_id: int | None = None, threaded: bool = True
    ) -> None:
        self.actor_id, self.threaded = actor_id, threaded
        super().__init__(address, FastAgiHandler)

    def actor(self) -> User | None:
        """Who takes the call-backs (the API key's service account), read per call so a
        disabled account stops at once."""
        if self.actor_id is None:
            return None
        return User.objects.filter(pk=self.actor_id, is_active=True).first()

    def process_request(self, request: Any, client_address: Any) -> None:
        if self.threaded:
            super().process_request(request, client_address)
        else:
            socketserver.TCPServer.process_request(self, request, client_address)
