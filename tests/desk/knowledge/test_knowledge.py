"""The knowledge base: word search, who sees drafts, who edits, and refusals."""

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from desk.knowledge.models import Article, ArticleChange
from desk.knowledge.selectors import article_search
from desk.knowledge.services import (
    ArticleInput,
    article_archive,
    article_publish,
    article_save,
    synonym_save,
)
from dispatch.errors import DispatchError, ForbiddenError
from tests.desk.knowledge.conftest import People, signed_in

SEARCH = "/api/knowledge/search/"


def _article(people: People, key: str, title: str, body: str, **more: object) -> Article:
    data = ArticleInput(key=key, title_zh=title, body_zh=body, **more)  # type: ignore[arg-type]
    return article_save(article_id=None, data=data, actor=people.supervisor, at=timezone.now())


def _keys(people: People, question: str, case_type: str = "") -> list[str]:
    hits = article_search(question=question, user=people.taker, case_type=case_type)
    return [hit.article.key for hit in hits]


def _published(people: People, key: str, title: str, body: str, **more: object) -> Article:
    article = _article(people, key, title, body, **more)
    return article_publish(article_id=article.pk, actor=people.supervisor, at=timezone.now())


def test_chinese_is_matched_by_segmented_words_never_by_substring(people: People) -> None:
    _published(people, "phone_change", "电话号码变更", "用户可以更换预留的电话号码。")
    # 话号 is a substring of 电话号码 (an ILIKE would find it) but no word of it.
    assert Article.objects.filter(title_zh__contains="话号").exists()
    assert "phone_change" not in _keys(people, "话号")
    assert _keys(people, "我想改电话号码")[0] == "phone_change"


def test_drafts_are_seen_by_editors_only_until_published(people: People) -> None:
    draft = _article(people, "drone_patrol", "无人机巡线", "公司用无人机巡查高压燃气管线。")
    assert "drone_patrol" not in _keys(people, "无人机巡线")
    editor_keys = [h.article.key for h in article_search(question="无人机", user=people.supervisor)]
    assert "drone_patrol" in editor_keys
    reader = signed_in(people.taker)
    assert reader.get(f"/api/knowledge/articles/{draft.pk}/").status_code == 404
    assert reader.get(f"/knowledge/{draft.pk}/").status_code == 404
    assert signed_in(people.supervisor).get(f"/knowledge/{draft.pk}/").status_code == 200

    article_publish(article_id=draft.pk, actor=people.supervisor, at=timezone.now())
    assert _keys(people, "无人机巡线")[0] == "drone_patrol"
    assert reader.get(f"/api/knowledge/articles/{draft.pk}/").json()["status"] == "published"

    article_archive(article_id=draft.pk, actor=people.supervisor, at=timezone.now())
    assert "drone_patrol" not in _keys(people, "无人机巡线")
    actions = list(ArticleChange.objects.filter(article=draft).values_list("action", "actor"))
    assert sorted(actions) == sorted(
        [(a, people.supervisor.pk) for a in ("created", "published", "archived")]
    )


def test_a_call_taker_may_read_but_not_edit_or_publish(people: People) -> None:
    article = _article(people, "draft_one", "草稿", "还没有发布的内容。")
    taker = signed_in(people.taker)
    assert taker.get("/knowledge/").status_code == 200
    assert taker.get("/knowledge/new/").status_code == 403
    assert (
        taker.post("/knowledge/new/", {"key": "x", "title_zh": "x", "body_zh": "x"}).status_code
        == 403
    )
    assert taker.get(f"/knowledge/{article.pk}/edit/").status_code == 403
    assert taker.post(f"/knowledge/{article.pk}/publish/").status_code == 403
    with pytest.raises(ForbiddenError):
        article_publish(article_id=article.pk, actor=people.taker, at=timezone.now())
    article.refresh_from_db()
    assert (article.status, Article.objects.filter(key="x").exists()) == ("draft", False)


def test_a_crew_member_may_not_search(people: People) -> None:
    crew = signed_in(people.crew)
    assert crew.get(SEARCH, {"q": "燃气"}).status_code == 403
    assert crew.get("/knowledge/").status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "  "}, "q"),
        ({"q": "没气" * 251}, "q"),
        ({"q": "没气", "case_type": "no_such_type"}, "case_type"),
        ({"q": "没气", "lang": "fr"}, "lang"),
    ],
)
def test_bad_search_input_is_refused_with_the_field(
    people: People, params: dict[str, str], field: str
) -> None:
    response = signed_in(people.taker).get(SEARCH, params)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert response.json()["error"]


