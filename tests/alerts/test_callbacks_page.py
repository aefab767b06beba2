"""The call-back work list in a real browser, in Chinese: the due call-backs with their numbers,
the attempt history, the form, the scores per station; an attempt logged through the form."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from alerts.callback_attempts import AttemptInput, callback_attempt_record
from alerts.models import CallBack, CallBackStatus
from demo.crews import demo_crews_load
from demo.org import demo_organisation_load
from dispatch.models import Incident, User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_join_incident, call_open_incident, call_receive
from gis.models import Premise
from tests.alerts.test_callbacks import _resolve
from tests.browser import SCREENSHOTS, chromium_page, off_loop, sign_in

SHOT = SCREENSHOTS / "callbacks-zh.png"  # looked at after a run


@pytest.fixture
def work(transactional_db: None) -> tuple[User, Incident]:
    """A resolved leak with three callers: one already tried once, one reached with a score."""
    call_command("make_demo_city", "--premises", "300", "--no-progress", stdout=StringIO())
    demo_crews_load(count=1, seed=3)
    units = demo_organisation_load()
    dispatcher = user_create(
        username="disp", password="demo", role=Role.DISPATCHER, org_unit=units["gx-city"]
    )
    premise = Premise.objects.filter(service_segment__isnull=False).order_by("asset_id").first()
    assert premise is not None
    calls = [
        call_receive(
            data=CallInput(category="leak_outdoor", premise_id=premise.pk, caller_phone=phone),
            taker=dispatcher,
        )
        for phone in ("13855550001", "13855550002", "13855550003")
    ]
    incident = call_open_incident(call_id=calls[0].pk, actor=dispatcher)
    for call in calls[1:]:
        call_join_incident(call_id=call.pk, incident_id=incident.pk, actor=dispatcher)
    _resolve(incident, dispatcher, timezone.now())
    incident = Incident.objects.select_related("station").get(pk=incident.pk)
    agent = user_create(
        username="agent", password="demo", role=Role.DESK_AGENT, org_unit=incident.station
    )
    first, _, third = CallBack.objects.filter(incident=incident).order_by("call__received_at")
    callback_attempt_record(
        callback_id=first.pk,
        actor=agent,
        data=AttemptInput("no_answer", reason="关机"),
    )
    callback_attempt_record(
        callback_id=third.pk,
        actor=agent,
        data=AttemptInput("reached", score=4, comment="师傅很专业"),
    )
    return agent, incident


def test_an_agent_sees_the_work_list_in_chinese_and_logs_an_attempt(
    work: tuple[User, Incident], live_server: object
) -> None:
    agent, incident = work
    base = live_server.url  # type: ignore[attr-defined]
    with chromium_page(locale="zh-CN") as (page, failures):
        sign_in(page, base, agent.username, "/callbacks/")
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        assert page.locator("a.phone").count() == 2  # the one reached is no longer to call
        assert page.get_by_text("13855550001").is_visible()
        assert page.locator("section.scores td").first.inner_text() == incident.station.name
        page.screenshot(path=str(SHOT), full_page=True)

        row = page.locator("tr", has=page.get_by_text("13855550002"))
        row.locator("select[name=outcome]").select_option("reached")
        row.locator("select[name=score]").select_option("5")
        row.locator("textarea[name=comment]").fill("满意")
        row.locator("button:not(.dial)").click()  # the attempt's, not click-to-call
        page.wait_for_url(f"{base}/callbacks/?logged=*")
        assert page.locator("a.phone").count() == 1
        assert failures == []
    status = off_loop(
        lambda: CallBack.objects.get(call__caller_phone="13855550002", incident=incident).status
    )
    assert status == CallBackStatus.REACHED
