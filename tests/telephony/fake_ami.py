"""A small real AMI server on 127.0.0.1, for the adapter's tests: Asterisk as the adapter sees
it over TCP (a banner, Login, CoreShowChannels, events), replaying a script.

A script is a list of steps: an event (a dict of AMI fields) is sent to the connected
adapter; DROP closes the connection; an event after DROP and before the adapter is back
"happens unheard" (it changes which channels are up, which CoreShowChannels reports, but
nobody receives it), as when Asterisk or the line went down mid-call."""

import socket
import threading
import time
from collections.abc import Iterator

DROP = {"__drop__": "1"}
T0 = 1_765_000_000.0  # the script's clock: seconds after T0


def ev(name: str, at: float, **fields: str) -> dict[str, str]:
    return {"Event": name, "Timestamp": f"{T0 + at:.6f}", **fields}


def _text(frame: dict[str, str]) -> bytes:
    return ("".join(f"{k}: {v}\r\n" for k, v in frame.items()) + "\r\n").encode()


class FakeAmi:
    def __init__(self, script: list[dict[str, str]], secret: str) -> None:
        self.script = script
        self.secret = secret
        self.up: dict[str, dict[str, str]] = {}  # Uniqueid -> its channel, as Asterisk has it
        self.logins = 0
        self.refused = 0
        self.done = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._step = 0
        self.sent_at: list[float] = []  # when each event went out (time.time()), in order
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._closing.set()
        self._listener.close()

    def _track(self, frame: dict[str, str]) -> None:
        """Which channels are up, and in which state, after an event."""
        name, uid = frame.get("Event"), frame.get("Uniqueid", "")
        if name == "Newchannel":
            self.up[uid] = {**frame, "ChannelState": "4", "Started": frame["Timestamp"]}
        elif name == "Hangup":
            self.up.pop(uid, None)
        elif name in ("AgentConnect", "DialEnd") and frame.get("DestUniqueid") in self.up:
            self.up[frame["DestUniqueid"]]["ChannelState"] = "6"

    def _frames(self, conn: socket.socket) -> Iterator[dict[str, str]]:
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                buffer += chunk
            raw, _, buffer = buffer.partition(b"\r\n\r\n")
            yield dict(line.split(": ", 1) for line in raw.decode().split("\r\n") if ": " in line)

    def _serve(self) -> None:
        while self._step < len(self.script):
            try:
                conn, _addr = self._listener.accept()
            except OSError:
                return
            with conn:
                self._session(conn)

    def _session(self, conn: socket.socket) -> None:
        conn.sendall(b"Asterisk Call Manager/9.0.0\r\n")
        frames = self._frames(conn)
        login = next(frames, None)
        if login is None:
            return
        ok = login.get("Action") == "Login" and login.get("Secret") == self.secret
        conn.sendall(
            _text(
                {
                    "Response": "Success" if ok else "Error",
                    "ActionID": login.get("ActionID", ""),
                    "Message": "Authentication accepted" if ok else "Authentication failed",
                }
            )
        )
        if not ok:
            self.refused += 1
            return
        self.logins += 1
        show = next(frames, None)
        if show is None or show.get("Action") != "CoreShowChannels":
            return
        action = show.get("ActionID", "")
        conn.sendall(_text({"Response": "Success", "ActionID": action, "EventList": "start"}))
        now = T0 + float(self._clock())
        for channel in self.up.values():
            seconds = int(now - float(channel["Started"]))
            conn.sendall(
                _text(
                    {
                        "Event": "CoreShowChannel",
                        "ActionID": action,
                        "Channel": channel["Channel"],
                        "ChannelState": channel["ChannelState"],
                        "CallerIDNum": channel.get("CallerIDNum", ""),
                        "Exten": channel.get("Exten", ""),
                        "Uniqueid": channel["Uniqueid"],
                        "Linkedid": channel["Linkedid"],
                        "Duration": f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:"
                        f"{seconds % 60:02d}",
                    }
                )
            )
        conn.sendall(_text({"Event": "CoreShowChannelsComplete", "ActionID": action}))
        # Unheard events (after a DROP, before this login) have happened already.
        while self._step < len(self.script):
            frame = self.script[self._step]
            self._step += 1
            if frame is DROP:
                time.sleep(0.05)
                # What happens until the adapter is back is not heard by it.
                while self._step < len(self.script) and self.script[self._step].get("Unheard"):
                    self._track(self.script[self._step])
                    self._step += 1
                return
            self._track(frame)
            conn.sendall(_text(frame))
            self.sent_at.append(time.time())
        self.done.set()
        self._closing.wait(30)  # the line stays up, quiet, as Asterisk's does

    def _clock(self) -> float:
        """The script's time now: the newest event sent or happened."""
        stamps = [float(f["Timestamp"]) - T0 for f in self.script[: self._step] if "Timestamp" in f]
        return max(stamps, default=0.0)
