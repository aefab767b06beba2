"""docker-compose.yml cannot run here (no Docker engine); check it names only real things."""

import re
import shlex
import subprocess
from importlib import import_module
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ["migrate", "mqtt-credentials", "web", "worker", "beat", "tracker"]


def _command(service: str) -> list[str]:
    command = SERVICES[service]["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def test_compose_has_every_part_of_the_system() -> None:
    assert set(SERVICES) >= {"postgis", "redis", "mosquitto", *APP_SERVICES}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_every_app_service_runs_something_that_exists(service: str) -> None:
    argv = _command(service)
    if argv[0] == "gunicorn":
        module, attr = next(a for a in argv[1:] if ":" in a).split(":")
        assert callable(getattr(import_module(module), attr))
    elif argv[0] == "celery":
        assert argv[1:3] == ["-A", "config"]
        assert hasattr(import_module("config"), "celery_app")
        assert argv[3] in {"worker", "beat"}
    elif argv[:2] == ["python", "manage.py"]:
        assert argv[2] in get_commands(), f"{service}: no management command {argv[2]}"
    else:
        pytest.fail(f"{service}: unexpected command {argv}")
    assert SERVICES[service]["build"]["dockerfile"] == "Dockerfile"


def test_app_services_wait_for_and_reach_the_backing_services() -> None:
    for service in APP_SERVICES:
        spec = SERVICES[service]
        needs = {"postgis", "redis", "mosquitto", "migrate"}
        if service == "migrate":
            needs = {"postgis"}
        if service == "mqtt-credentials":  # the broker waits for it, not the other way round
            needs = {"postgis", "migrate"}
        assert set(spec["depends_on"]) >= needs, service
        env = spec["environment"]
        assert "@postgis:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379/")
        assert env["MQTT_BROKER_HOST"] == "mosquitto"


def test_the_broker_runs_the_files_mqtt_credentials_writes_for_it() -> None:
    argv = _command("mqtt-credentials")
    directory = argv[argv.index("--dir") + 1]
    broker = SERVICES["mosquitto"]
    assert broker["depends_on"]["mqtt-credentials"]["condition"] == (
        "service_completed_successfully"
    )
    assert _command("mosquitto") == ["mosquitto", "-c", f"{directory}/mosquitto.conf"]
    volume = next(v for v in broker["volumes"] if v.endswith(f":{directory}"))
    assert volume in SERVICES["mqtt-credentials"]["volumes"]
    assert argv[argv.index("--port") + 1] == SERVICES["web"]["environment"]["MQTT_BROKER_PORT"]


def test_mounted_files_exist_in_the_repository() -> None:
    for name, spec in SERVICES.items():
        for volume in spec.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"


def test_dockerfile_copies_only_what_exists() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for line in re.findall(r"^COPY (?!--from)(.+)$", dockerfile, re.M):
        for source in line.split()[:-1]:
            assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"


def test_every_variable_compose_sets_is_documented_in_env_example() -> None:
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    for service in APP_SERVICES:
        assert set(SERVICES[service]["environment"]) <= documented, service


def test_only_the_devices_listener_is_published_and_the_back_end_uses_its_own() -> None:
    """Tablets reach the broker's devices' listener; the back-end's listener, where the
    tracker's session lives, stays on the compose network."""
    argv = _command("mqtt-credentials")
    backend_port = argv[argv.index("--port") + 1]
    device_port = argv[argv.index("--device-port") + 1]
    assert backend_port != device_port
    published = {p.split(":")[-1] for p in SERVICES["mosquitto"].get("ports", [])}
    assert published == {device_port}
    for service in APP_SERVICES:
        env = SERVICES[service]["environment"]
        assert env["MQTT_BROKER_PORT"] == backend_port, service
        assert env["MQTT_DEVICE_PORT"] == device_port, service


def test_every_procfile_process_runs_under_respawn() -> None:
    lines = (ROOT / "Procfile").read_text().splitlines()
    commands = dict(line.split(": ", 1) for line in lines if line and not line.startswith("#"))
    assert set(commands) == {"mqtt", "web", "worker", "beat", "tracker", "fleet"}
    for name, command in commands.items():
        assert command.startswith("scripts/respawn.sh "), name


def test_manage_sh_runs_commands_without_an_activated_virtualenv(tmp_path: Path) -> None:
    """`.venv/bin/honcho run python manage.py ...` found the system's python (no Django);
    scripts/manage.sh uses the virtualenv's, from any directory, with .env read."""
    done = subprocess.run(
        [str(ROOT / "scripts/manage.sh"), "mqtt_credentials", "--help"],
        cwd=tmp_path,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "--device-port" in done.stdout
