from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from demo.days import DAYS, PLAYS, DayError
from dispatch.errors import DispatchError
from dispatch.models import User

# How long each day's script runs, so that by default it ends now and is on the wall.
SPAN = {"heating": timedelta(hours=4), "storm": timedelta(hours=3)}


class Command(BaseCommand):
    help = (
        "Play a scripted day on the demo city: 'heating' (a heating-season morning for the "
        "heat company) or 'storm' (a storm evening for the power company). Needs load_demo, "
        "make_demo_city and make_demo_crews."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("day", choices=DAYS)
        parser.add_argument(
            "--start",
            help="local start, YYYY-MM-DD HH:MM (default: so that the day ends now)",
        )
        parser.add_argument(
            "--leave-open",
            action="store_true",
            help="no repairs: the incidents stay open on the wall and the tablets",
        )
        parser.add_argument("--taker", default="taker_group", help="the call taker's login")
        parser.add_argument("--dispatcher", help="the dispatcher's login (default: the utility's)")

    def handle(self, *args: Any, **options: Any) -> None:
        day = options["day"]
        start = self._start(options["start"], day)
        dispatcher = options["dispatcher"] or (
            "dispatch_heat" if day == "heating" else "dispatch_power"
        )
        taker, sender = self._user(options["taker"]), self._user(dispatcher)
        try:
            with transaction.atomic():
                record = PLAYS[day](taker, sender, start, repairs=not options["leave_open"])
        except (DayError, DispatchError) as error:
            raise CommandError(str(error)) from error
        for line in record.lines:
            self.stdout.write(line)
        self.stdout.write(
            f"{day}: {len(record.calls)} calls, {len(record.incidents)} incidents "
            f"from {start:%Y-%m-%d %H:%M}"
        )

    def _start(self, given: str | None, day: str) -> datetime:
        if not given:
            return timezone.localtime() - SPAN[day]
        try:
            naive = datetime.strptime(given, "%Y-%m-%d %H:%M")
        except ValueError as error:
            raise CommandError(f"--start {given!r}: give YYYY-MM-DD HH:MM") from error
        return timezone.make_aware(naive)

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username}: run load_demo first")
        return user
