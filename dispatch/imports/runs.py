"""Running an uploaded file's import (the admin's page queues it for a Celery worker), with
its progress written to the run's row where the page polls it."""

import logging
import time
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dispatch.errors import DispatchError
from dispatch.imports.columns import ImportRefusedError
from dispatch.imports.models import ImportRun
from dispatch.imports.runner import import_file

log = logging.getLogger(__name__)
EVERY_S = 0.5  # progress written at most this often


class RowProgress:
    """Progress written to the run's row through a connection of its own: the import itself
    runs in a transaction, and what it writes is seen by the polling page only at its end."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.connection: BaseDatabaseWrapper = connections.create_connection(DEFAULT_DB_ALIAS)
        self.written_at = 0.0
        self.done = 0

    def phase(self, name: str, total: int) -> None:
        self.done = 0
        self._write(name, total, 0)

    def update(self, done: int) -> None:
        self.done = done
        if time.monotonic() - self.written_at >= EVERY_S:
            self._write(None, None, done)

    def _write(self, phase: str | None, total: int | None, done: int) -> None:
        self.written_at = time.monotonic()
        with self.connection.cursor() as cursor:  # autocommit: seen at once
            cursor.execute(
                "UPDATE imports_importrun SET phase = coalesce(%s, phase), "
                "rows_total = coalesce(%s, rows_total), rows_done = %s WHERE id = %s",
                [phase, total, done, self.run_id],
            )

    def close(self) -> None:
        self.connection.close()


@transaction.atomic
def import_run_queue(*, run: ImportRun) -> ImportRun:
    """Save a new run and queue it once the row is committed."""
    from dispatch.imports.tasks import import_run_task

    run.status = ImportRun.Status.QUEUED
    run.save()
    transaction.on_commit(lambda: import_run_task.delay(run.pk))
    return run


def import_run_execute(*, run_id: int) -> ImportRun | None:
    """Run a queued import; None if another worker has it (a task delivered twice)."""
    # Claimed with a conditional UPDATE that must change exactly one row.
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING
    )
    if claimed != 1:
        return None
    run = ImportRun.objects.select_related("started_by").get(pk=run_id)
    # The report is written once, in the language of who started the import (a worker has no
    # request to read it from): their profile's, else the one active (the site's in a worker).
    with translation.override(_language_of(run)):
        return _execute(run)


def _language_of(run: ImportRun) -> str:
    user = run.started_by
    return getattr(user, "language", "") or translation.get_language() or settings.LANGUAGE_CODE


def _execute(run: ImportRun) -> ImportRun:
    run_id = run.pk
    progress = RowProgress(run_id)
    try:
        report = import_file(
            kind=run.kind,
            path=Path(run.upload.path),
            name=run.file_name,
            encoding=run.encoding,
            dry_run=run.dry_run,
            progress=progress,
        )
    except ImportRefusedError as error:
        return _ended(run, ImportRun.Status.REFUSED, error.message)
    except DispatchError as error:
        return _ended(run, ImportRun.Status.FAILED, error.message)
    except Exception:
        log.exception("import run %s failed", run_id)
        return _ended(
            run,
            ImportRun.Status.FAILED,
            _(
                "the import stopped on an unexpected error and nothing was changed; the "
                "worker's log has the details"
            ),
        )
    finally:
        progress.close()
    run.refresh_from_db(fields=["rows_total", "rows_done", "phase"])
    for field in ("created", "updated", "unchanged"):
        setattr(run, field, getattr(report, field))
    run.rejected, run.unmatched = len(report.rejected), len(report.unmatched)
    run.rows_total = run.rows_done = report.rows
    run.encoding = report.encoding
    run.report = report.as_dict()
    return _ended(run, ImportRun.Status.DONE, report.summary())


def _ended(run: ImportRun, status: str, message: str) -> ImportRun:
    run.status, run.message, run.finished_at = status, message, timezone.now()
    run.save()
    return run
