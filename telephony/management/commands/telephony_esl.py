"""Run the event-socket adapter of every active FreeSWITCH phone system (or one), until stopped."""

from typing import Any

from django.core.management.base import BaseCommand

from telephony.adapter import adapters_run
from telephony.esl_client import adapter_run
from telephony.models import PhoneSystem


class Command(BaseCommand):
    help = "Read FreeSWITCH's event socket into call legs, reconnecting when the line drops."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--system", type=int, help="one phone system's id")

    def handle(self, *args: Any, **options: Any) -> None:
        adapters_run(PhoneSystem.Kind.ESL, adapter_run, options["system"])
