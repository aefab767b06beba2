"""MQTT accounts: one user per device, derived passwords, and Mosquitto's passwd, acl and conf.

The broker has two listeners (`per_listener_settings true`), each with its own password file and
ACL. The devices' listener (the one tablets are told about) knows only the devices, and
`use_username_as_clientid` makes a device's client id its user name: a tablet cannot claim the
tracker's id (`gasdispatch-tracker`) and take over its persistent session, nor another tablet's.
The back-end's listener (127.0.0.1 under `make run`, the internal network in compose) knows only
the service account. Client ids are one namespace across listeners, so a device id that the
back-end uses as a client id (RESERVED_CLIENT_ID_PREFIXES) gets no login.

A device's user name is its `Vehicle.device_id`. Passwords are derived, never stored:
HMAC-SHA256 keyed with DJANGO_SECRET_KEY over a purpose, MQTT_DEVICE_PASSWORD_SALT and the user
name. So a tablet can be provisioned again at any time (`manage.py mqtt_credentials --show`), and
a new salt (or secret key) changes every device password at once.

The password file is in Mosquitto 2.0's own format, the one `mosquitto_passwd` writes:
`user:$7$<iterations>$<base64 salt>$<base64 PBKDF2-HMAC-SHA512>`. Hashing here means no plaintext
password file ever touches the disk and the app image needs no Mosquitto tools
(tests/fleet/test_credentials.py checks the hash against Debian's `mosquitto_passwd`).

Every file is written beside its target and renamed over it, so a broker re-reading it never
sees half a file. Mosquitto re-reads password_file and acl_file on SIGHUP (new devices, a new
salt); a changed listener needs a restart.

The passwords themselves are derived in config.mqtt_passwords (the settings need the
back-end's).
"""

import base64
import hashlib
import os
import re
import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from config.mqtt_passwords import mqtt_password_derive

PASSWD, ACL, CONF = "passwd", "acl", "mosquitto.conf"  # the devices' listener, the broker
SERVICE_PASSWD, SERVICE_ACL = "service-passwd", "service-acl"  # the back-end's listener
SERVICE_USERNAME = "gasdispatch-service"  # the back-end's account under `make run`
# mosquitto_passwd's default. Derived passwords carry 120 random bits, so the work factor is
# not what protects them; a low one keeps a reconnect storm of every tablet cheap.
PBKDF2_ITERATIONS = 101
# The name lands in the password file (':' ends it), the ACL (one rule a line) and topics ('+',
# '#' and '/' would widen a device's rights): allow only what is safe in all three.
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# Client ids the back-end connects with (tracker, one-shot publishers, /healthz probes, the
# simulator, benchmarks). A device's client id is its user name, so a device named like one of
# these could still knock a back-end client off: such device ids get no login.
RESERVED_CLIENT_ID_PREFIXES = ("gasdispatch-", "publish-", "healthz-", "simulate-fleet-", "bench-")


@dataclass(frozen=True)
class DeviceAccount:
    device_id: str
    crew_id: int | None


def device_mqtt_password(device_id: str) -> str:
    return mqtt_password_derive(
        secret_key=settings.SECRET_KEY,
        purpose="device",
        salt=settings.MQTT_DEVICE_PASSWORD_SALT,
        name=device_id,
    )


def mqtt_username_valid(name: str) -> bool:
    return USERNAME.fullmatch(name) is not None


def mqtt_device_username_valid(name: str) -> bool:
    """Usable as a device's user name, and so as its client id: safe in the broker's files and
    never one of the back-end's client ids (compared without case, to be safe)."""
    folded = name.lower()
    return (
        mqtt_username_valid(name)
        and not folded.startswith(RESERVED_CLIENT_ID_PREFIXES)
        and folded != settings.MQTT_TRACKER_CLIENT_ID.lower()
    )


def device_publish_topic(device_id: str) -> str:
    return f"{settings.MQTT_TOPIC_PREFIX}owntracks/{device_id}/#"


def crew_assignments_topic(crew_id: int) -> str:
    return f"{settings.MQTT_TOPIC_PREFIX}crews/{crew_id}/assignments"


def mosquitto_password_hash(
    password: str, *, salt: bytes | None = None, iterations: int = PBKDF2_ITERATIONS
) -> str:
    salt = salt if salt is not None else secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    encode = base64.b64encode
    return f"$7${iterations}${encode(salt).decode()}${encode(digest).decode()}"


def mosquitto_passwd(*, accounts: Sequence[tuple[str, str]]) -> str:
    """A password file for (user name, password) pairs."""
    return "".join(f"{name}:{mosquitto_password_hash(password)}\n" for name, password in accounts)


def device_accounts(devices: Sequence[DeviceAccount]) -> list[tuple[str, str]]:
    return [(d.device_id, device_mqtt_password(d.device_id)) for d in devices]


def mosquitto_service_acl(*, service_username: str) -> str:
    prefix = settings.MQTT_TOPIC_PREFIX
    return f"""\
# Written by `manage.py mqtt_credentials`; Mosquitto re-reads it on SIGHUP.
# The back-end (tracker, web, worker, simulator): every position in, assignments out.
user {service_username}
topic readwrite {prefix}owntracks/#
topic readwrite {prefix}crews/#
"""


