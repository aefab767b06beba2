import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from tests.maps.conftest import demo_city  # noqa: F401 - the page walk's city

LOCALE = Path(settings.BASE_DIR) / "locale"


def catalogues() -> list[Path]:
    """Every committed catalogue: one per language and domain (django, djangojs)."""
    return sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))


@pytest.fixture(scope="session")
def compiled_locale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed catalogues compiled once, apart from the work tree: the .mo files are build
    products (compilemessages in the bootstrap and the image), and a test must not read a stale
    one left by an earlier run."""
    out = tmp_path_factory.mktemp("locale")
    for po in catalogues():
        mo = out / po.relative_to(LOCALE).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True)
    return out


@pytest.fixture
def translated(compiled_locale: Path) -> Iterator[None]:
    """The project's catalogues in use (changing LOCALE_PATHS drops Django's cached ones)."""
    with override_settings(LOCALE_PATHS=[compiled_locale]):
        yield
