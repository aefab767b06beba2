"""The stored days' beat task (reports.rollup_build): every quarter of an hour it forgets the
days whose rows changed and stores the closed days not yet stored. Nothing to do is a few
small queries; a changed threshold re-stores the year (about a minute; until then the
dashboards read the record, as exact and slower)."""

from celery import shared_task

from reports.rollup_build import rollup_refresh


@shared_task
def rollup_refresh_task() -> int:
    return rollup_refresh()