def mosquitto_acl(*, devices: Sequence[DeviceAccount]) -> str:
    lines = [
        "# Written by `manage.py mqtt_credentials`; Mosquitto re-reads it on SIGHUP.",
        "# Each device: its own OwnTracks topics (read too, for commands sent to it) and its own",
        "# crew's assignments. Anything else it publishes is dropped, anything else it",
        "# subscribes to never arrives.",
    ]
    for device in devices:
        lines += ["", f"user {device.device_id}"]
        lines.append(f"topic readwrite {device_publish_topic(device.device_id)}")
        if device.crew_id is not None:
            lines.append(f"topic read {crew_assignments_topic(device.crew_id)}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Listener:
    host: str  # empty: every interface
    port: int

    def __str__(self) -> str:
        return f"{self.port} {self.host}" if self.host else str(self.port)


def mosquitto_conf(
    *, directory: Path, backend: Listener, devices: Listener, run_as: str | None
) -> str:
    # Started as root, Mosquitto drops to `user` before it reads the password file: that user
    # must own the directory (mosquitto_files_write hands the files to the directory's owner).
    user = f"user {run_as}\n" if run_as else ""
    return f"""\
# Written by `manage.py mqtt_credentials`: edits are lost when it runs again.
# SIGHUP re-reads the password and ACL files; a changed listener needs a restart.
# Each listener has its own logins and ACL: devices never meet the back-end's account.
per_listener_settings true
{user}
# QoS 1 sessions of the tracker and of tablets survive a broker restart. Saved every second,
# not every 30: a broker killed with -9 loses only what it took in since the last save, and
# nothing it had already passed on to a connected tracker. Measured on Mosquitto 2.0.11: an
# idle small database costs nothing; a 50,000-message backlog (11 MB) 17 ms of CPU a save.
persistence true
persistence_location {directory}/
autosave_interval 1
# A tablet silent for a day loses its session and the backlog queued for it.
persistent_client_expiration 1d
# Backlog per disconnected persistent session (a tablet in a basement, a restarting tracker).
max_queued_messages 100000
# Unacknowledged QoS 1 messages in flight to one client: enough that the tracker's stream
# never waits on acknowledgements, bounded so a stalled tablet holds little.
max_inflight_messages 100

# stderr, not stdout: Mosquitto 2.0.11 block-buffers stdout into a pipe (honcho, docker logs),
# so a refused tablet would show up only when the broker exits.
log_dest stderr
log_timestamp_format %Y-%m-%dT%H:%M:%S
log_type error
log_type warning
log_type notice

# The back-end's listener (tracker, web, worker, simulator): the service account only.
listener {backend}
allow_anonymous false
password_file {directory / SERVICE_PASSWD}
acl_file {directory / SERVICE_ACL}

# The devices' listener (what `mqtt_credentials --show` tells a tablet): a login per device,
# and the client id is the user name, whatever the device asks for.
listener {devices}
allow_anonymous false
use_username_as_clientid true
password_file {directory / PASSWD}
acl_file {directory / ACL}
"""


def mosquitto_files_write(
    *,
    directory: Path,
    service: tuple[str, str],
    devices: Sequence[DeviceAccount],
    backend: Listener,
    device_listener: Listener,
    run_as: str | None,
) -> None:
    """Write both listeners' password and ACL files and mosquitto.conf into `directory`, each
    replaced atomically."""
    if not mqtt_username_valid(service[0]):
        raise ValueError(f"not usable as an MQTT user name: {service[0]!r}")
    bad = [d.device_id for d in devices if not mqtt_device_username_valid(d.device_id)]
    if bad:
        raise ValueError(f"not usable as device MQTT user names: {', '.join(map(repr, bad))}")
    if service[0] in {d.device_id for d in devices}:
        raise ValueError(f"the service account {service[0]!r} is also a device id")
    if backend.port == device_listener.port:
        raise ValueError(f"the back-end's and the devices' listeners share port {backend.port}")
    directory = directory.resolve()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Password files first: a broker reloaded between the renames already refuses a removed
    # device, and lets a new one in with no rights until its ACL lands.
    _write_atomically(directory / SERVICE_PASSWD, mosquitto_passwd(accounts=[service]))
    _write_atomically(directory / PASSWD, mosquitto_passwd(accounts=device_accounts(devices)))
    _write_atomically(directory / SERVICE_ACL, mosquitto_service_acl(service_username=service[0]))
    _write_atomically(directory / ACL, mosquitto_acl(devices=devices))
    _write_atomically(
        directory / CONF,
        mosquitto_conf(
            directory=directory, backend=backend, devices=device_listener, run_as=run_as
        ),
    )


def _write_atomically(path: Path, text: str) -> None:
    # mkstemp creates the file 0600: no one else can read it at any moment.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        if os.geteuid() == 0:
            # Root writing for a broker that runs as the directory's owner (compose's mosquitto
            # user): a root-owned 0600 file would be unreadable at the next SIGHUP.
            owner = path.parent.stat()
            os.chown(temporary, owner.st_uid, owner.st_gid)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
