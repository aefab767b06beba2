"""`make run`'s Procfile under honcho, with kill -9 in turn of web, worker, beat, tracker and
broker: the others keep serving, the killed one is back within 15 s, no position or call is lost,
and Ctrl-C (SIGINT to honcho) still stops everything.

The real Procfile runs, pointed at the test database, the test Redis and free ports through the
variables it reads (WEB_BIND, MQTT_CONF_DIR, BEAT_SCHEDULE, the MQTT_* settings). A van publishes
a fix every 0.1 s over QoS 1 with a persistent session, and a call taker posts a call every 0.3 s,
retrying on connection errors as a browser's user would, for the whole run.
"""

import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from io import StringIO
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.utils import timezone
from pytest_django.fixtures import Settings as DjangoSettings
from rest_framework.authtoken.models import Token

from config.models import Heartbeat
from demo.org import demo_organisation_load
from dispatch.models import Call
from dispatch.roles import Role
from dispatch.services import user_create
from fleet.credentials import device_mqtt_password
from fleet.models import Vehicle, VehiclePosition
from fleet.mqtt import topic
from tests.dispatch.conftest import make_crew
from tests.processes import ROOT, Process, free_port, port_open, wait_until

SERVICE, SERVICE_PASSWORD = "gasdispatch-service", "service-secret-for-supervision"
BACK_WITHIN_S = 15
# What the Procfile runs under respawn.sh, and how to tell each one in its command line.
MARKERS = {
    "web": "gunicorn",
    "worker": " worker ",
    "beat": " beat ",
    "tracker": "track_vehicles",
    "mqtt": "mosquitto",
}


@dataclass
class System:
    honcho: Process
    web: str
    mqtt_ports: tuple[int, int]
    token: str
    vehicle: Vehicle
    stop: threading.Event = field(default_factory=threading.Event)
    published: list[int] = field(default_factory=list)  # packet ids, in order
    acknowledged: set[int] = field(default_factory=set)
    calls_posted: list[str] = field(default_factory=list)  # descriptions answered with a 201
    calls_wanted: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ the web app

    def healthz(self) -> int | None:
        """The status /healthz answers with, None when nothing answers."""
        try:
            with urllib.request.urlopen(f"{self.web}/healthz", timeout=5) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return None

    def post_calls(self) -> None:
        """A call taker's console: a call every 0.3 s, each retried until the server answers."""
        n = 0
        while not self.stop.is_set():
            n += 1
            description = f"supervision call {n}"
            self.calls_wanted.append(description)
            body = json.dumps(
                {"category": "meter_fault", "description": description, "lon": 117.2, "lat": 39.1}
            ).encode()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                request = urllib.request.Request(  # noqa: S310 - our own http:// URL
                    f"{self.web}/api/calls/",
                    data=body,
                    headers={
                        "Content-Type": "application/json",
                        "Authorization": f"Token {self.token}",
                    },
                )
                try:
                    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                        if response.status == 201:
                            self.calls_posted.append(description)
                            break
                except urllib.error.HTTPError as exc:
                    raise AssertionError(f"{description}: HTTP {exc.code} {exc.read()!r}") from exc
                except OSError:  # refused or reset while the web restarts: try again
                    time.sleep(0.5)
            time.sleep(0.3)

    # ------------------------------------------------------------------ the van

    def publish_fixes(self) -> None:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="van", clean_session=False)
        client.username_pw_set(self.vehicle.device_id, device_mqtt_password(self.vehicle.device_id))
        client.reconnect_delay_set(min_delay=1, max_delay=2)
        client.on_publish = lambda _c, _u, mid, _r, _p: self.acknowledged.add(mid)
        client.connect_async("127.0.0.1", self.mqtt_ports[1], keepalive=10)
        client.loop_start()
        # Device times an hour back, one second apart: each fix its own row.
        first = int(time.time()) - 3600
        try:
            while not self.stop.is_set():
                fix = {"_type": "location", "lat": 39.1, "lon": 117.2, "acc": 5}
                fix["tst"] = first + len(self.published)
                # paho keeps a QoS 1 message while the broker is away and sends it on reconnect
                # (its answer then says "not connected", and the acknowledgement comes later).
                info = client.publish(
                    topic(f"owntracks/{self.vehicle.device_id}/tablet"), json.dumps(fix), qos=1
                )
                self.published.append(info.mid)
                time.sleep(0.1)
            wait_until(
                lambda: self.acknowledged >= set(self.published),
                timeout=30,
                what="the broker to acknowledge every fix",
            )
        finally:
            client.disconnect()
            client.loop_stop()

    def stored_fixes(self) -> int:
        return VehiclePosition.objects.filter(vehicle_id=self.vehicle.pk).count()

    # ------------------------------------------------------------------ processes

    def supervised_pid(self, name: str) -> int | None:
        """The pid of the Procfile's `name` process: the topmost one running its program (not
        honcho's `sh -c`, not respawn.sh; not gunicorn's workers or celery's pool)."""
        table = _process_table()

        def runs(pid: int) -> bool:
            command = f" {table[pid][2]} " if pid in table else ""
            return (
                MARKERS[name] in command
                and "respawn.sh" not in command
                and not command.startswith(" /bin/sh -c")
            )

        # respawn.sh's own child: a gunicorn worker orphaned by its master's kill -9 (it
        # answers for a moment, until respawn.sh sweeps it) is not the web back again.
        for pid in _descendants(table, self.honcho.popen.pid):
            parent = table[pid][0]
            if runs(pid) and parent in table and "respawn.sh" in table[parent][2]:
                return pid
        return None

    def back(self, name: str, *, killed: int, since: datetime) -> bool:
        pid = self.supervised_pid(name)
        if pid is None or pid == killed:
            return False
        beats = Heartbeat.objects.filter(beat_at__gt=since)
        if name == "web":
            return self.healthz() is not None
        if name == "worker":
            return beats.filter(component="worker").exists()
        if name == "beat":
            return beats.filter(component="beat", instance__endswith=f":{pid}").exists()
        if name == "tracker":
            return beats.filter(
                component="tracker", instance__endswith=f":{pid}", detail__connected=True
            ).exists()
        return all(port_open(port) for port in self.mqtt_ports)


