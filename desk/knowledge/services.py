"""Every change to the knowledge base: one function per use case, each writing who and when."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from desk.knowledge.indexing import article_words_fill, synonym_map, vectors_refresh
from desk.knowledge.models import Article, ArticleChange, Synonym
from dispatch.access import Capability, user_may
from dispatch.choices import Utility
from dispatch.errors import ConflictError, DispatchError, ForbiddenError, NotFoundError
from dispatch.models import User
from dispatch.models.rules import case_type_validate

TITLE_MAX = 200
BODY_MAX = 20_000


@dataclass(frozen=True)
class ArticleInput:
    key: str
    title_zh: str
    body_zh: str
    title_en: str = ""
    body_en: str = ""
    case_types: list[str] = field(default_factory=list)
    keywords: str = ""
    utility: str = Utility.GAS
    owner_id: int | None = None
    review_due: datetime.date | None = None


def _editor_check(actor: User) -> None:
    if not user_may(actor, Capability.KNOWLEDGE_EDIT):
        raise ForbiddenError(_("only supervisors and administrators edit the knowledge base"))


def _input_check(data: ArticleInput) -> None:
    """Refuse bad input with words that name the field, before anything is written."""
    if not data.title_zh.strip():
        raise DispatchError(_("give the article a Chinese title"), field="title_zh")
    if not data.body_zh.strip():
        raise DispatchError(_("write the article's Chinese text"), field="body_zh")
    for name in ("title_zh", "title_en"):
        if len(getattr(data, name)) > TITLE_MAX:
            raise DispatchError(
                _("a title has at most %(n)d characters") % {"n": TITLE_MAX}, field=name
            )
    for name in ("body_zh", "body_en"):
        if len(getattr(data, name)) > BODY_MAX:
            raise DispatchError(
                _("a text has at most %(n)d characters") % {"n": BODY_MAX}, field=name
            )
    if data.utility not in Utility.values:
        raise DispatchError(_("choose gas, district heating or power"), field="utility")
    for code in data.case_types:
        try:
            case_type_validate(code)
        except ValidationError as error:
            raise DispatchError(" ".join(error.messages), field="case_types") from error
    if data.owner_id is not None and not User.objects.filter(pk=data.owner_id).exists():
        raise DispatchError(_("the owner is not a user"), field="owner")


def _change_record(
    article: Article, *, action: str, actor: User, at: datetime.datetime, data: dict[str, Any]
) -> None:
    ArticleChange.objects.create(article=article, action=action, actor=actor, at=at, data=data)


@transaction.atomic
def article_save(
    *, article_id: int | None, data: ArticleInput, actor: User, at: datetime.datetime
) -> Article:
    """Create an article (a draft) or change one; its search document follows its text."""
    _editor_check(actor)
    _input_check(data)
    if article_id is None:
        if Article.objects.filter(key=data.key).exists():
            raise ConflictError(_("an article with this key exists already"), field="key")
        try:
            Article.key.field.run_validators(data.key)
        except ValidationError as error:
            raise DispatchError(" ".join(error.messages), field="key") from error
        article = Article(key=data.key)
        action = "created"
    else:
        found = Article.objects.select_for_update().filter(pk=article_id).first()
        if found is None:
            raise NotFoundError(_("no such article"))
        article, action = found, "edited"
    for name in ("title_zh", "title_en", "body_zh", "body_en", "keywords", "utility"):
        setattr(article, name, getattr(data, name).strip())
    article.case_types = list(dict.fromkeys(data.case_types))
    article.owner_id = data.owner_id
    article.review_due = data.review_due
    article.updated_at, article.updated_by = at, actor
    article_words_fill(article, synonym_map(Synonym))
    article.save()
    vectors_refresh(Article, [article.pk])
    _change_record(article, action=action, actor=actor, at=at, data={"status": article.status})
    return article


def _status_change(
    *, article_id: int, to: str, allowed_from: set[str], actor: User, at: datetime.datetime
) -> Article:
    _editor_check(actor)
    # Locked: two supervisors pressing "publish" at once write one change, not two.
    article = Article.objects.select_for_update().filter(pk=article_id).first()
    if article is None:
        raise NotFoundError(_("no such article"))
    if article.status not in allowed_from:
        raise ConflictError(
            _("the article is %(status)s already") % {"status": article.get_status_display()},
            field="status",
        )
    before = article.status
    article.status, article.updated_at, article.updated_by = to, at, actor
    fields = ["status", "updated_at", "updated_by"]
    if to == Article.Status.PUBLISHED:
        article.published_at = at
        fields.append("published_at")
    article.save(update_fields=fields)
    _change_record(article, action=to, actor=actor, at=at, data={"from": before})
    return article


@transaction.atomic
def article_publish(*, article_id: int, actor: User, at: datetime.datetime) -> Article:
    """Publish a draft or an archived article: readers and the console see it from now."""
    return _status_change(
        article_id=article_id,
        to=Article.Status.PUBLISHED,
        allowed_from={Article.Status.DRAFT, Article.Status.ARCHIVED},
        actor=actor,
        at=at,
    )


@transaction.atomic
def article_archive(*, article_id: int, actor: User, at: datetime.datetime) -> Article:
    """Take an article out of readers' sight (kept, and publishable again)."""
    return _status_change(
        article_id=article_id,
        to=Article.Status.ARCHIVED,
        allowed_from={Article.Status.DRAFT, Article.Status.PUBLISHED},
        actor=actor,
        at=at,
    )


@transaction.atomic
def articles_reindex() -> int:
    """Rebuild every article's search document (after the synonyms changed)."""
    synonyms = synonym_map(Synonym)
    articles = list(Article.objects.select_for_update())
    for article in articles:
        article_words_fill(article, synonyms)
    Article.objects.bulk_update(articles, ["title_words", "keyword_words", "body_words"])
    vectors_refresh(Article)
    return len(articles)


@transaction.atomic
def synonym_save(*, synonym_id: int | None, term: str, canonical: str, actor: User) -> Synonym:
    """Add or change a synonym and re-index the articles with it."""
    _editor_check(actor)
    term, canonical = term.strip().lower(), canonical.strip().lower()
    if not term or not canonical or term == canonical:
        raise DispatchError(_("give a word and a different word the articles use"), field="term")
    clash = Synonym.objects.filter(term=term)
    if synonym_id is not None:
        clash = clash.exclude(pk=synonym_id)
    if clash.exists():
        raise ConflictError(_("this word has a synonym already"), field="term")
    synonym = Synonym.objects.filter(pk=synonym_id).first() if synonym_id else None
    synonym = synonym or Synonym()
    synonym.term, synonym.canonical = term, canonical
    synonym.save()
    articles_reindex()
    return synonym


@transaction.atomic
def synonym_delete(*, synonym_id: int, actor: User) -> None:
    """Remove a synonym and re-index the articles without it."""
    _editor_check(actor)
    Synonym.objects.filter(pk=synonym_id).delete()
    articles_reindex()
