"""manage.py open311_key create|revoke|list: API keys of the linked systems that use Open311."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alerts.models import ApiKey
from alerts.open311.keys import ApiKeyError, api_key_create, api_key_revoke


class Command(BaseCommand):
    help = "Create (the key is printed once), revoke or list Open311 API keys."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="issue a key for a linked system")
        create.add_argument("name", help="the linked system, e.g. 'City 12345 hotline'")
        revoke = actions.add_parser("revoke", help="stop a key from creating requests")
        revoke.add_argument("name")
        actions.add_parser("list", help="every key, with its state and when it was last used")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                issued = api_key_create(name=options["name"])
                self.stdout.write(f"API key for {issued.key.name} (shown once, keep it safe):")
                self.stdout.write(issued.raw)
            elif options["action"] == "revoke":
                key = api_key_revoke(name=options["name"])
                self.stdout.write(f"revoked {key}")
            else:
                for key in ApiKey.objects.order_by("name"):
                    state = "active" if key.active else "revoked"
                    used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
                    self.stdout.write(f"{key.prefix}  {state:<7}  last used {used}  {key.name}")
        except ApiKeyError as error:
            raise CommandError(str(error)) from error
