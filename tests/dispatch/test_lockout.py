"""Sign-in lockout (django-axes) on the login page and the tablet token, and the API's 429."""

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from config.models import Counter
from demo.org import demo_organisation_load
from dispatch.models import User
from dispatch.roles import Role
from dispatch.services import user_create

pytestmark = pytest.mark.django_db
WRONG_TRIES = 30


@pytest.fixture
def crew_login(monkeypatch: pytest.MonkeyPatch) -> User:
    # The token endpoint's address throttle would answer first; this test is about the lockout.
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "login", "1000/minute")
    units = demo_organisation_load()
    return user_create(
        username="ann", password="right", role=Role.CREW_MEMBER, org_unit=units["st-central"]
    )


def _count(name: str) -> int:
    row = Counter.objects.filter(name=name).first()
    return row.value if row else 0


def test_thirty_wrong_passwords_lock_the_login_page_even_for_the_right_one(
    crew_login: User, settings: Any
) -> None:
    client = Client()
    for _ in range(WRONG_TRIES):
        client.post("/accounts/login/", {"username": "ann", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "ann", "password": "right"})
    assert response.status_code == 429
    page = response.content.decode()
    assert f"{settings.LOGIN_LOCKOUT_MINUTES} minutes" in page
    assert "administrator" in page
    assert client.get("/").status_code == 302  # not signed in
    assert _count("auth.locked_out") >= 1


def test_thirty_wrong_passwords_lock_the_tablet_token_even_for_the_right_one(
    crew_login: User, settings: Any
) -> None:
    tablet = APIClient()
    for _ in range(WRONG_TRIES):
        tablet.post("/api/field/token/", {"username": "ann", "password": "wrong"})
    response = tablet.post("/api/field/token/", {"username": "ann", "password": "right"})
    assert response.status_code == 429
    body = response.json()
    assert "token" not in body
    assert f"{settings.LOGIN_LOCKOUT_MINUTES} minutes" in body["error"]
    assert int(response["Retry-After"]) > 0


def test_a_locked_account_elsewhere_still_signs_in_from_its_own_address(crew_login: User) -> None:
    for _ in range(WRONG_TRIES):
        Client(REMOTE_ADDR="203.0.113.9").post(
            "/accounts/login/", {"username": "ann", "password": "wrong"}
        )
    response = Client().post("/accounts/login/", {"username": "ann", "password": "right"})
    assert response.status_code == 302


def test_the_administrator_sees_the_lockout_in_the_admin(crew_login: User) -> None:
    for _ in range(WRONG_TRIES):
        Client().post("/accounts/login/", {"username": "ann", "password": "wrong"})
    units = demo_organisation_load()
    admin = user_create(
        username="boss", password="pw", role=Role.ADMINISTRATOR, org_unit=units["gx-group"]
    )
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/axes/accessattempt/")
    assert page.status_code == 200
    assert "ann" in page.content.decode()
    other = Client()
    other.force_login(crew_login)
    assert other.get("/admin/axes/accessattempt/").status_code == 302


def test_a_throttled_api_call_gets_the_clear_error_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "login", "3/minute")
    tablet = APIClient()
    answers = [
        tablet.post("/api/field/token/", {"username": f"u{i}", "password": "x"}) for i in range(4)
    ]
    assert [a.status_code for a in answers[:3]] == [400, 400, 400]
    throttled = answers[3]
    assert throttled.status_code == 429
    body = throttled.json()
    assert set(body) == {"error", "field"}
    assert "too many requests" in body["error"].lower()
    assert int(throttled["Retry-After"]) > 0
    assert _count("api.refused.429") == 1


def test_the_administrator_sees_what_was_throttled_and_refused_in_the_admin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "login", "1/minute")
    for i in range(3):
        APIClient().post("/api/field/token/", {"username": f"u{i}", "password": "x"})
    units = demo_organisation_load()
    admin = user_create(
        username="boss", password="pw", role=Role.ADMINISTRATOR, org_unit=units["gx-group"]
    )
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/platform/counter/?q=429")
    assert page.status_code == 200
    assert "api.refused.429" in page.content.decode()
    # Counted by the code: nobody edits or deletes a count.
    assert client.get("/admin/platform/counter/add/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_locked_out_call_taker_is_told_what_to_do_in_chromium(
    crew_login: User, live_server: Any
) -> None:
    from tests.browser import SCREENSHOTS, WALL, chromium_page

    for _ in range(WRONG_TRIES):
        Client().post("/accounts/login/", {"username": "ann", "password": "wrong"})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium_page(WALL) as (page, _failures):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "ann")
        page.fill("input[name=password]", "right")
        page.keyboard.press("Enter")
        alert = page.locator("[role=alert]")
        alert.wait_for()
        text = alert.inner_text()
        page.screenshot(path=SCREENSHOTS / "sign-in-locked.png")
    assert "administrator" in text
    assert "minutes" in text
    assert page.url.endswith("/accounts/login/")  # the right password did not get in


@pytest.mark.parametrize("page", ["/accounts/login/", "/admin/login/"])
def test_one_address_spraying_many_user_names_is_slowed_on_the_sign_in_pages(
    page: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lockout counts per account and address: one password tried on many names would
    never trip it, so the pages' POSTs share the per-address login limit."""
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "login", "5/minute")
    browser = Client()
    codes = [
        browser.post(page, {"username": f"user{i}", "password": "Summer2026"}).status_code
        for i in range(7)
    ]
    assert codes[:5] == [200] * 5  # the form again, with "do not match"
    assert codes[5:] == [429, 429]
    refused = browser.post(page, {"username": "user9", "password": "x"})
    assert "Too many sign-ins from this address" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert _count("auth.throttled") == 3
    # A plain visit to the page is never refused.
    assert browser.get(page).status_code == 200
