import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import ProtectedError

from demo.crews import demo_crews_delete, demo_crews_load
from dispatch.models import Crew
from gis.models import OrgUnit


class Command(BaseCommand):
    help = "Create demo crews with vans on the demo city's roads (deterministic for a seed)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", type=int, default=60, help="gas crews to create")
        parser.add_argument(
            "--heat-count", type=int, default=16, help="district-heating crews to create"
        )
        parser.add_argument("--power-count", type=int, default=16, help="power crews to create")
        parser.add_argument("--seed", type=int, default=1)
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing if crews already exist (make run uses this)",
        )
        group.add_argument("--replace", action="store_true", help="delete every crew and van first")

    def handle(self, *args: Any, **options: Any) -> None:
        existing = Crew.objects.count()
        if existing and not (options["if_empty"] or options["replace"]):
            raise CommandError(
                f"the database already holds {existing} crews. Use --replace to delete every "
                "crew and van first, or --if-empty to leave them."
            )
        if options["count"] < 1:
            raise CommandError("--count must be at least 1")
        wanted = {
            "gas": options["count"],
            "heat": options["heat_count"],
            "power": options["power_count"],
        }
        started = time.monotonic()
        made: dict[str, int] = {}
        try:
            with transaction.atomic():
                if existing and options["replace"]:
                    demo_crews_delete()
                for utility, count in wanted.items():
                    # --if-empty: each utility's stations left as they are once they have crews.
                    if (
                        options["if_empty"]
                        and Crew.objects.filter(station__utilities__contains=[utility]).exists()
                    ):
                        continue
                    if (
                        utility != "gas"
                        and not OrgUnit.objects.filter(
                            tier=OrgUnit.Tier.STATION, utilities__contains=[utility]
                        ).exists()
                    ):
                        continue  # an organisation without heat or power stations
                    made[utility] = demo_crews_load(
                        count=count, seed=options["seed"], utility=utility
                    )
        except ProtectedError as error:
            raise CommandError(
                "some crews have work orders and cannot be deleted: "
                f"{len(error.protected_objects)} work orders refer to them"
            ) from error
        except ValueError as error:
            raise CommandError(str(error)) from error
        if not made:
            self.stdout.write(f"crews already loaded ({existing}): left as they are")
            return
        said = ", ".join(f"{n} {utility}" for utility, n in made.items())
        self.stdout.write(
            f"demo crews (seed {options['seed']}): {said} crews with vans "
            f"in {time.monotonic() - started:.1f}s"
        )
