import signal
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from fleet.tracker import Tracker, default_subscriptions


class Command(BaseCommand):
    help = "Receive vehicle positions over MQTT (OwnTracks format) until SIGTERM."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--client-id",
            default=settings.MQTT_TRACKER_CLIENT_ID,
            help="MQTT client id; keep it stable so the broker keeps the session",
        )
        parser.add_argument(
            "--shared-group",
            default="",
            help=(
                "MQTT 5 shared subscription group: trackers in one group split the messages "
                "(each with its own --client-id, which keeps its session)"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tracker = Tracker(
            client_id=options["client_id"],
            subscriptions=default_subscriptions(options["shared_group"]),
            heartbeat_seconds=settings.HEARTBEAT_SECONDS,
        )

        def request_stop(signum: int, _frame: FrameType | None) -> None:
            self.stderr.write(f"tracker: {signal.Signals(signum).name} received, stopping")
            tracker.stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        tracker.run()
