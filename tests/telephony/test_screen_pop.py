"""The phone rings on an agent's extension: that agent's open console pops the caller without
any typing, and no other agent's does; the call the agent then stores is linked to the phone
call and takes its moments."""

import json
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Page, expect

from dispatch.models import Call, Customer, User
from telephony.ami_client import adapter_run
from telephony.models import CallLeg, Extension, PhoneSystem
from tests.browser import SCREENSHOTS, chromium_page, sign_in
from tests.telephony.fake_ami import FakeAmi, ev


@pytest.fixture
def city(transactional_db: None) -> Customer:
    call_command("make_demo_city", "--premises", "300", "--no-progress", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    customer = Customer.objects.exclude(phones=[]).order_by("account_no").first()
    assert customer is not None
    return customer


def _console(page: Page, base: str, username: str) -> None:
    sign_in(page, base, username, "/console/")
    page.wait_for_selector(".console[data-ready]")
    page.wait_for_function("window.pushSource && window.pushSource.readyState === 1")


def test_a_ringing_extension_pops_the_caller_on_its_agents_console_only(
    city: Customer, live_server
) -> None:
    phone = city.phones[0]
    taker, other = User.objects.get(username="calltaker"), User.objects.get(username="dispatcher")
    server = FakeAmi(
        [
            ev(
                "Newchannel",
                0,
                Uniqueid="9.1",
                Linkedid="9.1",
                Channel="PJSIP/trunk-1",
                CallerIDNum=phone,
                Exten="96777",
            ),
            ev("Newchannel", 1, Uniqueid="9.2", Linkedid="9.1", Channel="PJSIP/8001-00000009"),
            ev(
                "AgentCalled",
                1,
                Uniqueid="9.1",
                Linkedid="9.1",
                DestUniqueid="9.2",
                DestLinkedid="9.1",
                DestChannel="PJSIP/8001-00000009",
                Interface="PJSIP/8001",
                Queue="hotline",
                CallerIDNum=phone,
            ),
            ev(
                "AgentConnect",
                4,
                Uniqueid="9.1",
                Linkedid="9.1",
                DestUniqueid="9.2",
                DestLinkedid="9.1",
                DestChannel="PJSIP/8001-00000009",
                Interface="PJSIP/8001",
                Queue="hotline",
                CallerIDNum=phone,
            ),
        ],
        secret="s3cret",
    )
    system = PhoneSystem.objects.create(
        name="Asterisk",
        kind="ami",
        host="127.0.0.1",
        port=server.port,
        username="hotline",
        secret="s3cret",
    )
    Extension.objects.create(system=system, number="8001", user=taker)
    Extension.objects.create(system=system, number="8002", user=other)
    stop = threading.Event()
    adapter = threading.Thread(target=adapter_run, args=(system, stop), daemon=True)
    try:
        with chromium_page() as (page, failures):
            elsewhere = page.context.browser.new_page()  # type: ignore[union-attr]
            _console(page, live_server.url, "calltaker")
            _console(elsewhere, live_server.url, "dispatcher")
            adapter.start()  # the phone system is reached only now: the call rings
            expect(page.locator("#ringing")).to_contain_text(phone)
            expect(page.locator("#phone")).to_have_value(phone)
            expect(page.locator("#pop")).to_contain_text(city.account_no)
            page.screenshot(path=str(SCREENSHOTS / "telephony-screen-pop.png"))
            assert server.done.wait(10)
            elsewhere.wait_for_timeout(500)  # time enough for a push that should not come
            expect(elsewhere.locator("#ringing")).to_be_hidden()
            expect(elsewhere.locator("#phone")).to_have_value("")
            assert failures == []
    finally:
        stop.set()
        server.close()
        adapter.join(15)

    leg = CallLeg.objects.get(system=system, leg_uid="9.2")
    assert leg.popped_at is not None
    assert leg.agent == taker
    # The agent stores the call as the console does, naming the leg the pop gave it.
    client = Client()
    client.force_login(taker)
    stored = client.post(
        "/api/calls/",
        json.dumps(
            {"category": "consultation", "caller_phone": phone, "phone_leg": f"{system.pk}:9.2"}
        ),
        content_type="application/json",
    )
    assert stored.status_code == 201, stored.content
    call = Call.objects.get(pk=stored.json()["call"]["id"])
    leg.refresh_from_db()
    assert leg.call_id == call.pk
    caller = CallLeg.objects.get(system=system, leg_uid="9.1")
    assert (call.rang_at, call.answered_at) == (caller.rang_at, leg.answered_at)
    assert call.answered_at is not None

    refused = client.post(
        "/api/calls/",
        json.dumps({"category": "consultation", "phone_leg": "not a leg"}),
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "phone_leg" in refused.content.decode()
