"""A login per device and an ACL, proved on a real Mosquitto running the files we generate."""

import base64
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from pytest_django.fixtures import Settings as DjangoSettings

from config.mqtt_passwords import service_mqtt_password
from demo.org import demo_organisation_load
from dispatch.models import Crew
from fleet.credentials import device_mqtt_password, mosquitto_password_hash
from fleet.device_keys import http_device_identifier
from fleet.models import Vehicle
from fleet.mqtt import topic
from tests.dispatch.conftest import make_crew
from tests.processes import ROOT, Process, free_port, port_open, wait_until

SERVICE = "gasdispatch-service"
SERVICE_PASSWORD = "service-secret-for-tests"


def test_device_password_is_stable_and_differs_per_device_and_per_salt(
    settings: DjangoSettings,
) -> None:
    settings.MQTT_DEVICE_PASSWORD_SALT = ""
    first = device_mqtt_password("VAN-0001")
    assert first == device_mqtt_password("VAN-0001")
    assert len(first) == 24
    assert first.isalnum()
    assert first.islower()
    assert device_mqtt_password("VAN-0002") != first
    assert service_mqtt_password(username="VAN-0001", secret_key=settings.SECRET_KEY) != first
    settings.MQTT_DEVICE_PASSWORD_SALT = "2026-rotation"
    assert device_mqtt_password("VAN-0001") != first
    settings.MQTT_DEVICE_PASSWORD_SALT = ""
    settings.SECRET_KEY = "another-secret-key"
    assert device_mqtt_password("VAN-0001") != first


def test_password_hash_is_the_one_mosquitto_passwd_writes(tmp_path: Path) -> None:
    passwd = tmp_path / "passwd"
    passwd.touch(mode=0o600)
    subprocess.run(["mosquitto_passwd", "-b", str(passwd), "VAN-0001", "s3cret"], check=True)
    user, hashed = passwd.read_text().strip().split(":", 1)
    _, kind, iterations, salt, _digest = hashed.split("$")
    assert (user, kind) == ("VAN-0001", "7")
    ours = mosquitto_password_hash(
        "s3cret", salt=base64.b64decode(salt), iterations=int(iterations)
    )
    assert ours == hashed


def test_the_back_end_derives_the_service_password_the_broker_files_hold() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.main"}
    env.update(MQTT_USERNAME=SERVICE, DJANGO_SECRET_KEY="k" * 40)
    env.pop("MQTT_PASSWORD", None)
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.MQTT_PASSWORD)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert printed.stdout.strip() == service_mqtt_password(username=SERVICE, secret_key="k" * 40)


# ----------------------------------------------------------------- a real broker


@dataclass
class Peer:
    """A paho client with what it received, in order."""

    client: mqtt.Client
    refused: str | None = None
    inbox: "queue.Queue[tuple[str, bytes, bool]]" = field(default_factory=queue.Queue)
    subacks: "queue.Queue[int]" = field(default_factory=queue.Queue)
    dropped: threading.Event = field(default_factory=threading.Event)

    def subscribe(self, name: str) -> None:
        _result, mid = self.client.subscribe(name, qos=1)
        assert self.subacks.get(timeout=10) == mid

    def publish(self, name: str, payload: bytes, *, retain: bool = False) -> None:
        self.client.publish(name, payload, qos=1, retain=retain).wait_for_publish(10)

    def until(self, marker: bytes) -> list[tuple[str, bytes, bool]]:
        """Everything received up to the marker message; anything sent before it came before."""
        got = []
        while (message := self.inbox.get(timeout=10))[1] != marker:
            got.append(message)
        return got


