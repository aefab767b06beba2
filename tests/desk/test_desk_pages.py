"""The desk's screens in Chromium, in Chinese: a complaint routed to the company's desk, its
caller read (and the read logged), replied to, called back and closed; a consultation sent to
the second tier and answered back. Screenshots in var/screenshots/desk/."""

from typing import Any

import pytest
from django.contrib.gis.geos import Point

from demo.org import demo_organisation_load
from desk.models import Case, CaseStatus
from desk.services.cases import case_open
from dispatch.models import IncidentEvent, User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_receive
from tests.browser import SCREENSHOTS, chromium_page, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("translated")]
SHOTS = SCREENSHOTS / "desk"
CENTRAL = Point(117.21, 39.09, srid=4326)


def _people() -> dict[str, User]:
    units = demo_organisation_load()
    people = {
        "taker": user_create(
            username="taker", password="demo", role=Role.CALL_TAKER, org_unit=units["gx-group"]
        ),
        "desk_group": user_create(
            username="desk_group",
            password="demo",
            role=Role.DESK_AGENT,
            org_unit=units["gx-group"],
            first_name="丽",
            last_name="杨",
        ),
        "desk": user_create(
            username="desk",
            password="demo",
            role=Role.DESK_AGENT,
            org_unit=units["gx-city"],
            first_name="平",
            last_name="何",
        ),
    }
    for user in people.values():
        user.language = "zh-hans"
        user.save(update_fields=["language"])
    return people


def _case(taker: User, category: str, text: str) -> Case:
    call = call_receive(
        data=CallInput(
            category=category,
            caller_phone="13812345678",
            caller_name="李雷",
            description=text,
            address_text="中心区幸福路8号3单元201",
            point=CENTRAL,
        ),
        taker=taker,
    )
    return case_open(call_id=call.pk, actor=taker)


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_complaint_is_routed_read_replied_called_back_and_closed(live_server: Any) -> None:
    people = _people()
    case = _case(people["taker"], "complaint", "抄表员上门态度恶劣，要求道歉")
    base = live_server.url
    with chromium_page(locale="zh-CN") as (page, failures):
        sign_in(page, base, "taker", f"/desk/cases/{case.reference}/")
        assert "仅承办坐席及其主管可见" in page.inner_text("body")
        page.goto(f"{base}/desk/cases/{case.reference}/?identity=1")
        assert "13812345678" not in page.content()  # the group's call taker: not the desk
        _shot(page, "complaint-hidden-from-the-call-taker")
        assert failures == []
    with chromium_page(locale="zh-CN") as (page, failures):
        sign_in(page, base, "desk", "/desk/")
        assert case.reference in page.inner_text("table.cases")
        _shot(page, "desk-list")
        page.click(f"text={case.reference}")
        page.click("text=查看来电人（查看记录写入时间线）")
        assert "13812345678" in page.inner_text("body")
        page.click("form[action='start/'] button")
        page.fill("form[action='reply/'] textarea", "已向您致歉，抄表员已受到批评教育。")
        page.click("form[action='reply/'] button")
        body = page.inner_text("body")
        assert "已答复" in body
        assert "何平答复客户" in body  # the timeline, in words
        _shot(page, "complaint-replied")
    with chromium_page(locale="zh-CN") as (page, failures):
        # The call-back, from the work list: not reached first, then reached with a score.
        sign_in(page, base, "desk", "/callbacks/")
        row = page.locator("tr", has=page.get_by_text("13812345678"))
        row.locator("select[name=outcome]").select_option("no_answer")
        row.locator("button:not(.dial)").click()  # the attempt's, not click-to-call
        page.wait_for_url(f"{base}/callbacks/?logged=*")
        row = page.locator("tr", has=page.get_by_text("13812345678"))
        row.locator("select[name=outcome]").select_option("reached")
        row.locator("select[name=score]").select_option("4")
        row.locator("textarea[name=comment]").fill("满意，道歉已收到")
        _shot(page, "complaint-call-back")
        row.locator("button:not(.dial)").click()  # the attempt's, not click-to-call
        page.wait_for_url(f"{base}/callbacks/?logged=*")
        assert failures == []
    with chromium_page(locale="zh-CN") as (page, failures):
        sign_in(page, base, "desk", f"/desk/cases/{case.reference}/")
        page.click("form[action='close/'] button")
        assert "已办结" in page.inner_text("body") or "办结了工单" in page.inner_text("body")
        _shot(page, "complaint-closed")
        assert failures == []
    closed = Case.objects.get(pk=case.pk)
    assert closed.status == CaseStatus.CLOSED
    attempts = IncidentEvent.objects.filter(kind="callback.attempted", data__case_id=case.pk)
    assert [e.data["outcome"] for e in attempts.order_by("at", "id")] == ["no_answer", "reached"]
    reads = IncidentEvent.objects.filter(kind="case.identity_read", data__case_id=case.pk)
    assert [e.actor.username for e in reads] == ["desk"]  # type: ignore[union-attr]


def test_a_consultation_goes_to_the_second_tier_and_comes_back(live_server: Any) -> None:
    people = _people()
    case = _case(people["taker"], "consultation", "阶梯气价第二档从多少立方米开始？")
    base = live_server.url
    with chromium_page(locale="zh-CN") as (page, failures):
        sign_in(page, base, "desk_group", f"/desk/cases/{case.reference}/")
        page.select_option("form[action='send-up/'] select", label="市燃气公司")
        page.click("form[action='send-up/'] button")
        assert "在二线处理" in page.inner_text("body") or "答复返回至" in page.inner_text("body")
        _shot(page, "consultation-sent-up")
        assert failures == []
    with chromium_page(locale="zh-CN") as (page, failures):
        sign_in(page, base, "desk", f"/desk/cases/{case.reference}/")
        page.fill("form[action='answer/'] textarea", "年用气量超过350立方米的部分按第二档计价。")
        page.click("form[action='answer/'] button")
        _shot(page, "consultation-answered")
        assert failures == []
    with chromium_page(locale="zh-CN") as (page, failures):
        sign_in(page, base, "desk_group", f"/desk/cases/{case.reference}/")
        assert "350立方米" in page.inner_text("body")
        page.fill("form[action='reply/'] textarea", "每年超过350立方米的部分按第二档，详见账单。")
        page.click("form[action='reply/'] button")
        _shot(page, "consultation-replied")
        assert failures == []
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REPLIED
