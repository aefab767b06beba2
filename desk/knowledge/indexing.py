"""The search document of each article, and the loading of the shipped articles.

Written against the model classes it is given, so that the data migration (with its
historical models) and the services (with the real ones) keep the documents the same way.
"""

import datetime
import json
from pathlib import Path
from typing import Any

from django.contrib.postgres.search import SearchVector
from django.db.models import Model

from desk.knowledge.words import document_words, synonyms_normalized

DATA = Path(__file__).resolve().parent / "data"
ARTICLES_FILE = DATA / "articles.json"
SYNONYMS_FILE = DATA / "synonyms.json"
REVIEW_AFTER = datetime.timedelta(days=365)

# Titles weigh most, then the keywords, then the text (ts_rank's A, B and C weights).
SEARCH_VECTOR = (
    SearchVector("title_words", config="simple", weight="A")
    + SearchVector("keyword_words", config="simple", weight="B")
    + SearchVector("body_words", config="simple", weight="C")
)


def synonym_map(synonym_model: type[Model]) -> dict[str, str]:
    rows = synonym_model.objects.values_list("term", "canonical")  # type: ignore[attr-defined]
    return synonyms_normalized(rows)


def article_words_fill(article: Any, synonyms: dict[str, str]) -> None:
    """Set the article's word columns from its texts (the caller saves it)."""
    article.title_words = document_words([article.title_zh, article.title_en], synonyms)
    article.keyword_words = document_words([article.keywords], synonyms)
    article.body_words = document_words([article.body_zh, article.body_en], synonyms)


def vectors_refresh(article_model: type[Model], pks: list[int] | None = None) -> None:
    """Rebuild the search vector from the word columns, in SQL."""
    rows = article_model.objects.all()  # type: ignore[attr-defined]
    if pks is not None:
        rows = rows.filter(pk__in=pks)
    rows.update(search_vector=SEARCH_VECTOR)


def shipped_data() -> tuple[list[dict[str, Any]], list[list[str]]]:
    articles = json.loads(ARTICLES_FILE.read_text(encoding="utf-8"))
    synonyms = json.loads(SYNONYMS_FILE.read_text(encoding="utf-8"))
    return articles, synonyms


def articles_load(
    article_model: type[Model],
    synonym_model: type[Model],
    *,
    at: datetime.datetime,
    replace: bool = False,
) -> int:
    """Add the shipped synonyms and articles (published) that are missing; with `replace`, put
    the shipped texts back over edited ones. Returns how many articles were written."""
    articles, synonyms = shipped_data()
    for term, canonical in synonyms:
        synonym_model.objects.get_or_create(  # type: ignore[attr-defined]
            term=term, defaults={"canonical": canonical}
        )
    words = synonym_map(synonym_model)
    manager = article_model.objects  # type: ignore[attr-defined]
    existing = set(manager.values_list("key", flat=True))
    written: list[int] = []
    for item in articles:
        if item["key"] in existing and not replace:
            continue
        article: Any = manager.filter(key=item["key"]).first() or article_model(key=item["key"])
        for field in ("title_zh", "title_en", "body_zh", "body_en", "utility"):
            setattr(article, field, item[field])
        article.case_types = item.get("case_types", [])
        article.keywords = item.get("keywords", "")
        article.status = "published"
        article.published_at = article.published_at or at
        article.updated_at = at
        article.review_due = at.date() + REVIEW_AFTER
        article_words_fill(article, words)
        article.save()
        written.append(article.pk)
    vectors_refresh(article_model, written)
    return len(written)
