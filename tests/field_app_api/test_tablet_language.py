"""The crews' tablet in the member's own language: the page (Chinese for a zh-hans member,
English for an en one) and the tablet API's answers, which a token user gets in their language
although DRF authenticates the token after the middleware that sets it for a session."""

from collections.abc import Iterator

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect, sync_playwright
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dispatch.language import UserLanguageTokenAuthentication
from dispatch.models import User
from dispatch.roles import Role
from dispatch.services import user_create
from tests.browser import CHROMIUM_ARGS, SCREENSHOTS, TABLET, off_loop, sign_in
from tests.field_app_api.test_tablet_page import Job, job  # noqa: F401 - the fixture
from tests.i18n.conftest import compiled_locale, translated  # noqa: F401 - the fixtures
from tests.i18n.words import stray_chinese, stray_english


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    """A zh-hans request leaves its language active in this thread: the next test starts in
    the default again."""
    yield
    translation.deactivate()


def _crew_member(username: str, language: str) -> User:
    user = user_create(username=username, password="pw", role=Role.CREW_MEMBER, org_unit=None)
    user.language = language
    user.save(update_fields=["language"])
    return user


def _token_client(user: User, accept_language: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=accept_language)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.mark.django_db
@pytest.mark.usefixtures("translated")
def test_a_zh_hans_members_token_gets_chinese_errors_whatever_the_browser_asks() -> None:
    tablet = _token_client(_crew_member("ling", "zh-hans"), accept_language="en")
    answer = tablet.get("/api/field/me/")
    assert answer.status_code == 403
    assert answer.json()["error"] == "您还不属于任何班组：请让调度员把您加入班组"
    assert answer["Content-Language"] == "zh-hans"


@pytest.mark.django_db
@pytest.mark.usefixtures("translated")
def test_an_en_members_token_gets_english_errors_whatever_the_browser_asks() -> None:
    tablet = _token_client(_crew_member("anna", "en"), accept_language="zh-CN,zh;q=0.9")
    answer = tablet.get("/api/field/me/")
    assert answer.status_code == 403
    assert answer.json()["error"] == "you are not on a crew yet: ask your dispatcher to add you"
    assert answer["Content-Language"] == "en"


@pytest.mark.django_db
@pytest.mark.usefixtures("translated")
def test_without_a_choice_a_token_user_gets_the_browsers_language() -> None:
    tablet = _token_client(_crew_member("wei", ""), accept_language="zh-CN,zh;q=0.9")
    assert tablet.get("/api/field/me/").json()["error"].startswith("您还不属于任何班组")


@pytest.mark.django_db
@pytest.mark.usefixtures("translated")
def test_the_token_authentication_for_every_api_sets_the_token_users_language() -> None:
    user = _crew_member("mei", "zh-hans")
    key = Token.objects.create(user=user).key
    translation.activate("en")
    assert UserLanguageTokenAuthentication().authenticate_credentials(key)[0] == user
    assert translation.get_language() == "zh-hans"


def _data_texts(sent: Job) -> list[str]:
    """What the data brings (not the page's to translate): the job's reference, address and
    valves, the crew's, station's and member's names."""
    crew_member = User.objects.get(username="crew")
    crew = sent.work_order.crew
    texts = [
        str(crew_member.org_unit or ""),
        sent.reference,
        sent.address,
        crew.name,
        crew.station.name,
        crew_member.get_full_name(),
        *sent.valves_to_close,
    ]
    return [t for t in texts if t]


def _work_the_job(page: Page) -> None:
    """Accept, drive, arrive, lose the network, report findings: most of what the page says."""
    page.click("[data-action=accept]")
    page.click("[data-action=en_route]")
    expect(page.locator("[data-action=on_site]")).to_be_visible()
    expect(page.locator("#tablet")).to_have_attribute("data-queue", "0")
    page.context.set_offline(True)
    page.click("[data-action=on_site]")
    expect(page.locator("#net")).to_be_visible()
    expect(page.locator("#job-pending")).to_be_visible()


def _send_findings(page: Page) -> None:
    page.locator(".seg").nth(1).click()
    page.select_option("#cause", "corrosion")
    page.locator("#actions-taken input").nth(2).check()
    first_valve = page.locator(".valve-row").first
    first_valve.locator(".v-action").select_option("closed")
    first_valve.locator(".v-operable").select_option("no")
    page.locator(".m-item").fill("DN100")
    page.locator(".m-quantity").fill("1")
    page.click("#send-findings")
    expect(page.locator("#findings-sent")).to_be_visible()


@pytest.mark.usefixtures("translated")
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_tablet_reads_in_the_members_language(job: Job, live_server, language: str) -> None:  # noqa: F811
    User.objects.filter(username="crew").update(language=language)
    data = _data_texts(job)
    name = "zh" if language == "zh-hans" else "en"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        try:
            locale = "zh-CN" if name == "zh" else "en-GB"  # the tablet's own (its file picker)
            context = browser.new_context(viewport=TABLET, has_touch=True, locale=locale)
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.on("pageerror", lambda e: failures.append(f"script error: {e}"))
            sign_in(page, live_server.url, "crew", "/tablet/")
            page.wait_for_selector(".tablet[data-ready]", state="attached")
            expect(page.locator("#job-ref")).to_have_text(job.reference)
            expect(page.locator("#map .leaflet-marker-icon.valve-no").first).to_be_visible()
            page.screenshot(path=str(SCREENSHOTS / f"tablet-{name}.png"))
            first = page.evaluate("document.body.innerText")
            page.click("[data-action=reject]")  # the reasons, then back
            expect(page.locator("#reject-panel")).to_be_visible()
            first += page.locator("#reject-panel").inner_text()
            page.click("#reject-back")

            _work_the_job(page)
            offline = page.evaluate("document.body.innerText")
            page.screenshot(path=str(SCREENSHOTS / f"tablet-{name}-offline.png"))
            context.set_offline(False)
            expect(page.locator("#tablet")).to_have_attribute("data-queue", "0")
            _send_findings(page)
            expect(page.locator("#tablet")).to_have_attribute("data-queue", "0")
            expect(page.locator("#findings-sent-list dt")).to_have_count(5)
            page.screenshot(path=str(SCREENSHOTS / f"tablet-{name}-full.png"), full_page=True)
            last = page.evaluate("document.body.innerText")
            findings = page.locator("#findings-sent-list").inner_text()
            page.locator("#findings-sent").screenshot(
                path=str(SCREENSHOTS / f"tablet-{name}-findings.png")
            )
        finally:
            browser.close()
    assert failures == []
    texts = (first, offline, last)
    if name == "zh":
        for text in texts:
            assert stray_english(text, strip=data) == [], text
        assert "接单" in first
        assert "拒单" in first
        assert "离线：1 项操作待发送" in offline
        assert all(word in findings for word in ("腐蚀", "设置了警戒区", "卡死", "1 件"))
    else:
        for text in texts:
            assert stray_chinese(text, strip=data) == [], text
        assert "Accept" in first
        assert "Reject" in first
        assert "offline: 1 action waiting" in offline
        assert all(word in findings for word in ("Corrosion", "Cordoned off the area", "Seized"))
    assert not any(
        code in findings for code in ("{", "corrosion", "True", "closed")
    )  # words, not codes
    stored = off_loop(lambda: job.work_order.__class__.objects.get(pk=job.work_order.pk))
    assert stored.findings["actions_taken"] == ["Cordoned off the area"]  # kept in English
