"""The IVR over FastAGI: Asterisk, played by a real TCP client, connects as AGI() does, sends
its agi_* environment and answers each command; the server sets IVR_TEXT, IVR_FOUND and
IVR_REFERENCE in the caller's language. The server serves each connection in the test's own
thread (threaded=False), so it reads what the test wrote in its transaction."""

import re
import socket
import threading
from collections.abc import Iterator

import pytest

from alerts.ivr.fastagi import FastAgiServer, agi_quote
from alerts.models import SupplyInterruption
from alerts.open311.keys import api_key_actor, api_key_create
from config.counters import counters_all
from desk.models import Case
from dispatch.models import Customer, Incident, User
from dispatch.services.isolation import incident_isolation_trace
from tests.alerts.test_ivr import customer, dispatcher, incident  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
SET = re.compile(r'SET VARIABLE (\w+) "((?:[^"\\]|\\.)*)"')


class Asterisk:
    """Asterisk's side of one FastAGI call: the environment, then a reply to every command
    (`200 result=1` unless told otherwise; a reply may be several lines), until the server
    closes the connection."""

    def __init__(self, port: int, environment: dict[str, str], replies: list[str]) -> None:
        self.port, self.environment, self.replies = port, environment, list(replies)
        self.commands: list[str] = []
        self.thread = threading.Thread(target=self._call, daemon=True)
        self.thread.start()

    def _call(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as conn:
            lines = "".join(f"{k}: {v}\n" for k, v in self.environment.items()) + "\n"
            conn.sendall(lines.encode())
            stream = conn.makefile("rb")
            while line := stream.readline():
                self.commands.append(line.decode().rstrip("\n"))
                reply = self.replies.pop(0) if self.replies else "200 result=1"
                conn.sendall(reply.encode() + b"\n")

    def variables(self) -> dict[str, str]:
        found = {}
        for command in self.commands:
            match = SET.fullmatch(command)
            assert match is not None, command
            found[match[1]] = re.sub(r"\\(.)", r"\1", match[2])
        return found


@pytest.fixture
def server(dispatcher: User) -> Iterator[FastAgiServer]:  # noqa: F811
    actor = api_key_actor(api_key_create(name="Asterisk").key)
    with FastAgiServer(("127.0.0.1", 0), actor_id=actor.pk, threaded=False) as found:
        found.timeout = 10
        yield found


def _call(
    server: FastAgiServer,
    script: str,
    *args: str,
    language: str = "en",
    callerid: str = "unknown",
    replies: tuple[str, ...] = (),
) -> Asterisk:
    """One AGI(agi://host:port/script,args...) on a channel of that language and caller."""
    port = server.server_address[1]
    environment = {
        "agi_network": "yes",
        "agi_network_script": script,
        "agi_request": f"agi://127.0.0.1:{port}/{script}",
        "agi_channel": "PJSIP/trunk-00000001",
        "agi_language": language,
        "agi_type": "PJSIP",
        "agi_uniqueid": "1765000000.1",
        "agi_version": "20.5.0",
        "agi_callerid": callerid,
        "agi_calleridname": "unknown",
        "agi_context": "ivr",
        "agi_extension": "s",
        "agi_priority": "3",
        "agi_enhanced": "0.0",
        **{f"agi_arg_{i}": arg for i, arg in enumerate(args, start=1)},
    }
    asterisk = Asterisk(port, environment, list(replies))
    server.handle_request()
    asterisk.thread.join(10)
    assert not asterisk.thread.is_alive()
    return asterisk


def test_asterisk_hears_a_known_and_an_unknown_reference_in_both_languages(
    server: FastAgiServer,
    incident: Incident,  # noqa: F811
) -> None:
    english = _call(server, "report-status", incident.reference).variables()
    assert english["IVR_FOUND"] == "1"
    assert english["IVR_REFERENCE"] == incident.reference
    assert english["IVR_TEXT"] == f"Report {incident.reference}: Reported; a crew is being found."

    chinese = _call(server, "report-status", incident.reference, language="zh").variables()
    assert chinese["IVR_TEXT"] == f"报告 {incident.reference}：已受理，正在安排抢修人员。"

    unknown = _call(server, "report-status", "GX-20000101-9999", language="zh").variables()
    assert unknown["IVR_FOUND"] == "0"
    assert "GX-20000101-9999" in unknown["IVR_TEXT"]
    assert "请按0" in unknown["IVR_TEXT"]


def test_the_callers_number_finds_their_premise_with_and_without_an_interruption(
    server: FastAgiServer,
    dispatcher: User,  # noqa: F811
    customer: Customer,  # noqa: F811
    incident: Incident,  # noqa: F811
) -> None:
    incident_isolation_trace(incident_id=incident.pk, actor=dispatcher)
    cut_off = SupplyInterruption.objects.get(incident=incident).premise_ids
    elsewhere = (
        Customer.objects.exclude(premises__in=cut_off).exclude(premises=None).order_by("pk").first()
    )
    assert elsewhere is not None

    off = _call(server, "premise-status", callerid=customer.phones[0]).variables()
    assert off["IVR_FOUND"] == "1"
    assert off["IVR_TEXT"].startswith("The gas supply at your address is interrupted")
    off_zh = _call(server, "premise-status", language="zh", callerid=customer.phones[0])
    assert off_zh.variables()["IVR_TEXT"].startswith("您地址的燃气供应因燃气抢修")

    # Another account, keyed in: nothing there.
    on = _call(server, "premise-status", elsewhere.account_no, callerid=customer.phones[0])
    assert on.variables()["IVR_TEXT"] == (
        "There is no interruption or planned works known at your address."
    )
    on_zh = _call(server, "premise-status", elsewhere.account_no, language="zh")
    assert on_zh.variables()["IVR_TEXT"] == "目前没有影响您地址的停供或计划施工。"

    # A withheld number and no account: not found, and told what to do.
    nobody = _call(server, "premise-status").variables()
    assert nobody["IVR_FOUND"] == "0"
    assert "press 0" in nobody["IVR_TEXT"]


def test_a_call_back_is_left_for_the_callers_number_and_the_announcement_is_read(
    server: FastAgiServer,
    dispatcher: User,  # noqa: F811
    customer: Customer,  # noqa: F811
    incident: Incident,  # noqa: F811
) -> None:
    left = _call(server, "callback", "", 'gas "smells" again', callerid=customer.phones[0])
    reference = left.variables()["IVR_REFERENCE"]
    case = Case.objects.select_related("call").get(reference=reference)
    assert case.call.caller_phone == customer.phones[0]
    assert 'gas "smells" again' in case.call.description

    incident_isolation_trace(incident_id=incident.pk, actor=dispatcher)
    told = _call(server, "announcement", callerid=customer.phones[0]).variables()
    assert told["IVR_FOUND"] == "1"
    assert incident.reference in told["IVR_TEXT"]


def test_bad_questions_refusals_and_hangups_end_the_call_and_are_counted(
    server: FastAgiServer,
    incident: Incident,  # noqa: F811
) -> None:
    # A question the server does not know: the caller hears that it was not understood.
    odd = _call(server, "weather", language="zh").variables()
    assert odd["IVR_FOUND"] == "0"
    assert odd["IVR_TEXT"].startswith("抱歉")
    assert counters_all()["ivr.fastagi.refused"] == 1

    # Asterisk refuses a command (an old version, a typo): the call ends there.
    refused = _call(server, "report-status", incident.reference, replies=("510 Invalid",))
    assert len(refused.commands) == 1
    assert counters_all()["ivr.fastagi.protocol_error"] == 1

    # The caller hangs up: Asterisk says HANGUP, then 511 to the command.
    gone = _call(
        server,
        "report-status",
        incident.reference,
        replies=("HANGUP\n511 Command Not Permitted on a dead channel or intercepted",),
    )
    assert len(gone.commands) == 1
    assert "ivr.fastagi.failed" not in counters_all()

    # The server is still there for the next call.
    assert _call(server, "report-status", incident.reference).variables()["IVR_FOUND"] == "1"


def test_a_text_is_one_quoted_argument() -> None:
    assert agi_quote('say "hi"\\\nnow') == '"say \\"hi\\"\\\\ now"'