@dataclass
class Broker:
    port: int  # the back-end's listener
    device_port: int  # the devices' listener
    directory: Path
    process: Process
    crew_a: Crew
    crew_b: Crew
    peers: list[Peer] = field(default_factory=list)

    def connect(self, username: str | None, password: str | None = None) -> Peer:
        """A device-side login goes to the devices' listener, the service account's to its own."""
        port = self.port if username == SERVICE else self.device_port
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"test-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv311,
        )
        if username is not None:
            client.username_pw_set(username, password)
        peer = Peer(client)
        connack: queue.Queue[mqtt.ReasonCode] = queue.Queue()
        client.on_connect = lambda _c, _u, _f, reason, _p: connack.put(reason)
        client.on_message = lambda _c, _u, m: peer.inbox.put(
            (m.topic, bytes(m.payload), bool(m.retain))
        )
        client.on_subscribe = lambda _c, _u, mid, _r, _p: peer.subacks.put(mid)
        client.on_disconnect = lambda _c, _u, _f, _r, _p: peer.dropped.set()
        client.connect("127.0.0.1", port, keepalive=10)
        client.loop_start()
        self.peers.append(peer)
        reason = connack.get(timeout=10)
        if reason.is_failure:
            peer.refused = str(reason)
            client.loop_stop()  # no retries: one attempt, one refusal in the broker's log
        return peer

    def device(self, device_id: str) -> Peer:
        peer = self.connect(device_id, device_mqtt_password(device_id))
        assert peer.refused is None, f"{device_id}: {peer.refused}\n{self.process.output()}"
        return peer

    def write_files(self) -> str:
        return _write_files(self.directory, self.port, self.device_port)

    def write_files_to(self, *, stderr: StringIO) -> None:
        call_command(
            "mqtt_credentials",
            "--dir",
            str(self.directory),
            stdout=StringIO(),
            stderr=stderr,
        )


def _write_files(directory: Path, port: int, device_port: int) -> str:
    out = StringIO()
    call_command(
        "mqtt_credentials",
        *("--dir", str(directory), "--port", str(port), "--device-port", str(device_port)),
        stdout=out,
    )
    return out.getvalue()


@pytest.fixture
def broker(db: None, settings: DjangoSettings, tmp_path: Path) -> Iterator[Broker]:
    """Mosquitto on a free port, started from what `mqtt_credentials` wrote for two vans."""
    settings.MQTT_USERNAME, settings.MQTT_PASSWORD = SERVICE, SERVICE_PASSWORD
    station = demo_organisation_load()["st-central"]
    at = Point(117.2, 39.1, srid=4326)
    crew_a, crew_b = make_crew(station, "A", at), make_crew(station, "B", at)
    port, device_port, directory = free_port(), free_port(), tmp_path / "mosquitto"
    assert "for 2 devices" in _write_files(directory, port, device_port)
    process = Process("mosquitto", ["mosquitto", "-c", str(directory / "mosquitto.conf")])
    broker = Broker(port, device_port, directory, process, crew_a, crew_b)
    try:
        wait_until(
            lambda: (port_open(port) and port_open(device_port)) or not process.alive(),
            timeout=10,
            what="mosquitto",
        )
        assert process.alive(), process.output()
        yield broker
    finally:
        for peer in broker.peers:
            peer.client.disconnect()
            peer.client.loop_stop()
        process.stop()


def test_files_are_private_and_replaced_whole(broker: Broker) -> None:
    for name in ("passwd", "acl", "service-passwd", "service-acl"):
        assert (broker.directory / name).stat().st_mode & 0o777 == 0o600
    assert not [p for p in broker.directory.iterdir() if p.name.startswith(".")]
    passwd = (broker.directory / "passwd").read_text()
    assert [line.split(":")[0] for line in passwd.splitlines()] == ["VAN-A", "VAN-B"]
    assert device_mqtt_password("VAN-A") not in passwd  # hashed, never in clear
    service = (broker.directory / "service-passwd").read_text()
    assert [line.split(":")[0] for line in service.splitlines()] == [SERVICE]


def test_each_listener_lets_in_only_its_own_accounts(broker: Broker) -> None:
    """The service account is unknown on the devices' listener, and the devices on the
    back-end's: a stolen tablet password never reaches the back-end's port."""
    assert broker.connect(SERVICE, SERVICE_PASSWORD).refused is None
    assert broker.connect("VAN-A", device_mqtt_password("VAN-A")).refused is None
    broker.port, broker.device_port = broker.device_port, broker.port
    assert broker.connect(SERVICE, SERVICE_PASSWORD).refused == "Not authorized"
    assert broker.connect("VAN-A", device_mqtt_password("VAN-A")).refused == "Not authorized"


