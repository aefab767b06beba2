"""The catalogues are complete and in step with the code: a string newly marked for translation
without its Chinese, or a fuzzy guess left by msgmerge, fails here."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.i18n.conftest import LOCALE, catalogues

# The translator's commands (README, "Translations"): the same flags here and there.
MAKEMESSAGES_FLAGS = [
    "--add-location=file",
    "--no-obsolete",
    *(f"--ignore={d}" for d in (".venv", "var", "staticfiles", "tests", "bench", "static/vendor")),
]
LANGUAGES = [
    d.name for d in sorted(LOCALE.iterdir()) if (d / "LC_MESSAGES").is_dir()
]  # zh_Hans, and any language added since
NOT_SOURCE = shutil.ignore_patterns(
    ".*", "var", "staticfiles", "media", "node_modules", "__pycache__", "tests", "bench", "*.mo"
)


def _statistics(po: Path) -> str:
    """msgfmt's count ("574 translated messages."), after its format checks passed."""
    run = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    return run.stderr.strip().splitlines()[-1]


def _incomplete(po: Path) -> str | None:
    counts = _statistics(po)
    if re.search(r"untranslated|fuzzy", counts) or not re.match(r"\d+ translated", counts):
        return f"{po}: {counts}"
    return None


def test_there_is_a_chinese_catalogue() -> None:
    assert "zh_Hans" in LANGUAGES
    assert (LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po") in catalogues()


def test_every_message_is_translated_and_none_fuzzy() -> None:
    problems = [p for p in map(_incomplete, catalogues()) if p]
    assert not problems, "\n".join(problems)


def test_the_catalogues_hold_every_string_the_code_marks(tmp_path: Path) -> None:
    """makemessages over a copy of the sources: a string the committed catalogue lacks arrives
    untranslated (or as a fuzzy guess), and a new domain arrives as a new file."""
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "src"
    shutil.copytree(root, copy, ignore=NOT_SOURCE)
    for domain in ("django", "djangojs"):
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-d", domain, "--verbosity=0"]
            + [f"--locale={language}" for language in LANGUAGES]
            + MAKEMESSAGES_FLAGS,
            cwd=copy,
            check=True,
        )
    made = sorted((copy / "locale").glob("*/LC_MESSAGES/*.po"))
    assert [p.relative_to(copy / "locale") for p in made] == [
        p.relative_to(LOCALE) for p in catalogues()
    ], "makemessages made a catalogue that is not committed"
    problems = [p for p in map(_incomplete, made) if p]
    assert not problems, "strings marked in the code but not translated:\n" + "\n".join(problems)
