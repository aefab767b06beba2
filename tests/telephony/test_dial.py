"""Click-to-call: the agent's phone is rung through the phone system (a small real AMI server
answering Originate), and the refusals say why in words."""

import json
import socket
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from dispatch.models import User
from telephony.models import Extension, PhoneSystem


class OriginateServer:
    """Asterisk as a click-to-call sees it: a banner, Login, Originate, Logoff."""

    def __init__(self, secret: str, answer: str = "Success") -> None:
        self.secret, self.answer = secret, answer
        self.actions: list[dict[str, str]] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"Asterisk Call Manager/9.0.0\r\n")
                buffer = b""
                while True:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    buffer += chunk
                    while b"\r\n\r\n" in buffer:
                        raw, _, buffer = buffer.partition(b"\r\n\r\n")
                        action = dict(
                            line.split(": ", 1)
                            for line in raw.decode().split("\r\n")
                            if ": " in line
                        )
                        self.actions.append(action)
                        ok = "Success"
                        if action.get("Action") == "Login" and action.get("Secret") != self.secret:
                            ok = "Error"
                        elif action.get("Action") == "Originate":
                            ok = self.answer
                        reply = f"Response: {ok}\r\nActionID: {action.get('ActionID', '')}\r\n"
                        conn.sendall((reply + "Message: done\r\n\r\n").encode())

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def agent(db: None) -> User:
    call_command("load_demo", stdout=StringIO())
    return User.objects.get(username="calltaker")


def _dial(user: User, body: object) -> tuple[int, dict]:
    client = Client()
    client.force_login(user)
    answer = client.post("/telephony/dial", json.dumps(body), content_type="application/json")
    return answer.status_code, answer.json()


def test_the_agents_phone_is_rung_to_dial_the_number(agent: User) -> None:
    server = OriginateServer(secret="s3cret")
    system = PhoneSystem.objects.create(
        name="Asterisk", kind="ami", host="127.0.0.1", port=server.port, username="hotline",
        secret="s3cret", outbound_context="hotline-out",
    )  # fmt: skip
    Extension.objects.create(system=system, number="8001", user=agent)
    status, body = _dial(agent, {"number": "138 0013 8000"})
    assert (status, body["extension"]) == (200, "8001")
    originate = next(a for a in server.actions if a.get("Action") == "Originate")
    assert (originate["Channel"], originate["Exten"], originate["Context"]) == (
        "PJSIP/8001", "13800138000", "hotline-out"
    )  # fmt: skip
    assert server.actions[-1]["Action"] == "Logoff"
    server.close()


def test_a_call_that_cannot_be_placed_says_why(agent: User) -> None:
    status, body = _dial(agent, {"number": "13800138000"})
    assert status == 400
    assert "no extension" in body["detail"]
    server = OriginateServer(secret="other", answer="Error")
    system = PhoneSystem.objects.create(
        name="Asterisk", kind="ami", host="127.0.0.1", port=server.port, username="hotline",
        secret="wrong",
    )  # fmt: skip
    Extension.objects.create(system=system, number="8001", user=agent)
    assert "refused the login" in _dial(agent, {"number": "13800138000"})[1]["detail"]
    assert _dial(agent, {"number": "call me"})[0] == 400
    assert _dial(agent, {"phone": "13800138000"})[0] == 400
    server.close()
    PhoneSystem.objects.filter(pk=system.pk).update(port=1)  # nothing listens there
    status, body = _dial(agent, {"number": "13800138000"})
    assert status == 400
    assert "dial the number on your phone" in body["detail"]
    crew = User.objects.get(username="crew")
    assert _dial(crew, {"number": "13800138000"})[0] == 403


class OriginateSocket:
    """FreeSWITCH's event socket as a click-to-call sees it: auth, then a bgapi originate."""

    def __init__(self, password: str) -> None:
        self.password = password
        self.commands: list[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            conn.sendall(b"Content-Type: auth/request\n\n")
            buffer = b""
            while True:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                buffer += chunk
                while b"\n\n" in buffer:
                    raw, _, buffer = buffer.partition(b"\n\n")
                    command = raw.decode()
                    self.commands.append(command)
                    if command.startswith("auth "):
                        ok = command == f"auth {self.password}"
                        reply = "+OK accepted" if ok else "-ERR invalid"
                    elif command.startswith("bgapi "):
                        reply = "+OK Job-UUID: 7f4db78a-17d7-11dd-b7a0-db4edd065621"
                    else:
                        reply = "+OK bye"
                    conn.sendall(f"Content-Type: command/reply\nReply-Text: {reply}\n\n".encode())


def test_freeswitch_rings_the_agent_through_the_event_socket(agent: User) -> None:
    server = OriginateSocket(password="ClueCon-long")
    system = PhoneSystem.objects.create(
        name="FreeSWITCH", kind="esl", host="127.0.0.1", port=server.port, secret="ClueCon-long",
        outbound_context="hotline",
    )  # fmt: skip
    Extension.objects.create(system=system, number="1001", user=agent)
    status, body = _dial(agent, {"number": "+8613800138000"})
    assert (status, body["extension"]) == (200, "1001")
    assert server.commands[0] == "auth ClueCon-long"
    assert server.commands[1] == (
        "bgapi originate {origination_caller_id_number=+8613800138000}user/1001 "
        "+8613800138000 XML hotline"
    )
    server.listener.close()
