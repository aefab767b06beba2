import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import ROOT


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_ruff_check_is_clean() -> None:
    result = _ruff("check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout


def test_ruff_format_is_clean() -> None:
    result = _ruff("format", "--check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout


APPS = (
    "config",
    "gis",
    "fleet",
    "dispatch",
    "desk",
    "telephony",
    "field_app_api",
    "maps",
    "alerts",
    "reports",
    "demo",
)


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_apps_keep_their_layers() -> None:
    # pyproject.toml's [tool.importlinter]: no import runs up a layer or across the top one,
    # and the settings import no app.
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward", "verdict"),
    [
        ("fleet/moves.py", "dispatch.models", "fleet is not allowed to import dispatch"),
        ("gis/trace.py", "fleet.roads", "gis is not allowed to import fleet"),
        ("maps/feed.py", "alerts.tasks", "maps is not allowed to import alerts"),
        ("dispatch/words.py", "demo.people", "dispatch is not allowed to import demo"),
        ("config/settings/base.py", "fleet.tracker", "config.settings is not allowed to import"),
    ],
)
def test_an_import_against_the_layers_is_refused(
    tmp_path: Path, module: str, upward: str, verdict: str
) -> None:
    """The contract can fail: the same tree with one import against it is refused, by name."""
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("static"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / module
    target.write_text(target.read_text() + f"\nimport {upward}  # noqa\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert verdict in result.stdout, result.stdout
    assert f"{module[:-3].replace('/', '.')} -> {upward}" in result.stdout, result.stdout


def test_migrations_match_the_models() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_openapi_schema_documents_every_endpoint_without_warnings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "schema.yaml"
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(target),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    schema = target.read_text()
    for path in (
        "/api/calls/",
        "/api/incidents/{incident_id}/dispatch/",
        "/api/work-orders/{work_order_id}/transition/",
        "/api/gis/geocode/",
    ):
        assert f"  {path}:" in schema, path
