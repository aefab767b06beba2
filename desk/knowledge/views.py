"""The knowledge base's pages: /knowledge/ (search, list, article) for readers, and the
supervisors' edit screen. Thin: input checked by the services, reads by the selectors."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from desk.knowledge.api import QUESTION_MAX
from desk.knowledge.forms import ArticleForm
from desk.knowledge.models import Article
from desk.knowledge.selectors import (
    article_list_review_due,
    article_search,
    articles_visible,
)
from desk.knowledge.services import article_archive, article_publish, article_save
from dispatch.access import Capability, user_may
from dispatch.errors import DispatchError
from dispatch.models import CategoryRule, User
from dispatch.models.rules import case_type_validate

PAGE = "knowledge/index.html"


def _lang() -> str:
    return "en" if (get_language() or "zh").startswith("en") else "zh"


def _refused(request: HttpRequest, words: str) -> HttpResponse:
    return render(request, "knowledge/refused.html", {"words": words}, status=403)


def _reader(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user_may(user, Capability.KNOWLEDGE) else None


def _search_context(request: HttpRequest, user: User) -> dict[str, Any]:
    question = request.GET.get("q", "").strip()
    case_type = request.GET.get("case_type", "").strip()
    context: dict[str, Any] = {"q": question, "case_type": case_type, "hits": None}
    if not question:
        return context
    try:
        if len(question) > QUESTION_MAX:
            raise DispatchError(_("a question has at most %(n)d characters") % {"n": QUESTION_MAX})
        case_type_validate(case_type)
    except (DispatchError, ValidationError) as error:
        context["error"] = getattr(error, "message", None) or " ".join(error.messages)  # type: ignore[union-attr]
        return context
    context["hits"] = article_search(
        question=question, user=user, case_type=case_type, language=_lang()
    )
    return context


@require_GET
@login_required
def knowledge_home(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    if user is None:
        return _refused(request, _("The knowledge base is for the service desk and control room."))
    context = _search_context(request, user)
    editor = user_may(user, Capability.KNOWLEDGE_EDIT)
    articles = list(articles_visible(user).order_by("utility", "key"))
    context.update(
        editor=editor,
        lang=_lang(),
        case_types=CategoryRule.objects.order_by("category"),
        published=[a for a in articles if a.status == Article.Status.PUBLISHED],
        drafts=[a for a in articles if a.status == Article.Status.DRAFT] if editor else [],
        archived=[a for a in articles if a.status == Article.Status.ARCHIVED] if editor else [],
        review_due=article_list_review_due(today=timezone.localdate()) if editor else [],
        today=timezone.localdate(),
    )
    return render(request, PAGE, context)


@require_GET
@login_required
def knowledge_article_page(request: HttpRequest, article_id: int) -> HttpResponse:
    user = _reader(request)
    if user is None:
        return _refused(request, _("The knowledge base is for the service desk and control room."))
    article = articles_visible(user).filter(pk=article_id).first()
    if article is None:
        raise Http404(_("no such article"))
    editor = user_may(user, Capability.KNOWLEDGE_EDIT)
    changes = list(article.changes.select_related("actor")[:10]) if editor else []
    return render(
        request,
        "knowledge/article.html",
        {"article": article, "editor": editor, "changes": changes, "lang": _lang()},
    )


def _editor(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user_may(user, Capability.KNOWLEDGE_EDIT) else None


@require_http_methods(["GET", "POST"])
@login_required
def knowledge_edit(request: HttpRequest, article_id: int | None = None) -> HttpResponse:
    user = _editor(request)
    if user is None:
        return _refused(request, _("Articles are written by supervisors and administrators."))
    article = Article.objects.filter(pk=article_id).first() if article_id else None
    if article_id and article is None:
        raise Http404(_("no such article"))
    editing = article is not None
    initial = ArticleForm.initial_for(article) if article else {"utility": "gas"}
    form = ArticleForm(request.POST or None, initial=initial, editing=editing)
    if request.method == "POST" and form.is_valid():
        try:
            saved = article_save(
                article_id=article_id, data=form.article_input(), actor=user, at=timezone.now()
            )
        except DispatchError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("knowledge-article", saved.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "knowledge/edit.html", {"form": form, "article": article}, status=status)


def _status_view(request: HttpRequest, article_id: int, change: Any) -> HttpResponse:
    user = _editor(request)
    if user is None:
        return _refused(request, _("Articles are published by supervisors and administrators."))
    try:
        change(article_id=article_id, actor=user, at=timezone.now())
    except DispatchError as error:
        return render(
            request, "knowledge/refused.html", {"words": error.message}, status=error.status
        )
    return redirect("knowledge-article", article_id)


@require_POST
@login_required
def knowledge_publish(request: HttpRequest, article_id: int) -> HttpResponse:
    return _status_view(request, article_id, article_publish)


@require_POST
@login_required
def knowledge_archive(request: HttpRequest, article_id: int) -> HttpResponse:
    return _status_view(request, article_id, article_archive)