def test_anonymous_and_wrong_passwords_are_refused(broker: Broker) -> None:
    assert broker.connect(None).refused == "Not authorized"
    assert broker.connect("VAN-A", "not-the-password").refused == "Not authorized"
    assert broker.connect("VAN-A", device_mqtt_password("VAN-B")).refused == "Not authorized"
    # The broker says so at once (what someone provisioning a tablet watches).
    wait_until(
        lambda: broker.process.output().count("disconnected, not authorised") == 3,
        timeout=5,
        what="three refusals in the broker's log",
    )
    assert broker.connect(SERVICE, SERVICE_PASSWORD).refused is None
    assert broker.connect("VAN-A", device_mqtt_password("VAN-A")).refused is None


def test_a_device_publishes_only_on_its_own_topic(broker: Broker) -> None:
    service = broker.connect(SERVICE, SERVICE_PASSWORD)
    service.subscribe(topic("owntracks/#"))
    service.subscribe(topic("crews/#"))
    van_a = broker.device("VAN-A")
    van_a.publish(topic("owntracks/VAN-B/tablet"), b"forged position")
    van_a.publish(topic(f"crews/{broker.crew_b.pk}/assignments"), b"forged job", retain=True)
    van_a.publish(topic("owntracks/VAN-A/tablet"), b"own position")
    # Same publisher, same QoS: had the forgeries got through, they would have come first.
    assert service.until(b"own position") == []


def test_the_service_account_hears_every_device_and_every_crew(broker: Broker) -> None:
    service = broker.connect(SERVICE, SERVICE_PASSWORD)
    service.subscribe(topic("owntracks/#"))
    service.subscribe(topic("crews/#"))
    broker.device("VAN-A").publish(topic("owntracks/VAN-A/tablet"), b"a")
    broker.device("VAN-B").publish(topic("owntracks/VAN-B/tablet/event"), b"b")
    service.publish(topic(f"crews/{broker.crew_a.pk}/assignments"), b"job")
    service.publish(topic("crews/0/marker"), b"end")
    assert sorted(service.until(b"end")) == [
        (topic(f"crews/{broker.crew_a.pk}/assignments"), b"job", False),
        (topic("owntracks/VAN-A/tablet"), b"a", False),
        (topic("owntracks/VAN-B/tablet/event"), b"b", False),
    ]


def test_a_device_reads_its_own_crews_retained_assignment_only(broker: Broker) -> None:
    service = broker.connect(SERVICE, SERVICE_PASSWORD)
    own = topic(f"crews/{broker.crew_a.pk}/assignments")
    other = topic(f"crews/{broker.crew_b.pk}/assignments")
    service.publish(own, b"job for A", retain=True)
    service.publish(other, b"job for B", retain=True)
    van_a = broker.device("VAN-A")
    van_a.subscribe(other)
    van_a.subscribe(topic("crews/#"))
    van_a.subscribe(topic("owntracks/#"))
    service.publish(topic("owntracks/VAN-B/tablet"), b"B's position")
    service.publish(own, b"end")  # not retained: it comes after whatever the subscriptions gave
    assert van_a.until(b"end") == [(own, b"job for A", True)]


def test_a_rewrite_and_sighup_let_new_vans_in_and_removed_ones_out(broker: Broker) -> None:
    service = broker.connect(SERVICE, SERVICE_PASSWORD)
    service.subscribe(topic("owntracks/#"))
    van_a, van_b = broker.device("VAN-A"), broker.device("VAN-B")
    make_crew(broker.crew_a.station, "C", Point(117.2, 39.1, srid=4326))
    assert broker.connect("VAN-C", device_mqtt_password("VAN-C")).refused == "Not authorized"
    Vehicle.objects.filter(device_id="VAN-B").delete()
    assert "for 2 devices" in broker.write_files()
    broker.process.popen.send_signal(signal.SIGHUP)

    def van_c_gets_in() -> bool:
        return broker.connect("VAN-C", device_mqtt_password("VAN-C")).refused is None

    wait_until(van_c_gets_in, timeout=10, what="VAN-C let in after SIGHUP")
    assert van_b.dropped.wait(10), "the removed van kept its connection"
    assert broker.connect("VAN-B", device_mqtt_password("VAN-B")).refused == "Not authorized"
    # Those still listed kept their connections through the reload.
    assert not van_a.dropped.is_set()
    assert not service.dropped.is_set()
    van_a.publish(topic("owntracks/VAN-A/tablet"), b"after reload")
    assert service.until(b"after reload") == []


