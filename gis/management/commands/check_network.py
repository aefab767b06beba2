from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gis.network_check import network_check


class Command(BaseCommand):
    help = (
        "Report dangling ends, unfed parts, valves and stations off the network, premises "
        "without a service connection."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--strict",
            action="store_true",
            help="exit with an error when any problem is found (for CI of GIS data)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        findings = network_check()
        problems = 0
        for finding in findings:
            mark = "ok  " if not finding.count else ("!!  " if finding.problem else "info")
            self.stdout.write(f"{mark} {finding.count:>7}  {finding.title}")
            if finding.examples and finding.count:
                self.stdout.write(f"               e.g. {', '.join(finding.examples)}")
            problems += finding.count if finding.problem else 0
        if problems and options["strict"]:
            raise CommandError(f"{problems} problems in the network")
