"""Load the shipped articles and synonyms (desk/knowledge/data/) into the knowledge base."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from desk.knowledge.indexing import articles_load
from desk.knowledge.models import Article, Synonym
from desk.knowledge.services import articles_reindex


class Command(BaseCommand):
    help = "Add the shipped knowledge articles that are missing (--replace: restore all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--replace",
            action="store_true",
            help="put the shipped texts back over articles a supervisor edited",
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        written = articles_load(Article, Synonym, at=timezone.now(), replace=options["replace"])
        # New synonyms change every article's words, the unchanged ones too.
        articles_reindex()
        self.stdout.write(f"{written} articles loaded, {Article.objects.count()} in all")