def test_a_device_id_that_would_widen_the_acl_gets_no_login(broker: Broker) -> None:
    Vehicle.objects.create(device_id="VAN/#")
    err = StringIO()
    call_command(
        "mqtt_credentials",
        "--dir",
        str(broker.directory),
        "--port",
        str(broker.port),
        stdout=StringIO(),
        stderr=err,
    )
    assert "no MQTT login for 1 vehicle(s)" in err.getvalue()
    assert "'VAN/#'" in err.getvalue()
    assert "VAN/#" not in (broker.directory / "acl").read_text()
    assert "VAN/#" not in (broker.directory / "passwd").read_text()


def test_a_device_id_equal_to_the_service_account_is_refused(
    broker: Broker, settings: DjangoSettings
) -> None:
    settings.MQTT_USERNAME = "backend"
    Vehicle.objects.create(device_id="backend")
    with pytest.raises(CommandError, match="also a device id"):
        broker.write_files()


def test_show_prints_what_a_tablet_needs(broker: Broker) -> None:
    out = StringIO()
    call_command("mqtt_credentials", "--dir", str(broker.directory), "--show", "VAN-A", stdout=out)
    shown = out.getvalue()
    # The devices' listener written in --dir, not the settings.
    assert f"port         {broker.device_port}" in shown
    assert "username     VAN-A" in shown
    assert f"password     {device_mqtt_password('VAN-A')}" in shown
    assert topic("owntracks/VAN-A/<device id>") in shown
    assert topic(f"crews/{broker.crew_a.pk}/assignments") in shown
    with pytest.raises(CommandError, match="no vehicle"):
        call_command("mqtt_credentials", "--show", "VAN-NOPE", stdout=StringIO())


def test_a_fresh_process_logs_in_with_the_password_it_derives(
    broker: Broker, settings: DjangoSettings
) -> None:
    """What every `make run` process does: only MQTT_USERNAME set, the password derived."""
    settings.MQTT_USERNAME = settings.MQTT_PASSWORD = ""
    # Run by hand, without --port or a service account, to let new vans in: it keeps the
    # listener the running broker has, and writes the account `make run` gives its processes.
    call_command("mqtt_credentials", "--dir", str(broker.directory), stdout=StringIO())
    conf = (broker.directory / "mosquitto.conf").read_text()
    assert f"listener {broker.port} 127.0.0.1\n" in conf
    assert f"listener {broker.device_port} 127.0.0.1\n" in conf
    broker.process.popen.send_signal(signal.SIGHUP)
    env = {**os.environ, "MQTT_USERNAME": SERVICE, "MQTT_BROKER_PORT": str(broker.port)}
    env.pop("MQTT_PASSWORD", None)

    def probe() -> str:
        return subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from fleet.mqtt import mqtt_probe; "
                "print(mqtt_probe(timeout=5))",
            ],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout

    wait_until(lambda: "(True, 'connected" in probe(), timeout=20, what="the probe let in")


# ------------------------------------------------- sessions a device cannot take over


def _shown_device_port(broker: Broker) -> int:
    out = StringIO()
    call_command("mqtt_credentials", "--dir", str(broker.directory), "--show", "VAN-A", stdout=out)
    found = re.search(r"^  port +(\d+)", out.getvalue(), re.M)
    assert found, out.getvalue()
    return int(found[1])


def _session(broker: Broker, client_id: str, *, shared: str = "") -> Peer:
    """The tracker's kind of client: the service account, MQTT 5, a persistent session, on
    the port the back-end is configured with."""
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
    )
    client.username_pw_set(SERVICE, SERVICE_PASSWORD)
    peer = Peer(client)
    connack: queue.Queue[mqtt.ReasonCode] = queue.Queue()
    client.on_connect = lambda _c, _u, _f, reason, _p: connack.put(reason)
    client.on_message = lambda _c, _u, m: peer.inbox.put((m.topic, bytes(m.payload), False))
    client.on_subscribe = lambda _c, _u, mid, _r, _p: peer.subacks.put(mid)
    client.on_disconnect = lambda _c, _u, _f, _r, _p: peer.dropped.set()
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 3600
    client.connect("127.0.0.1", broker.port, keepalive=10, clean_start=False, properties=properties)
    client.loop_start()
    broker.peers.append(peer)
    assert not connack.get(timeout=10).is_failure
    peer.subscribe(f"{shared}{topic('owntracks/#')}")
    return peer


