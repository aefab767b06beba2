"""The staff screens' language: the user's own choice (profile, header switch), then the
browser's, then the deployment's default."""

import re

import pytest
from django.test import Client

from dispatch.models import User
from dispatch.roles import Role
from dispatch.services import user_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("translated")]


def _user(language: str, username: str = "ling") -> User:
    user = user_create(username=username, password="pw", role=Role.CALL_TAKER, org_unit=None)
    user.language = language
    user.save(update_fields=["language"])
    return user


def _signed_in(user: User, *, enforce_csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(user)
    return client


def test_a_user_who_chose_chinese_sees_the_start_page_in_chinese() -> None:
    page = _signed_in(_user("zh-hans")).get("/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="zh-hans">' in text
    assert "接警台" in text
    assert "退出登录" in text
    assert "Sign out" not in text
    assert page["Content-Language"] == "zh-hans"


def test_a_user_who_chose_english_sees_english_whatever_the_browser_asks() -> None:
    page = _signed_in(_user("en")).get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    text = page.content.decode()
    assert '<html lang="en">' in text
    assert "Call console" in text
    assert "Sign out" in text
    assert "退出登录" not in text


def test_without_a_choice_the_browser_decides() -> None:
    page = _signed_in(_user("")).get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert '<html lang="zh-hans">' in page.content.decode()
    sign_in = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "用户名" in sign_in.content.decode()  # User name


def test_the_header_switch_keeps_the_choice_on_the_profile() -> None:
    user = _user("en")
    browser = _signed_in(user, enforce_csrf_checks=True)
    home = browser.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in home
    assert "简体中文" in home
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', home)
    assert token is not None

    forged = browser.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert forged.status_code == 403
    user.refresh_from_db()
    assert user.language == "en"

    switched = browser.post(
        "/i18n/setlang/",
        {"language": "zh-hans", "csrfmiddlewaretoken": token[1]},
        HTTP_REFERER="http://testserver/",
    )
    assert (switched.status_code, switched["Location"]) == (302, "http://testserver/")
    user.refresh_from_db()
    assert user.language == "zh-hans"
    assert "退出登录" in browser.get("/").content.decode()
    # Another browser, no cookie: the profile carries the choice.
    assert "退出登录" in _signed_in(user).get("/").content.decode()


def test_a_language_the_deployment_lacks_changes_nothing() -> None:
    user = _user("en")
    _signed_in(user).post("/i18n/setlang/", {"language": "fr", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"


def test_the_javascript_catalog_answers_and_the_pages_load_it_before_their_scripts() -> None:
    client = _signed_in(_user("zh-hans"))
    answer = client.get("/jsi18n/")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/javascript")
    assert "django.gettext" in answer.content.decode()
    for url in ("/", "/tablet/"):
        page = client.get(url).content.decode()
        assert page.index('src="/jsi18n/"') < page.index("</head>") < page.index("<main>"), url
