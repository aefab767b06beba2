"""The synonyms in the admin (articles are edited on /knowledge/, through the services).

Saving or deleting a synonym goes through desk.knowledge.services, which re-indexes every
article: the words a caller uses match from the next search on.
"""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from desk.knowledge.models import Synonym
from desk.knowledge.services import synonym_delete, synonym_save
from dispatch.admin_access import RoleAdmin
from dispatch.errors import DispatchError
from dispatch.models import User


@admin.register(Synonym)
class SynonymAdmin(RoleAdmin):
    list_display = ["term", "canonical"]
    search_fields = ["term", "canonical"]

    def save_model(self, request: HttpRequest, obj: Synonym, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)  # the admin lets no one else in
        try:
            saved = synonym_save(
                synonym_id=obj.pk, term=obj.term, canonical=obj.canonical, actor=request.user
            )
        except DispatchError as error:
            messages.error(request, error.message)
            return
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Synonym) -> None:
        assert isinstance(request.user, User)
        synonym_delete(synonym_id=obj.pk, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Synonym]) -> None:
        assert isinstance(request.user, User)
        for synonym in queryset:
            synonym_delete(synonym_id=synonym.pk, actor=request.user)
