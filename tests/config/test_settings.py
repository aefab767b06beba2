import os
import subprocess
import sys

import pytest

from config.env import ConfigError, env_bool, env_int, env_url
from tests.processes import ROOT


def _start(argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.main", **env}
    return subprocess.run(
        [sys.executable, *argv],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"MQTT_BROKER_PORT": "abc"}, "MQTT_BROKER_PORT: expected an integer, got 'abc'"),
        ({"MQTT_BROKER_PORT": "70000"}, "MQTT_BROKER_PORT: 70000 is outside 1..65535"),
        ({"DATABASE_URL": "mysql://x@db/app"}, "DATABASE_URL: expected a URL like postgis://"),
        ({"REDIS_URL": "redis://host:port/0"}, "REDIS_URL: malformed URL"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG: expected true or false, got 'maybe'"),
        (
            {"APP_ENV": "production", "DJANGO_SECRET_KEY": ""},
            "DJANGO_SECRET_KEY is required but not set",
        ),
        (
            {"APP_ENV": "production", "DJANGO_SECRET_KEY": "x" * 40, "DJANGO_ALLOWED_HOSTS": ""},
            "DJANGO_ALLOWED_HOSTS is required but not set",
        ),
    ],
)
def test_bad_configuration_stops_start_up_with_one_line(env: dict[str, str], variable: str) -> None:
    result = _start(["manage.py", "check"], **env)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        line for line in result.stderr.strip().splitlines() if line.startswith("configuration")
    ]
    assert result.stderr.count("\n") == 1
    assert variable in result.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["-m", "celery", "-A", "config", "worker", "--pool", "solo"],
        ["-m", "celery", "-A", "config", "beat"],
        ["manage.py", "track_vehicles"],
        ["-m", "gunicorn", "config.wsgi:application", "--preload", "--bind", "127.0.0.1:0"],
    ],
    ids=["worker", "beat", "tracker", "web"],
)
def test_every_process_refuses_to_start_on_bad_configuration(argv: list[str]) -> None:
    result = _start(argv, MQTT_BROKER_PORT="abc")
    assert result.returncode != 0
    assert "configuration error: MQTT_BROKER_PORT: expected an integer, got 'abc'" in result.stderr


def test_typed_readers_accept_good_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_PORT", " 8883 ")
    monkeypatch.setenv("X_FLAG", "Yes")
    monkeypatch.setenv("X_URL", "redis://cache:6380/2")
    assert env_int("X_PORT", 1, minimum=1, maximum=65535) == 8883
    assert env_bool("X_FLAG", False) is True
    assert env_url("X_URL", schemes=("redis",)).port == 6380
    assert env_int("X_UNSET", 7) == 7


def test_an_empty_variable_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_EMPTY", "  ")
    with pytest.raises(ConfigError, match="X_EMPTY is required but not set"):
        env_int("X_EMPTY")