def _process_table() -> dict[int, tuple[int, int, str]]:
    """pid: (parent pid, process group, command line), from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue
        table[int(entry)] = (
            int(fields[1]),
            int(fields[2]),
            cmdline.replace(b"\0", b" ").decode(errors="replace"),
        )
    return table


def _descendants(table: dict[int, tuple[int, int, str]], root: int) -> list[int]:
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _g, _c) in table.items() if ppid == parent]
        found += children
        frontier += children
    return found


@pytest.fixture
def system(
    transactional_db: None,
    process_env: dict[str, str],
    settings: DjangoSettings,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Iterator[System]:
    settings.MQTT_USERNAME, settings.MQTT_PASSWORD = SERVICE, SERVICE_PASSWORD
    org = demo_organisation_load()
    crew = make_crew(org["st-central"], "S", Point(117.2, 39.1, srid=4326))
    vehicle = Vehicle.objects.get(crew=crew)
    taker = user_create(
        username="taker", password="pw", role=Role.CALL_TAKER, org_unit=org["gx-city"]
    )
    token = Token.objects.create(user=taker).key
    web_port, mqtt_port, device_port = free_port(), free_port(), free_port()
    broker_dir = tmp_path / "mosquitto"
    call_command(
        "mqtt_credentials",
        *("--dir", str(broker_dir), "--host", "127.0.0.1", "--port", str(mqtt_port)),
        *("--device-port", str(device_port)),
        stdout=StringIO(),
    )
    env = {
        **process_env,
        "PATH": f"{ROOT / '.venv/bin'}:{os.environ['PATH']}",
        "WEB_BIND": f"127.0.0.1:{web_port}",
        "MQTT_CONF_DIR": str(broker_dir),
        "BEAT_SCHEDULE": str(tmp_path / "celerybeat-schedule"),
        "MQTT_BROKER_HOST": "127.0.0.1",
        "MQTT_BROKER_PORT": str(mqtt_port),
        "MQTT_USERNAME": SERVICE,
        "MQTT_PASSWORD": SERVICE_PASSWORD,
        "MQTT_TRACKER_CLIENT_ID": f"gasdispatch-tracker-{uuid.uuid4().hex[:8]}",
    }
    honcho = Process(
        "honcho",
        [
            str(ROOT / ".venv/bin/honcho"),
            *("start", "-f", "Procfile", "--env", "/dev/null"),
            *("mqtt", "web", "worker", "beat", "tracker"),
        ],
        env,
    )
    running = System(
        honcho, f"http://127.0.0.1:{web_port}", (mqtt_port, device_port), token, vehicle
    )
    try:
        yield running
    finally:
        running.stop.set()
        if honcho.alive():
            os.killpg(honcho.popen.pid, signal.SIGINT)
        honcho.stop(timeout=20)
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            print(f"\n----- honcho -----\n{honcho.output()[-12000:]}")


def test_kill_9_of_each_process_in_turn_loses_nothing_and_ctrl_c_stops_all(
    system: System,
) -> None:
    wait_until(lambda: system.healthz() == 200, timeout=90, what="every process up (/healthz)")
    threads = [
        threading.Thread(target=system.publish_fixes, daemon=True),
        threading.Thread(target=system.post_calls, daemon=True),
    ]
    for thread in threads:
        thread.start()
    time.sleep(3)

    names = ("web", "worker", "beat", "tracker", "mqtt")
    for name in names:
        killed = system.supervised_pid(name)
        assert killed is not None, f"no {name} process under respawn.sh"
        others = {other: system.supervised_pid(other) for other in names if other != name}
        stored_before, since = system.stored_fixes(), timezone.now()
        started = time.monotonic()
        os.kill(killed, signal.SIGKILL)
        unanswered = 0
        while not system.back(name, killed=killed, since=since):
            assert time.monotonic() - started < BACK_WITHIN_S, f"{name} not back in 15 s"
            if name != "web":  # the web answers throughout (a 503 naming the dead one is fine)
                unanswered += system.healthz() is None
            time.sleep(0.2)
        assert unanswered == 0, f"web did not answer {unanswered} times while {name} was down"
        # Nothing else went down or was restarted with it.
        assert {o: system.supervised_pid(o) for o in others} == others, f"others moved: {name}"
        if name in {"web", "worker", "beat"}:
            # The tracker went on storing positions while the other one was down.
            assert system.stored_fixes() > stored_before, f"no position stored without {name}"
        time.sleep(2)

    time.sleep(3)
    system.stop.set()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
    published = len(system.published)
    wait_until(
        lambda: system.stored_fixes() >= published,
        timeout=30,
        what=f"all {published} fixes stored (have {system.stored_fixes()})",
    )
    assert system.stored_fixes() == published
    assert system.calls_posted == system.calls_wanted  # every call got its 201 in the end
    stored = set(
        Call.objects.filter(description__in=system.calls_posted).values_list(
            "description", flat=True
        )
    )
    assert stored == set(system.calls_posted)
    wait_until(lambda: system.healthz() == 200, timeout=30, what="/healthz ok again")

    # Ctrl-C: honcho stops every process, and nothing of the system is left running.
    table = _process_table()
    groups = {table[pid][1] for pid in _descendants(table, system.honcho.popen.pid)}
    system.honcho.popen.send_signal(signal.SIGINT)
    system.honcho.popen.wait(timeout=20)
    wait_until(
        lambda: not [g for _p, g, _c in _process_table().values() if g in groups],
        timeout=5,
        what="every process of the system gone",
    )
    assert not any(port_open(port) for port in system.mqtt_ports)
    assert system.healthz() is None
