"""manage.py ivr_fastagi: the IVR's answers for Asterisk over FastAGI (alerts.ivr.fastagi)."""

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alerts.ivr.fastagi import DEFAULT_PORT, FastAgiServer
from alerts.models import ApiKey
from alerts.open311.errors import Open311Error
from alerts.open311.keys import api_key_actor


class Command(BaseCommand):
    help = "Serve the IVR's questions to Asterisk over FastAGI until SIGTERM or SIGINT."

    def add_arguments(self, parser: CommandParser) -> None:
        # Loopback by default: FastAGI has no authentication, so expose it only to the PBX.
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=DEFAULT_PORT)
        parser.add_argument(
            "--key",
            default="",
            help="the name of the API key (manage.py open311_key) whose account takes "
            "call-backs; without it the callback question is refused",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor_id = None
        if options["key"]:
            key = ApiKey.objects.filter(name=options["key"], active=True).first()
            if key is None:
                raise CommandError(f"no active API key named {options['key']!r}")
            try:
                actor_id = api_key_actor(key).pk
            except Open311Error as error:
                raise CommandError(str(error)) from error
        server = FastAgiServer((options["host"], options["port"]), actor_id=actor_id)

        def stop(signum: int, frame: Any) -> None:
            # shutdown() waits for serve_forever to return: call it from another thread.
            threading.Thread(target=server.shutdown, daemon=True).start()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        port = server.server_address[1]
        self.stdout.write(f"FastAGI listening on {options['host']}:{port}")
        try:
            server.serve_forever()
        finally:
            server.server_close()
        self.stdout.write("FastAGI stopped")
