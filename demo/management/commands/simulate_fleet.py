import argparse
import signal
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from demo.simulator import SimulatorError, fleet_simulator

MAX_RATE = 1.0  # the tracker keys a fix on (device, whole-second tst): one a second at most


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _at_least_zero(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


class Command(BaseCommand):
    help = "Drive simulated vans along the roads, publishing OwnTracks positions over MQTT."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--vans", type=int, default=None, help="the first N vans by id (default: every van)"
        )
        parser.add_argument(
            "--rate", type=_positive, default=0.2, help="fixes per van per second (at most 1)"
        )
        parser.add_argument(
            "--speed-factor", type=_positive, default=1.0, help="times the roads' speeds"
        )
        parser.add_argument(
            "--duration", type=_at_least_zero, default=0.0, help="seconds; 0 runs until SIGTERM"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--respond",
            action="store_true",
            help="crews accept their new work orders and set off, as on their tablets",
        )
        parser.add_argument(
            "--respond-after",
            type=_at_least_zero,
            default=3.0,
            help="seconds a crew takes for each answer (with --respond)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rate"] > MAX_RATE:
            raise CommandError(f"--rate is at most {MAX_RATE} (one fix per van per second)")
        if options["vans"] is not None and options["vans"] < 1:
            raise CommandError("--vans must be at least 1")
        try:
            simulator = fleet_simulator(
                vans=options["vans"],
                rate=options["rate"],
                speed_factor=options["speed_factor"],
                seed=options["seed"],
                respond=options["respond"],
                respond_after=options["respond_after"],
                duration=options["duration"],
                report=self.stdout.write,
            )
        except SimulatorError as exc:
            raise CommandError(str(exc)) from exc

        def request_stop(signum: int, _frame: FrameType | None) -> None:
            self.stderr.write(f"simulate_fleet: {signal.Signals(signum).name} received, stopping")
            simulator.stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        try:
            simulator.run()
        except SimulatorError as exc:
            raise CommandError(str(exc)) from exc
