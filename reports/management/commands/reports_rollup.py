"""Store the reports' closed days now (beat does it every quarter of an hour), with progress:
after loading a utility's history, or to see how long a changed threshold takes."""

from typing import Any

from django.core.management.base import BaseCommand

from reports.rollup_build import rollup_refresh


class Command(BaseCommand):
    help = "Store the figures of every closed day not stored (reports.rollup)."

    def handle(self, *args: Any, **options: Any) -> None:
        done = rollup_refresh(progress=self.stdout.write)
        self.stdout.write(f"{done} days stored")
