from typing import Any

from django.core.management.base import BaseCommand, CommandError

from demo.history import HistoryError, history_exists, history_make


class Command(BaseCommand):
    help = (
        "Write days of history for the demo city (calls, incidents with their timelines, work "
        "orders, SLA clocks, desk cases, call-backs) so the reports have a record to show. "
        "Deterministic for a seed."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=90, help="days up to today")
        parser.add_argument("--calls-per-day", type=int, default=300, help="on an average day")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing if any call or incident exists already (make run uses this)",
        )
        parser.add_argument("--quiet", action="store_true", help="no line per step")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and history_exists():
            self.stdout.write("calls or incidents already recorded: no history added")
            return
        try:
            made = history_make(
                days=options["days"],
                calls_per_day=options["calls_per_day"],
                seed=options["seed"],
                progress=None if options["quiet"] else self.stdout.write,
            )
        except HistoryError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"demo history (seed {options['seed']}): {options['days']} days, {made.calls} calls, "
            f"{made.incidents} incidents, {made.work_orders} work orders, {made.events} "
            f"timeline events, {made.cases} desk cases, {made.callbacks} call-backs "
            f"in {made.seconds:.1f}s"
        )
