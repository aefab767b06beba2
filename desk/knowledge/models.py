"""The knowledge base: articles the call takers answer from, and the words callers use."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import Utility
from dispatch.models.rules import case_type_validate


class Article(models.Model):
    """One answer (a policy, a tariff, a procedure, safety advice) in Chinese and English."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    key = models.CharField(
        _("key"),
        max_length=64,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z][a-z0-9_]*$",
                _("lower-case letters, digits and _ only, starting with a letter"),
            )
        ],
        help_text=_("a short stable name, e.g. gas_smell_indoors"),
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    body_zh = models.TextField(_("text (Chinese)"))
    body_en = models.TextField(_("text (English)"), blank=True)
    case_types = ArrayField(
        models.CharField(max_length=32, validators=[case_type_validate]),
        default=list,
        blank=True,
        verbose_name=_("case types"),
        help_text=_("the console suggests the article first for calls of these case types"),
    )
    keywords = models.TextField(
        _("keywords"),
        blank=True,
        help_text=_("other words for the subject, separated by spaces or commas"),
    )
    utility = models.CharField(
        _("utility"), max_length=10, choices=Utility.choices, default=Utility.GAS
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="knowledge_articles",
        verbose_name=_("owner"),
        help_text=_("who keeps the article correct"),
    )
    review_due = models.DateField(_("review due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("updated by"),
    )
    # The segmented words (jieba for Chinese, lower-cased English), synonyms applied: what the
    # search vector is made of. Kept by desk.knowledge.services on every save, and again for
    # every article when a synonym changes.
    title_words = models.TextField(default="", blank=True, editable=False)
    keyword_words = models.TextField(default="", blank=True, editable=False)
    body_words = models.TextField(default="", blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["key"]
        indexes = [
            GinIndex(fields=["search_vector"], name="knowledge_article_search"),
            GinIndex(fields=["case_types"], name="knowledge_article_case_types"),
        ]

    def __str__(self) -> str:
        return self.title_zh

    def title_in(self, language: str) -> str:
        return self.title_en if language == "en" and self.title_en else self.title_zh

    def body_in(self, language: str) -> str:
        return self.body_en if language == "en" and self.body_en else self.body_zh


class ArticleChange(models.Model):
    """Who changed an article, when, and how: one row per save, publication or archiving."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="changes", verbose_name=_("article")
    )
    action = models.CharField(_("action"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"))
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("article change")
        verbose_name_plural = _("article changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class Synonym(models.Model):
    """A word callers say, and the word the articles use for it (煤气 → 燃气). Applied to the
    articles and to every question, so either word finds the other."""

    term = models.CharField(_("word callers use"), max_length=40, unique=True)
    canonical = models.CharField(_("word the articles use"), max_length=40)

    class Meta:
        verbose_name = _("synonym")
        verbose_name_plural = _("synonyms")
        ordering = ["canonical", "term"]

    def __str__(self) -> str:
        return f"{self.term} → {self.canonical}"
