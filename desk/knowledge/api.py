"""The knowledge base's API: the search the console's suggestions call, and one article.

GET /api/knowledge/search/?q=...&case_type=...&lang=zh|en
GET /api/knowledge/articles/?case_type=...   (the case type's articles, before any word)
GET /api/knowledge/articles/<id>/
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from config.openapi import InstantField, answer
from desk.knowledge.models import Article
from desk.knowledge.selectors import (
    article_list_for_case_type,
    article_search,
    articles_visible,
    snippet_of,
)
from dispatch.access import Capability, permission_for
from dispatch.errors import DispatchError, NotFoundError
from dispatch.models.rules import case_type_validate

QUESTION_MAX = 500


class HitOut(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    title = serializers.CharField(help_text="in the language asked for")
    snippet = serializers.CharField(help_text="the sentence that matched, or the text's start")
    score = serializers.FloatField(help_text="higher is better; only comparable within one answer")
    status = serializers.CharField(help_text="draft, published or archived")
    utility = serializers.CharField()
    case_types = serializers.ListField(child=serializers.CharField())
    url = serializers.CharField(help_text="the article's page")


class SearchOut(serializers.Serializer):
    q = serializers.CharField()
    case_type = serializers.CharField(allow_blank=True)
    results = HitOut(many=True)


class ArticleOut(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    title_zh = serializers.CharField()
    title_en = serializers.CharField(allow_blank=True)
    body_zh = serializers.CharField()
    body_en = serializers.CharField(allow_blank=True)
    case_types = serializers.ListField(child=serializers.CharField())
    utility = serializers.CharField()
    status = serializers.CharField(help_text="draft, published or archived")
    owner = serializers.CharField(allow_blank=True, help_text="who keeps it correct")
    review_due = serializers.DateField(allow_null=True)
    published_at = InstantField(allow_null=True)
    updated_at = InstantField()
    url = serializers.CharField()


def _language(request: Request) -> str:
    lang = request.query_params.get("lang") or get_language() or "zh"
    lang = lang[:2].lower()
    if lang not in {"zh", "en"}:
        raise DispatchError(_("lang is zh or en"), field="lang")
    return lang


def _case_type(request: Request, *, required: bool = False) -> str:
    code = request.query_params.get("case_type", "").strip()
    if required and not code:
        raise DispatchError(_("choose a case type"), field="case_type")
    try:
        case_type_validate(code)
    except ValidationError as error:
        raise DispatchError(" ".join(error.messages), field="case_type") from error
    return code


def _hit(article: Article, *, score: float, snippet: str, lang: str) -> dict[str, Any]:
    return {
        "id": article.pk,
        "key": article.key,
        "title": article.title_in(lang),
        "snippet": snippet,
        "score": round(score, 4),
        "status": article.status,
        "utility": article.utility,
        "case_types": article.case_types,
        "url": reverse("knowledge-article", args=[article.pk]),
    }


@extend_schema(
    operation_id="knowledge_search",
    summary="The articles that best answer the caller's words (at most 5)",
    parameters=[
        OpenApiParameter("q", str, required=True, description="the caller's words, ≤ 500 chars"),
        OpenApiParameter("case_type", str, description="the call's case type: lifts its articles"),
        OpenApiParameter("lang", str, enum=["zh", "en"], description="titles and snippets in"),
    ],
    responses={200: SearchOut},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.KNOWLEDGE)])
def knowledge_search(request: Request) -> Response:
    """Search by words (jieba-segmented Chinese, English), never by substring."""
    question = request.query_params.get("q", "").strip()
    if not question:
        raise DispatchError(_("type the caller's words to search"), field="q")
    if len(question) > QUESTION_MAX:
        raise DispatchError(
            _("a question has at most %(n)d characters") % {"n": QUESTION_MAX}, field="q"
        )
    case_type, lang = _case_type(request), _language(request)
    hits = article_search(question=question, user=request.user, case_type=case_type, language=lang)
    results = [_hit(h.article, score=h.score, snippet=h.snippet, lang=lang) for h in hits]
    return answer(SearchOut, {"q": question, "case_type": case_type, "results": results})


@extend_schema(
    operation_id="knowledge_for_case_type",
    summary="The case type's articles, for the console before any word is typed",
    parameters=[
        OpenApiParameter("case_type", str, required=True, description="a case type's code"),
        OpenApiParameter("lang", str, enum=["zh", "en"], description="titles and snippets in"),
    ],
    responses={200: HitOut(many=True)},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.KNOWLEDGE)])
def knowledge_for_case_type(request: Request) -> Response:
    """Articles of one case type, by key (no words to rank them by yet)."""
    case_type, lang = _case_type(request, required=True), _language(request)
    articles = article_list_for_case_type(case_type=case_type, user=request.user)
    body = [_hit(a, score=0.0, snippet=snippet_of(a.body_in(lang)), lang=lang) for a in articles]
    return answer(HitOut, body, many=True)


@extend_schema(
    operation_id="knowledge_article",
    summary="One article, both languages",
    request=None,
    parameters=None,
    responses={200: ArticleOut},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.KNOWLEDGE)])
def knowledge_article(request: Request, article_id: int) -> Response:
    """A reader sees published articles only; an editor drafts and archived ones too."""
    article = articles_visible(request.user).filter(pk=article_id).first()
    if article is None:
        raise NotFoundError(_("no such article"))
    body = {
        **{
            name: getattr(article, name)
            for name in (
                "id",
                "key",
                "title_zh",
                "title_en",
                "body_zh",
                "body_en",
                "case_types",
                "utility",
                "status",
                "review_due",
                "published_at",
                "updated_at",
            )
        },
        "owner": article.owner.get_full_name() or article.owner.get_username()
        if article.owner
        else "",
        "url": reverse("knowledge-article", args=[article.pk]),
    }
    return answer(ArticleOut, body)