def _device_on(broker: Broker, device_id: str, *, port: int, client_id: str) -> Peer:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    client.username_pw_set(device_id, device_mqtt_password(device_id))
    peer = Peer(client)
    connack: queue.Queue[mqtt.ReasonCode] = queue.Queue()
    client.on_connect = lambda _c, _u, _f, reason, _p: connack.put(reason)
    client.on_disconnect = lambda _c, _u, _f, _r, _p: peer.dropped.set()
    client.connect("127.0.0.1", port, keepalive=10)
    client.loop_start()
    broker.peers.append(peer)
    reason = connack.get(timeout=10)
    assert not reason.is_failure, f"{device_id}: {reason}\n{broker.process.output()}"
    return peer


def test_a_device_login_cannot_take_the_trackers_client_id_or_session(broker: Broker) -> None:
    tracker = _session(broker, "gasdispatch-tracker")
    device_port = _shown_device_port(broker)
    van_a = _device_on(broker, "VAN-A", port=device_port, client_id="gasdispatch-tracker")
    for n in range(20):
        van_a.publish(topic("owntracks/VAN-A/tablet"), f"fix {n}".encode())
    van_a.publish(topic("owntracks/VAN-A/tablet"), b"end")
    assert [m[1] for m in tracker.until(b"end")] == [f"fix {n}".encode() for n in range(20)]
    assert not tracker.dropped.is_set(), "the device's login took the tracker's session"
    assert not van_a.dropped.is_set()  # and the device keeps its own connection
    assert "gasdispatch-tracker" not in _connected_ids(broker, "VAN-A")


def _connected_ids(broker: Broker, username: str) -> str:
    """The client id the broker logged for this user's connection (the notice line)."""
    lines = [line for line in broker.process.output().splitlines() if f"u'{username}'" in line]
    return "\n".join(lines)


def test_two_devices_cannot_take_each_others_sessions(broker: Broker) -> None:
    device_port = _shown_device_port(broker)
    van_a = _device_on(broker, "VAN-A", port=device_port, client_id="tablet")
    van_b = _device_on(broker, "VAN-B", port=device_port, client_id="tablet")
    van_b.publish(topic("owntracks/VAN-B/tablet"), b"b")
    assert not van_a.dropped.wait(1), "a second tablet with the same client id dropped the first"
    assert not van_b.dropped.is_set()


def test_trackers_on_a_shared_subscription_split_every_position(broker: Broker) -> None:
    group = "$share/trackers/"
    first = _session(broker, "gasdispatch-tracker-1", shared=group)
    second = _session(broker, "gasdispatch-tracker-2", shared=group)
    van_a = _device_on(broker, "VAN-A", port=_shown_device_port(broker), client_id="tablet")
    sent = [f"fix {n}".encode() for n in range(40)]
    for payload in sent:
        van_a.publish(topic("owntracks/VAN-A/tablet"), payload)
    got: list[bytes] = []
    deadline = time.monotonic() + 10
    while len(got) < len(sent) and time.monotonic() < deadline:
        for peer in (first, second):
            while not peer.inbox.empty():
                got.append(peer.inbox.get()[1])
        time.sleep(0.05)
    assert sorted(got) == sorted(sent)  # each exactly once, between the two


def test_a_device_id_the_back_end_uses_as_a_client_id_gets_no_login(broker: Broker) -> None:
    Vehicle.objects.create(device_id="gasdispatch-tracker")
    err = StringIO()
    broker.write_files_to(stderr=err)
    assert "'gasdispatch-tracker'" in err.getvalue()
    assert "gasdispatch-tracker" not in (broker.directory / "passwd").read_text()


def test_show_prints_the_devices_listener_and_the_http_tracking_identifier(
    broker: Broker, settings: DjangoSettings
) -> None:
    settings.SITE_URL = "https://dispatch.example.org"
    out = StringIO()
    call_command("mqtt_credentials", "--dir", str(broker.directory), "--show", "VAN-A", stdout=out)
    shown = out.getvalue()
    assert "https://dispatch.example.org/api/field/osmand/" in shown
    assert http_device_identifier("VAN-A") in shown
    assert f"port         {broker.device_port}" in shown
    assert f"port         {broker.port}" not in shown  # the back-end's listener stays private
