"""`manage.py check --deploy` with production settings: nothing left unexplained."""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Variables that would change what production means for this check.
OURS = ("DJANGO_", "APP_ENV", "SECURE_", "TRUSTED_PROXY_COUNT")


def _production(*command: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env.update(
        APP_ENV="production",
        DJANGO_SETTINGS_MODULE="config.settings.main",
        DJANGO_SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(50)),
        DJANGO_ALLOWED_HOSTS="dispatch.example.org",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _check_deploy(**extra: str) -> subprocess.CompletedProcess[str]:
    return _production("check", "--deploy", "--fail-level", "WARNING", **extra)


def test_production_settings_pass_the_deploy_check_without_warnings() -> None:
    result = _check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout


def test_a_site_without_tls_yet_can_say_so_and_the_check_names_what_it_lacks() -> None:
    result = _check_deploy(DJANGO_HTTPS="false")
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stdout + result.stderr, warning


def test_production_leaves_the_demo_out_unless_asked() -> None:
    """No demo command (nor any demo code through them) in production; DEMO=true brings it."""
    production = _production("help", "--commands")
    assert production.returncode == 0, production.stderr
    assert "import_network" in production.stdout.split()
    for command in ("make_demo_city", "load_demo", "make_demo_crews", "simulate_fleet"):
        assert command not in production.stdout.split(), command
    asked = _production("help", "--commands", DEMO="true")
    assert "make_demo_city" in asked.stdout.split()
