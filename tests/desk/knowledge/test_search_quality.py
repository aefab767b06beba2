"""Callers' questions against the shipped articles: the right one in the top five.

questions.json holds questions written as callers put them (colloquial, mostly Chinese), each
with the article that answers it; those marked held_out use words the article does not (three
batches of them were written after the search was built and measured before it was changed:
95%, 87.5% and 96.4% in the top five). The shipped articles are loaded by the app's migration,
as on a fresh clone.
"""

import json
from pathlib import Path

import pytest

from desk.knowledge.models import Article
from desk.knowledge.selectors import article_search
from tests.desk.knowledge.conftest import People

QUESTIONS = json.loads((Path(__file__).parent / "questions.json").read_text(encoding="utf-8"))
GOAL = 0.9


def _top5_accuracy(people: People, questions: list[dict[str, str]]) -> tuple[float, list[str]]:
    missed = []
    for item in questions:
        hits = article_search(
            question=item["q"], user=people.taker, case_type=item.get("case_type", "")
        )
        if item["article"] not in [hit.article.key for hit in hits]:
            missed.append(f"{item['q']} -> {item['article']}: {[h.article.key for h in hits]}")
    return 1 - len(missed) / len(questions), missed


@pytest.mark.django_db
def test_the_question_set_names_only_shipped_articles() -> None:
    keys = set(Article.objects.values_list("key", flat=True))
    assert len(QUESTIONS) >= 80
    assert {item["article"] for item in QUESTIONS} <= keys


def test_the_right_article_is_in_the_top_five_for_nine_questions_in_ten(people: People) -> None:
    accuracy, missed = _top5_accuracy(people, QUESTIONS)
    print(f"\nknowledge search top-5 accuracy: {accuracy:.3f} over {len(QUESTIONS)} questions")
    assert accuracy >= GOAL, "\n".join(missed)


def test_questions_in_other_words_than_the_articles_find_them_too(people: People) -> None:
    held_out = [item for item in QUESTIONS if item.get("held_out")]
    accuracy, missed = _top5_accuracy(people, held_out)
    print(f"\nheld-out top-5 accuracy: {accuracy:.3f} over {len(held_out)} questions")
    assert len(held_out) >= 30
    assert accuracy >= GOAL, "\n".join(missed)
