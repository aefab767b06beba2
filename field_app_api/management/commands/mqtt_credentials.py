import pwd
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dispatch.models import Vehicle
from field_app_api.credentials import (
    CONF,
    SERVICE_USERNAME,
    DeviceAccount,
    crew_assignments_topic,
    device_mqtt_password,
    mosquitto_files_write,
    mqtt_username_valid,
    service_mqtt_password,
)

LOCAL_ONLY = {"127.0.0.1", "localhost", "::1"}
EVERY_INTERFACE = {"", "0.0.0.0", "::"}  # noqa: S104 - recognised, not bound


class Command(BaseCommand):
    help = (
        "Write Mosquitto's passwd, acl and mosquitto.conf for every vehicle and the service "
        "account (MQTT_USERNAME) into --dir; or, with --show, print one device's login for "
        "provisioning OwnTracks on a tablet. A running broker picks up new files on SIGHUP."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dir", default="var/mosquitto", help="where the files go")
        parser.add_argument(
            "--host",
            help="address the broker listens on (0.0.0.0: every one); default: as already "
            "written in --dir, else MQTT_BROKER_HOST",
        )
        parser.add_argument(
            "--port",
            type=int,
            help="port the broker listens on; default: as already written in --dir, else "
            "MQTT_BROKER_PORT",
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
        # Run again by hand to let new vans in, it keeps the listener the broker already has.
        host, port = _listener(directory / CONF)
        host = host if options["host"] is None else options["host"]
        port = port if options["port"] is None else options["port"]
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            mosquitto_files_write(
                directory=directory,
                service=(username, password),
                devices=devices,
                host=host,
                port=port,
                run_as=options["user"] or _owner(directory),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if skipped:
            self.stderr.write(
                f"mqtt_credentials: no MQTT login for {len(skipped)} vehicle(s) whose device id "
                f"is not letters, digits, '.', '_' or '-': {', '.join(map(repr, skipped))}"
            )
        self.stdout.write(
            f"mqtt_credentials: wrote passwd, acl and {CONF} in {directory} for {len(devices)} "
            f"devices and the service account {username} (listener {host or '*'}:{port}); a "
            "running broker reloads on SIGHUP"
        )

    def _show(self, device_id: str, directory: Path) -> None:
        vehicle = Vehicle.objects.select_related("crew").filter(device_id=device_id).first()
        if vehicle is None:
            raise CommandError(f"no vehicle with device id {device_id!r}")
        if not mqtt_username_valid(device_id):
            raise CommandError(f"{device_id!r} cannot be an MQTT user name (see mqtt_credentials)")
        host, port = _listener(directory / CONF)
        if host in LOCAL_ONLY:
            host += "  (this machine only: for a tablet, set MQTT_BROKER_HOST to its LAN address)"
        elif host in EVERY_INTERFACE:
            host = "this server's address (the broker listens on every interface)"
        prefix = settings.MQTT_TOPIC_PREFIX
        crew = vehicle.crew
        assignments = (
            f"{crew_assignments_topic(crew.pk)}  (retained, QoS 1; crew {crew.name})"
            if crew
            else "none: the vehicle has no crew"
        )
        self.stdout.write(
            f"OwnTracks on {device_id}: Preferences > Connection, mode MQTT\n"
            f"  host         {host}\n"
            f"  port         {port}  (TLS off)\n"
            f"  username     {device_id}\n"
            f"  password     {device_mqtt_password(device_id)}\n"
            f"  device id    any, e.g. tablet\n"
            f"  publishes    {prefix}owntracks/{device_id}/<device id>  (the app's default "
            f"topic owntracks/%u/%d{'' if not prefix else f'; set the prefix {prefix}'})\n"
            f"  assignments  {assignments}"
        )


def _devices() -> tuple[list[DeviceAccount], list[str]]:
    """Every vehicle's account, and the device ids that cannot be an MQTT user name."""
    devices, skipped = [], []
    for device_id, crew_id in Vehicle.objects.order_by("device_id").values_list(
        "device_id", "crew_id"
    ):
        if mqtt_username_valid(device_id):
            devices.append(DeviceAccount(device_id, crew_id))
        else:
            skipped.append(device_id)
    return devices, skipped


def _owner(directory: Path) -> str | None:
    try:
        return pwd.getpwuid(directory.stat().st_uid).pw_name
    except KeyError:  # a uid with no name here (another container's user)
        return None


def _listener(conf: Path) -> tuple[str, int]:
    """Where the broker configured in --dir listens; the settings when nothing is written."""
    if conf.exists():
        found = re.search(r"^listener (\d+)(?: (\S+))?$", conf.read_text(), re.M)
        if found:
            return found[2] or "", int(found[1])
    return settings.MQTT_BROKER_HOST, settings.MQTT_BROKER_PORT
