"""A small real FreeSWITCH event socket on 127.0.0.1 (mod_event_socket, inbound mode), for the
adapter's tests: auth/request, `auth`, `event plain`, `api show channels as json`, and events
as text/event-plain with URL-encoded bodies, replaying a script.

A script is a list of steps: an event (a dict of event headers) is sent to the connected
adapter; DROP closes the connection; BAD sends a message that is not an event's; an event
after DROP marked "Unheard" "happens" while nobody listens (it changes which channels are
up, which `show channels` reports, but nobody receives it), as when FreeSWITCH or the line
went down mid-call."""

import json
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import quote

DROP = {"__drop__": "1"}
BAD = {"__bad__": "1"}
T0 = 1_765_000_000  # the script's clock: seconds after T0
DISCONNECT = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"


def ev(name: str, at: float, **fields: str) -> dict[str, str]:
    """An event as FreeSWITCH stamps it (Event-Date-Timestamp in microseconds)."""
    stamp = T0 * 1_000_000 + round(at * 1_000_000)
    return {"Event-Name": name, "Event-Date-Timestamp": str(stamp), **fields}


def message(headers: dict[str, str], body: str = "") -> bytes:
    raw = body.encode()
    if raw:
        headers = {"Content-Length": str(len(raw)), **headers}
    return ("".join(f"{k}: {v}\n" for k, v in headers.items()) + "\n").encode() + raw


def event_message(event: dict[str, str]) -> bytes:
    body = "".join(f"{k}: {quote(v, safe='')}\n" for k, v in event.items()) + "\n"
    return message({"Content-Type": "text/event-plain"}, body)


class FakeEsl:
    def __init__(self, script: list[dict[str, str]], password: str) -> None:
        self.script = script
        self.password = password
        self.up: dict[str, dict[str, str]] = {}  # Unique-ID -> its row of `show channels`
        self.logins = 0
        self.refused = 0
        self.done = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._step = 0
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._closing.set()
        self._listener.close()

    def _track(self, event: dict[str, str]) -> None:
        """Which channels are up, as `show channels` lists them, after an event."""
        name, uid = event.get("Event-Name"), event.get("Unique-ID", "")
        if name == "CHANNEL_CREATE":
            inbound = event.get("Call-Direction") == "inbound"
            self.up[uid] = {
                "uuid": uid,
                "direction": "inbound" if inbound else "outbound",
                "created_epoch": str(int(event["Event-Date-Timestamp"]) // 1_000_000),
                "name": event.get("Channel-Name", ""),
                "cid_num": event.get("Caller-Caller-ID-Number", ""),
                "dest": event.get("Caller-Destination-Number", ""),
                "callstate": "RINGING" if not inbound else "ACTIVE",
                "call_uuid": "",
                "_call": event.get("variable_cc_member_session_uuid")
                or event.get("variable_originating_leg_uuid")
                or uid,
            }
        elif name == "CHANNEL_HANGUP_COMPLETE":
            self.up.pop(uid, None)
        elif name == "CHANNEL_ANSWER" and uid in self.up:
            # An agent's channel answered is bridged to the caller's: both name the call.
            row = self.up[uid]
            row["callstate"] = "ACTIVE"
            row["call_uuid"] = row["_call"]
            if row["_call"] in self.up:
                self.up[row["_call"]]["call_uuid"] = row["_call"]

    def _commands(self, conn: socket.socket) -> Iterator[str]:
        buffer = b""
        while True:
            while b"\n\n" not in buffer:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                buffer += chunk
            raw, _, buffer = buffer.partition(b"\n\n")
            yield raw.decode().strip()

    def _serve(self) -> None:
        while self._step < len(self.script):
            try:
                conn, _addr = self._listener.accept()
            except OSError:
                return
            with conn:
                self._session(conn)

    def _login(self, conn: socket.socket, commands: Iterator[str]) -> bool:
        conn.sendall(message({"Content-Type": "auth/request"}))
        auth = next(commands, None)
        if auth is None:
            return False
        if auth != f"auth {self.password}":
            self.refused += 1
            conn.sendall(message({"Content-Type": "command/reply", "Reply-Text": "-ERR invalid"}))
            conn.sendall(message({"Content-Type": "text/disconnect-notice"}, DISCONNECT))
            return False
        conn.sendall(message({"Content-Type": "command/reply", "Reply-Text": "+OK accepted"}))
        self.logins += 1
        return True

    def _session(self, conn: socket.socket) -> None:
        commands = self._commands(conn)
        if not self._login(conn, commands):
            return
        subscribe = next(commands, None)
        if subscribe is None or not subscribe.startswith("event plain "):
            return
        reply = {"Content-Type": "command/reply", "Reply-Text": "+OK event listener enabled plain"}
        conn.sendall(message(reply))
        show = next(commands, None)
        if show != "api show channels as json":
            return
        rows = [{k: v for k, v in row.items() if not k.startswith("_")} for row in self.up.values()]
        answer = {"row_count": len(rows), "rows": rows} if rows else {"row_count": 0}
        conn.sendall(message({"Content-Type": "api/response"}, json.dumps(answer)))
        while self._step < len(self.script):
            step = self.script[self._step]
            self._step += 1
            if step is DROP:
                time.sleep(0.05)
                # What happens until the adapter is back is not heard by it.
                while self._step < len(self.script) and self.script[self._step].get("Unheard"):
                    self._track(self.script[self._step])
                    self._step += 1
                return
            if step is BAD:
                conn.sendall(message({"Content-Type": "text/event-plain"}, "no colon here\n\n"))
                continue
            self._track(step)
            conn.sendall(event_message(step))
        self.done.set()
        self._closing.wait(30)  # the line stays up, quiet, as FreeSWITCH's does
