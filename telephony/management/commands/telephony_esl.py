"""Run the event-socket adapter of every active FreeSWITCH phone system (or one), until stopped."""

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from telephony.esl_client import adapter_run
from telephony.models import PhoneSystem


class Command(BaseCommand):
    help = "Read FreeSWITCH's event socket into call legs, reconnecting when the line drops."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--system", type=int, help="one phone system's id")

    def handle(self, *args: Any, **options: Any) -> None:
        systems = PhoneSystem.objects.filter(kind=PhoneSystem.Kind.ESL, active=True)
        if options["system"] is not None:
            systems = systems.filter(pk=options["system"])
        found = list(systems)
        if not found:
            raise CommandError(_("No active FreeSWITCH phone system: add one in the admin first."))
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_a: stop.set())
        signal.signal(signal.SIGINT, lambda *_a: stop.set())
        threads = [
            threading.Thread(target=adapter_run, args=(s, stop), name=f"esl-{s.pk}", daemon=True)
            for s in found
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(1.0)
