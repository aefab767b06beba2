import pwd
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from config.mqtt_passwords import service_mqtt_password
from fleet.credentials import (
    CONF,
    SERVICE_USERNAME,
    DeviceAccount,
    Listener,
    crew_assignments_topic,
    device_mqtt_password,
    mosquitto_files_write,
    mqtt_device_username_valid,
)
from fleet.device_keys import http_device_identifier
from fleet.models import Vehicle

LOCAL_ONLY = {"127.0.0.1", "localhost", "::1"}
EVERY_INTERFACE = {"", "0.0.0.0", "::"}  # noqa: S104 - recognised, not bound


class Command(BaseCommand):
    help = (
        "Write Mosquitto's password files, ACLs and mosquitto.conf into --dir: a listener for "
        "the back-end's service account (MQTT_USERNAME) and one for every vehicle; or, with "
        "--show, print one device's logins for provisioning OwnTracks (MQTT) or OsmAnd and "
        "Traccar Client (HTTP) on a tablet. A running broker picks up new logins on SIGHUP."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dir", default="var/mosquitto", help="where the files go")
        parser.add_argument(
            "--host",
            help="address of the back-end's listener (0.0.0.0: every one); default: as "
            "already written in --dir, else MQTT_BROKER_HOST",
        )
        parser.add_argument(
            "--port",
            type=int,
            help="port of the back-end's listener; default: as already written in --dir, "
            "else MQTT_BROKER_PORT",
        )
        parser.add_argument(
            "--device-host",
            help="address of the devices' listener; default: as already written in --dir, "
            "else MQTT_DEVICE_HOST",
        )
        parser.add_argument(
            "--device-port",
            type=int,
            help="port of the devices' listener; default: as already written in --dir, else "
            "MQTT_DEVICE_PORT",
        )
        parser.add_argument(
            "--user",
            help="system user a broker started as root runs as (default: the owner of --dir)",
        )
        parser.add_argument(
            "--show",
            metavar="DEVICE_ID",
            help="print this device's host, port, user name, password and topics; write nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["dir"])
        if options["show"]:
            self._show(options["show"], directory)
            return
        username, password = settings.MQTT_USERNAME, settings.MQTT_PASSWORD
        if not username:  # run by hand beside `make run`, which names it so
            username = SERVICE_USERNAME
            password = service_mqtt_password(username=username, secret_key=settings.SECRET_KEY)
        devices, skipped = _devices()
        # Run again by hand to let new vans in, it keeps the listeners the broker already has.
        written_backend, written_devices = _listeners(directory / CONF)
        backend = Listener(
            written_backend.host if options["host"] is None else options["host"],
            written_backend.port if options["port"] is None else options["port"],
        )
        device_listener = Listener(
            written_devices.host if options["device_host"] is None else options["device_host"],
            written_devices.port if options["device_port"] is None else options["device_port"],
        )
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            mosquitto_files_write(
                directory=directory,
                service=(username, password),
                devices=devices,
                backend=backend,
                device_listener=device_listener,
                run_as=options["user"] or _owner(directory),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if skipped:
            self.stderr.write(
                f"mqtt_credentials: no MQTT login for {len(skipped)} vehicle(s) whose device id "
                "is not letters, digits, '.', '_' or '-', or is one the back-end uses as a "
                f"client id (gasdispatch-...): {', '.join(map(repr, skipped))}"
            )
        self.stdout.write(
            f"mqtt_credentials: wrote the broker's files in {directory} for {len(devices)} "
            f"devices (listener {device_listener.host or '*'}:{device_listener.port}) and the "
            f"service account {username} (listener {backend.host or '*'}:{backend.port}); a "
            "running broker reloads logins on SIGHUP"
        )

    def _show(self, device_id: str, directory: Path) -> None:
        vehicle = Vehicle.objects.select_related("crew").filter(device_id=device_id).first()
        if vehicle is None:
            raise CommandError(f"no vehicle with device id {device_id!r}")
        if not mqtt_device_username_valid(device_id):
            raise CommandError(f"{device_id!r} cannot be an MQTT user name (see mqtt_credentials)")
        listener = _listeners(directory / CONF)[1]
        host = listener.host
        if host in LOCAL_ONLY:
            host += "  (this machine only: for a tablet, set MQTT_DEVICE_HOST to its LAN address)"
        elif host in EVERY_INTERFACE:
            host = "this server's address (the broker listens on every interface)"
        prefix = settings.MQTT_TOPIC_PREFIX
        crew = vehicle.crew
        assignments = (
            f"{crew_assignments_topic(crew.pk)}  (retained, QoS 1; crew {crew.name})"
            if crew
            else "none: the vehicle has no crew"
        )
        server_url = settings.SITE_URL.rstrip("/") + reverse("field-osmand")
        self.stdout.write(
            f"OwnTracks on {device_id}: Preferences > Connection, mode MQTT\n"
            f"  host         {host}\n"
            f"  port         {listener.port}  (TLS off)\n"
            f"  username     {device_id}\n"
            f"  password     {device_mqtt_password(device_id)}\n"
            f"  device id    any, e.g. tablet\n"
            f"  publishes    {prefix}owntracks/{device_id}/<device id>  (the app's default "
            f"topic owntracks/%u/%d{'' if not prefix else f'; set the prefix {prefix}'})\n"
            f"  assignments  {assignments}\n"
            f"\n"
            f"OsmAnd or Traccar Client on {device_id} (HTTP): the identifier is the login, "
            f"keep it private\n"
            f"  server URL   {server_url}\n"
            f"  identifier   {http_device_identifier(device_id)}"
        )


def _devices() -> tuple[list[DeviceAccount], list[str]]:
    """Every vehicle's account, and the device ids that cannot be an MQTT user name."""
    devices, skipped = [], []
    for device_id, crew_id in Vehicle.objects.order_by("device_id").values_list(
        "device_id", "crew_id"
    ):
        if mqtt_device_username_valid(device_id):
            devices.append(DeviceAccount(device_id, crew_id))
        else:
            skipped.append(device_id)
    return devices, skipped


def _owner(directory: Path) -> str | None:
    try:
        return pwd.getpwuid(directory.stat().st_uid).pw_name
    except KeyError:  # a uid with no name here (another container's user)
        return None


def _listeners(conf: Path) -> tuple[Listener, Listener]:
    """The back-end's and the devices' listeners of the broker configured in --dir (in the
    order mosquitto_conf writes them); the settings for what is not written there."""
    backend = Listener(settings.MQTT_BROKER_HOST, settings.MQTT_BROKER_PORT)
    devices = Listener(settings.MQTT_DEVICE_HOST, settings.MQTT_DEVICE_PORT)
    if conf.exists():
        found = [
            Listener(host or "", int(port))
            for port, host in re.findall(r"^listener (\d+)(?: (\S+))?$", conf.read_text(), re.M)
        ]
        backend = found[0] if found else backend
        devices = found[1] if len(found) > 1 else devices
    return backend, devices
