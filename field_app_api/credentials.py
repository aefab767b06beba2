"""MQTT accounts: one user per device, derived passwords, and Mosquitto's passwd, acl and conf.

A device's user name is its `Vehicle.device_id`. Passwords are derived, never stored:
HMAC-SHA256 keyed with DJANGO_SECRET_KEY over a purpose, MQTT_DEVICE_PASSWORD_SALT and the user
name. So a tablet can be provisioned again at any time (`manage.py mqtt_credentials --show`), and
a new salt (or secret key) changes every device password at once.

The password file is in Mosquitto 2.0's own format, the one `mosquitto_passwd` writes:
`user:$7$<iterations>$<base64 salt>$<base64 PBKDF2-HMAC-SHA512>`. Hashing here means no plaintext
password file ever touches the disk and the app image needs no Mosquitto tools
(tests/field_app_api/test_credentials.py checks the hash against Debian's `mosquitto_passwd`).

Every file is written beside its target and renamed over it, so a broker re-reading it never
sees half a file. Mosquitto re-reads password_file and acl_file on SIGHUP (new devices, a new
salt); a changed listener needs a restart.

This module is imported by config/settings/mqtt.py: no models at import time.
"""

import base64
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

PASSWD, ACL, CONF = "passwd", "acl", "mosquitto.conf"
SERVICE_USERNAME = "gasdispatch-service"  # the back-end's account under `make run`
# mosquitto_passwd's default. Derived passwords carry 120 random bits, so the work factor is
# not what protects them; a low one keeps a reconnect storm of every tablet cheap.
PBKDF2_ITERATIONS = 101
# The name lands in the password file (':' ends it), the ACL (one rule a line) and topics ('+',
# '#' and '/' would widen a device's rights): allow only what is safe in all three.
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class DeviceAccount:
    device_id: str
    crew_id: int | None


def mqtt_password_derive(*, secret_key: str, purpose: str, salt: str, name: str) -> str:
    """24 lowercase base32 characters (120 bits): easy to type into a tablet."""
    message = "\0".join(("gasdispatch.mqtt", purpose, salt, name)).encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.b32encode(digest[:15]).decode().lower()


def device_mqtt_password(device_id: str) -> str:
    return mqtt_password_derive(
        secret_key=settings.SECRET_KEY,
        purpose="device",
        salt=settings.MQTT_DEVICE_PASSWORD_SALT,
        name=device_id,
    )


def service_mqtt_password(*, username: str, secret_key: str) -> str:
    """The back-end's password when MQTT_PASSWORD is not set (settings take it from here)."""
    return mqtt_password_derive(secret_key=secret_key, purpose="service", salt="", name=username)


def mqtt_username_valid(name: str) -> bool:
    return USERNAME.fullmatch(name) is not None


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


def mosquitto_passwd(*, service: tuple[str, str], devices: Sequence[DeviceAccount]) -> str:
    lines = [f"{service[0]}:{mosquitto_password_hash(service[1])}"]
    lines += [
        f"{d.device_id}:{mosquitto_password_hash(device_mqtt_password(d.device_id))}"
        for d in devices
    ]
    return "\n".join(lines) + "\n"


def mosquitto_acl(*, service_username: str, devices: Sequence[DeviceAccount]) -> str:
    prefix = settings.MQTT_TOPIC_PREFIX
    lines = [
        "# Written by `manage.py mqtt_credentials`; Mosquitto re-reads it on SIGHUP.",
        "# The back-end (tracker, web, worker, simulator): every position in, assignments out.",
        f"user {service_username}",
        f"topic readwrite {prefix}owntracks/#",
        f"topic readwrite {prefix}crews/#",
        "",
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


def mosquitto_conf(*, directory: Path, host: str, port: int, run_as: str | None) -> str:
    where = f"{port} {host}" if host else str(port)
    # Started as root, Mosquitto drops to `user` before it reads the password file: that user
    # must own the directory (mosquitto_files_write hands the files to the directory's owner).
    user = f"user {run_as}\n" if run_as else ""
    return f"""\
# Written by `manage.py mqtt_credentials`: edits are lost when it runs again.
# SIGHUP re-reads password_file and acl_file; a changed listener needs a restart.
listener {where}
allow_anonymous false
password_file {directory / PASSWD}
acl_file {directory / ACL}
{user}
# QoS 1 sessions of the tracker and of tablets survive a broker restart.
persistence true
persistence_location {directory}/
autosave_interval 30
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
"""


def mosquitto_files_write(
    *,
    directory: Path,
    service: tuple[str, str],
    devices: Sequence[DeviceAccount],
    host: str,
    port: int,
    run_as: str | None,
) -> None:
    """Write passwd, acl and mosquitto.conf into `directory`, each replaced atomically."""
    names = [service[0], *(d.device_id for d in devices)]
    bad = [n for n in names if not mqtt_username_valid(n)]
    if bad:
        raise ValueError(f"not usable as MQTT user names: {', '.join(map(repr, bad))}")
    if len(set(names)) != len(names):
        raise ValueError(f"the service account {service[0]!r} is also a device id")
    directory = directory.resolve()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    # passwd first: a broker reloaded between the renames already refuses a removed device,
    # and lets a new one in with no rights until its ACL lands.
    _write_atomically(directory / PASSWD, mosquitto_passwd(service=service, devices=devices))
    _write_atomically(directory / ACL, mosquitto_acl(service_username=service[0], devices=devices))
    _write_atomically(
        directory / CONF,
        mosquitto_conf(directory=directory, host=host, port=port, run_as=run_as),
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
