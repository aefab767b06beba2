"""Reads of the knowledge base: the search the console and the page use, and the lists."""

import datetime
import math
import re
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import CombinedExpression

from desk.knowledge.indexing import synonym_map
from desk.knowledge.models import Article, Synonym
from desk.knowledge.words import question_words
from dispatch.access import Capability, user_may

TOP = 5
# A case type the call taker chose lifts its articles, without hiding a better match.
CASE_TYPE_BOOST = 1.5
# ts_rank's weights for D, C, B, A: (unused), the text, the keywords, the title.
RANK_WEIGHTS = [0.2, 0.5, 0.8, 1.0]
# A single Chinese character left by the segmenter (开, 户, 气) says less than a word does.
SINGLE_CHARACTER = 0.5
SNIPPET_CHARS = 140
_SENTENCE_END = re.compile(r"(?<=[。！？!?\n])|(?<=[a-zA-Z)]\.\s)")


@dataclass(frozen=True)
class Hit:
    article: Article
    score: float
    snippet: str


def articles_visible(user: Any) -> QuerySet[Article]:
    """Readers see published articles; editors see drafts and archived ones too."""
    rows = Article.objects.select_related("owner")
    if user_may(user, Capability.KNOWLEDGE_EDIT):
        return rows
    return rows.filter(status=Article.Status.PUBLISHED)


def _query(word: str) -> SearchQuery:
    # plainto_tsquery through the same 'simple' parser the documents went through: a word
    # is matched as a whole lexeme, never as a substring of another.
    return SearchQuery(word, config="simple", search_type="plain")


def _weights(rows: QuerySet[Article], words: list[str]) -> dict[str, float]:
    """Each word's weight by how rare it is among the articles (BM25's idf): 燃气, in every
    article, decides little; 阶梯气价 decides much. Words no article has are left out."""
    counts = rows.aggregate(
        total=Count("pk"),
        **{f"w{i}": Count("pk", filter=Q(search_vector=_query(w))) for i, w in enumerate(words)},
    )
    total = counts["total"]
    return {
        word: math.log(1 + (total - df + 0.5) / (df + 0.5))
        * (SINGLE_CHARACTER if len(word) == 1 and not word.isascii() else 1.0)
        for i, word in enumerate(words)
        if (df := counts[f"w{i}"])
    }


def _snippet(text: str, words: list[str]) -> str:
    """The first sentence that holds a matched word, else the start of the text. (A full
    stop counts only before a space: "1." numbers a step, it does not end one.)"""
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
    lowered = [s.lower() for s in sentences]
    found = next(
        (s for s, low in zip(sentences, lowered, strict=True) if any(w in low for w in words)),
        text,
    )
    return snippet_of(found.strip())


def snippet_of(text: str) -> str:
    """At most SNIPPET_CHARS, cut at a space where the text has them, with an ellipsis."""
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text[:SNIPPET_CHARS]
    if " " in cut[SNIPPET_CHARS // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:，；：") + "…"


def article_search(
    *, question: str, user: Any, case_type: str = "", language: str = "zh", limit: int = TOP
) -> list[Hit]:
    """The articles that best answer the caller's words, best first (at most `limit`)."""
    words = question_words(question, synonym_map(Synonym))
    rows = articles_visible(user)
    weights = _weights(rows, words) if words else {}
    if not weights:
        return []
    score: Any = reduce(
        lambda total, term: CombinedExpression(total, "+", term),
        [
            SearchRank(F("search_vector"), _query(w), weights=RANK_WEIGHTS) * Value(weight)
            for w, weight in weights.items()
        ],
    )
    score = ExpressionWrapper(score, output_field=FloatField())
    if case_type:
        score = score * Case(
            When(case_types__contains=[case_type], then=Value(CASE_TYPE_BOOST)),
            default=Value(1.0),
        )
    matched = reduce(lambda a, b: a | b, (_query(w) for w in weights))
    found = (
        rows.filter(search_vector=matched)
        .annotate(score=score)
        .order_by(F("score").desc(), "key")[:limit]
    )
    plain = [w for w in words if w in weights]
    return [
        Hit(article=a, score=float(a.score), snippet=_snippet(a.body_in(language), plain))
        for a in found
    ]


def article_list_for_case_type(*, case_type: str, user: Any, limit: int = TOP) -> list[Article]:
    """What the console shows before any word is typed: the case type's articles."""
    rows = articles_visible(user).filter(case_types__contains=[case_type])
    return list(rows.order_by("key")[:limit])


def article_list_review_due(*, today: datetime.date, within_days: int = 30) -> list[Article]:
    """Articles whose review is due (or overdue) within the coming days, for editors."""
    until = today + datetime.timedelta(days=within_days)
    rows = Article.objects.select_related("owner").exclude(status=Article.Status.ARCHIVED)
    return list(rows.filter(review_due__lte=until).order_by("review_due", "key"))
