import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import ProtectedError

from demo.crews import demo_crews_delete, demo_crews_load
from dispatch.models import Crew


class Command(BaseCommand):
    help = "Create demo crews with vans on the demo city's roads (deterministic for a seed)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", type=int, default=60, help="crews to create")
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
        if existing and options["if_empty"]:
            self.stdout.write(f"crews already loaded ({existing}): left as they are")
            return
        if existing and not options["replace"]:
            raise CommandError(
                f"the database already holds {existing} crews. Use --replace to delete every "
                "crew and van first, or --if-empty to leave them."
            )
        if options["count"] < 1:
            raise CommandError("--count must be at least 1")
        started = time.monotonic()
        try:
            with transaction.atomic():
                if existing:
                    demo_crews_delete()
                created = demo_crews_load(count=options["count"], seed=options["seed"])
        except ProtectedError as error:
            raise CommandError(
                "some crews have work orders and cannot be deleted: "
                f"{len(error.protected_objects)} work orders refer to them"
            ) from error
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"demo crews (seed {options['seed']}): {created} crews with vans "
            f"in {time.monotonic() - started:.1f}s"
        )
