from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gis.heat.check import has_heat_network, heat_network_check
from gis.models import PowerLine
from gis.network_check import Finding, network_check
from gis.power.check import power_network_check


class Command(BaseCommand):
    help = (
        "Report dangling ends, unfed parts, valves and stations off the network, premises "
        "without a service connection; for heat, per circuit, and for power, beside gas."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--strict",
            action="store_true",
            help="exit with an error when any problem is found (for CI of GIS data)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = self._report(network_check())
        if has_heat_network():
            self.stdout.write(_("District heating:"))
            problems += self._report(heat_network_check())
        if PowerLine.objects.exists():
            power = power_network_check()
            self.stdout.write(_("Power:"))
            self.stdout.write(power.render(), ending="")
            problems += sum(f.count for f in power.findings() if f.problem)
        if problems and options["strict"]:
            raise CommandError(f"{problems} problems in the network")

    def _report(self, findings: list[Finding]) -> int:
        problems = 0
        for finding in findings:
            mark = "ok  " if not finding.count else ("!!  " if finding.problem else "info")
            self.stdout.write(f"{mark} {finding.count:>7}  {finding.title}")
            if finding.examples and finding.count:
                self.stdout.write(f"               e.g. {', '.join(finding.examples)}")
            problems += finding.count if finding.problem else 0
        return problems