def test_english_questions_find_english_titles(people: People) -> None:
    body = signed_in(people.taker).get(SEARCH, {"q": "how can I pay my gas bill", "lang": "en"})
    assert body.status_code == 200
    results = body.json()["results"]
    assert [r["key"] for r in results][:1] == ["pay_bill"]
    assert results[0]["title"] == "How to pay your gas bill"
    assert results[0]["url"] == f"/knowledge/{results[0]['id']}/"


def test_the_case_type_lifts_its_articles(people: People) -> None:
    # Two articles equally good for the words: the call's case type decides.
    _published(people, "a_ladder_general", "楼梯踏板", "楼梯踏板松动。")
    _published(people, "b_ladder_check", "楼梯踏板", "楼梯踏板松动。", case_types=["inspection"])
    assert _keys(people, "楼梯踏板")[:2] == ["a_ladder_general", "b_ladder_check"]
    lifted = _keys(people, "楼梯踏板", case_type="inspection")
    assert lifted[:2] == ["b_ladder_check", "a_ladder_general"]


def test_a_new_synonym_reaches_the_articles_at_once(people: People) -> None:
    _published(people, "drone_patrol", "无人机巡线", "公司用无人机巡查高压燃气管线。")
    assert "drone_patrol" not in _keys(people, "飞行器")
    synonym_save(synonym_id=None, term="飞行器", canonical="无人机", actor=people.supervisor)
    assert _keys(people, "飞行器")[0] == "drone_patrol"


def test_bad_article_input_changes_nothing(people: People) -> None:
    with pytest.raises(DispatchError) as refused:
        _article(people, "bad_type", "标题", "正文", case_types=["no_such_type"])
    assert refused.value.field == "case_types"
    assert not Article.objects.filter(key="bad_type").exists()


def test_a_supervisor_writes_publishes_and_sees_reviews_due_on_the_pages(people: People) -> None:
    editor = signed_in(people.supervisor)
    form = {
        "key": "meter_box_lock",
        "title_zh": "表箱上锁",
        "body_zh": "表箱钥匙由物业保管。",
        "utility": "gas",
        "case_types": ["meter_fault"],
        "owner": people.supervisor.pk,
        "review_due": "2020-01-31",
    }
    response = editor.post("/knowledge/new/", form)
    article = Article.objects.get(key="meter_box_lock")
    assert response.status_code == 302
    assert response["Location"] == f"/knowledge/{article.pk}/"
    assert (article.status, article.updated_by, article.case_types) == (
        "draft",
        people.supervisor,
        ["meter_fault"],
    )
    assert editor.post(f"/knowledge/{article.pk}/publish/").status_code == 302
    article.refresh_from_db()
    assert article.status == "published"
    assert article.published_at is not None
    page = editor.get("/knowledge/").content.decode()
    assert "Due for review" in page
    assert "表箱上锁" in page
    assert "2020-01-31" in page
    assert article.review_due == datetime.date(2020, 1, 31)
    refused = editor.post("/knowledge/new/", {**form, "title_zh": ""})
    assert refused.status_code == 400
    assert Article.objects.filter(key="meter_box_lock").count() == 1


def test_a_search_costs_a_fixed_number_of_queries(
    people: People, django_assert_num_queries: Any
) -> None:
    reader = signed_in(people.taker)
    reader.get(SEARCH, {"q": "热身"})  # the session's first read
    # Session and user, the case type's check, the synonyms, the words' document counts, the
    # ranked articles: however many words and articles there are.
    with django_assert_num_queries(6):
        response = reader.get(SEARCH, {"q": "家里没气了，卡表插卡也没反应", "case_type": "no_gas"})
    assert len(response.json()["results"]) == 5


def test_load_knowledge_adds_what_is_missing_and_restores_on_request(people: People) -> None:
    article = Article.objects.get(key="pay_bill")
    shipped = article.body_zh
    data = ArticleInput(key="pay_bill", title_zh=article.title_zh, body_zh="只能去营业厅缴费。")
    article_save(article_id=article.pk, data=data, actor=people.supervisor, at=timezone.now())
    Article.objects.filter(key="invoice").delete()
    out = StringIO()
    call_command("load_knowledge", stdout=out)
    assert out.getvalue().startswith("1 articles loaded")
    assert Article.objects.get(key="pay_bill").body_zh == "只能去营业厅缴费。"
    call_command("load_knowledge", "--replace", stdout=StringIO())
    assert Article.objects.get(key="pay_bill").body_zh == shipped
    assert _keys(people, "微信交燃气费")[0] == "pay_bill"
