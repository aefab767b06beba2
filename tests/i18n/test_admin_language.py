"""The admin reads in Chinese for a user who chose it (issue 19): the site's title, every
app's and model's name, the lists' column titles and filters, the forms' labels, fieldsets and
help texts, the actions. What stays in Latin letters is data or a code (asset ids, case type
codes), a unit, or a name people use as it is (SLA, GPS, MQTT, CAP...)."""

from collections.abc import Collection
from datetime import timedelta
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.management import call_command
from django.db.models import Model
from django.test import Client
from django.utils import timezone

from alerts.models import PlannedWork
from dispatch.models import CategoryRule, User
from gis.models import OrgUnit
from tests.i18n.words import data_words, stray_english

pytestmark = pytest.mark.usefixtures("translated")

# What a help text shows as people type it: an example address, an HTTP header's name, a
# standard's field name.
EXAMPLES = ("Youyi Road", "HTTP Accept", "Open311 service_code")


def _english(texts: list[str], data: Collection[str] = ()) -> list[str]:
    """The Latin words in `texts` that are neither allowed nor `data` (the page's own rows)."""
    return stray_english("\n".join(texts), data, strip=EXAMPLES)


def _data_words(*objects: object) -> set[str]:
    """What rows say of themselves (a name, a username, a language code) and the case types'
    codes: data, shown as it was typed."""
    codes = CategoryRule.objects.values_list("category", flat=True)
    return data_words([*codes, *(str(obj) for obj in objects if obj is not None)])


class _Texts(HTMLParser):
    """The text people read as names on an admin page: headings, captions, column titles,
    filter titles, labels, help texts, action names, the site's title."""

    # (tag, attribute, value or None): the element, and the attribute that marks it.
    WANTED = (
        ("h1", None, None),
        ("h2", None, None),
        ("h3", None, None),
        ("caption", None, None),
        ("label", None, None),
        ("summary", None, None),
        ("div", "class", "help"),
        ("p", "class", "help"),  # the map widget's
        ("button", None, None),
        ("th", "scope", "row"),  # the index's model names
        ("th", "scope", "col"),  # a list's column titles
        ("option", "parent", "action"),
    )
    SKIP = {"script", "style"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.texts: list[str] = []
        self._select = ""
        self._tbody = 0

    def _wanted(self) -> bool:
        if any(tag in self.SKIP for tag, _attrs in self.stack) or self._tbody:
            return False
        for tag, attrs in self.stack:
            for want, attr, value in self.WANTED:
                if tag != want:
                    continue
                if attr is None:
                    return True
                if attr == "parent":
                    if self._select == value:
                        return True
                    continue
                if value in (attrs.get(attr) or "").split():
                    return True
        return False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "select":
            self._select = values.get("name", "")
        if tag == "tbody":
            self._tbody += 1  # a list's rows: data
        if tag not in ("br", "img", "input", "meta", "link", "hr"):
            self.stack.append((tag, values))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = ""
        if tag == "tbody":
            self._tbody -= 1
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if text and self._wanted():
            self.texts.append(text)


def _texts(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    return parser.texts


@pytest.fixture
def demo(db: None) -> User:
    """A small demo city; its administrator reads the admin in Chinese."""
    call_command("load_demo", stdout=StringIO())
    call_command("make_demo_city", "--premises", "200", "--no-progress", stdout=StringIO())
    call_command("make_demo_crews", "--count", "4", stdout=StringIO())
    user = User.objects.get(username="admin")
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    return user


def _url(model: type[Model], page: str) -> str:
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/{page}"


def test_the_admin_index_is_in_chinese(demo: User) -> None:
    client = Client()
    client.force_login(demo)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="zh-hans"' in html
    assert "燃气调度管理" in html
    texts = _texts(html)
    assert "班组" in texts  # crews
    assert "事件类型" in texts  # case types
    assert _english(texts) == [], texts


def test_every_list_and_form_of_the_admin_is_in_chinese(demo: User) -> None:
    client = Client()
    client.force_login(demo)
    english: dict[str, list[str]] = {}
    for model, model_admin in admin.site._registry.items():
        pages = [_url(model, "")]
        request = type("R", (), {"user": demo})()
        if model_admin.has_add_permission(request):
            pages.append(_url(model, "add/"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.append(_url(model, f"{first.pk}/change/"))
        for path in pages:
            page = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
            assert page.status_code == 200, path
            html = page.content.decode()
            texts = _texts(html)
            assert texts, path
            words = _english(texts, _data_words(first))
            if words:
                english[path] = words
    assert english == {}


def test_a_list_names_its_columns_filters_and_actions_in_chinese(demo: User) -> None:
    station = OrgUnit.objects.filter(tier=OrgUnit.Tier.STATION).first()
    assert station is not None
    now = timezone.now()
    PlannedWork.objects.create(
        reference="PW-TEST-1",
        area=MultiPolygon(Polygon.from_bbox((117.2, 39.1, 117.21, 39.11)), srid=4326),
        starts_at=now + timedelta(days=8),
        ends_at=now + timedelta(days=8, hours=4),
        reason="Main renewal",
        station=station,
    )
    client = Client()
    client.force_login(demo)
    html = client.get("/admin/alerts/plannedwork/").content.decode()
    texts = _texts(html)
    for words in ("计划施工", "开始时间", "结束时间", "站点", "发布时间", "发布并通知该区域用户"):
        assert words in texts, words
    form = _texts(client.get("/admin/dispatch/crew/add/").content.decode())
    for words in ("班次开始", "班次结束", "班组成员", "技能"):
        assert any(text.startswith(words) for text in form), words
