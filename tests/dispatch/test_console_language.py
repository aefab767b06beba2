"""The call console reads in one language: all Chinese for a user who chose Chinese, English
for one who chose English, through a whole call (screen pop, address, category, advice,
incident, crews), with the project's compiled catalogue."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Dialog, Page, expect

from demo.crews import demo_crews_load
from dispatch.models import Crew, Customer, User
from gis.models import OrgUnit
from tests.browser import SCREENSHOTS, chromium_page, sign_in
from tests.i18n.conftest import compiled_locale, translated  # noqa: F401 - the fixtures
from tests.i18n.words import stray_english

pytestmark = pytest.mark.usefixtures("translated")

# Each of these, in any case, is a word no Chinese screen should show.
ENGLISH_UI = ["Take call", "Priority and advice", "Crews", "Work order", "Dispatch", "Log"]
CHINESE_UI = ["受理来电", "优先级和安全提示", "班组", "工单", "日志", "快捷键"]


@pytest.fixture
def demo(transactional_db: None) -> None:
    """A small demo city, the demo logins and crews."""
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    demo_crews_load(count=20, seed=7)


# What a person reads on the page: its text, and the hover titles, placeholders and accessible
# names of what is not hidden.
READ_TEXT = """() => {
  const seen = [document.title, document.body.innerText];
  for (const el of document.querySelectorAll('[title],[placeholder],[aria-label]')) {
    if (el.closest('[hidden],details:not([open])')) continue;
    for (const a of ['title', 'placeholder', 'aria-label']) {
      if (el.getAttribute(a)) seen.push(el.getAttribute(a));
    }
  }
  return seen.join('\\n');
}"""


def _data_names(username: str) -> list[str]:
    """Names that are data, in whatever language they were entered: crews, stations and
    other units, the user's own name."""
    user = User.objects.get(username=username)
    names = [*Crew.objects.values_list("name", flat=True)]
    names += OrgUnit.objects.values_list("name", flat=True)
    return [*names, user.get_full_name(), user.username]


def _take_a_call(
    page: Page, base: str, phone: str, address: str, seen: list[str], shot: str
) -> None:
    """A leak call by keyboard, as a call taker takes one; `seen` gathers the page's text at
    each step (the address candidates are only there while the list is open)."""
    dialogs: list[str] = []

    def answered(dialog: Dialog) -> None:  # a confirm() is read, then accepted
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", answered)
    sign_in(page, base, "dispatcher", "/console/")
    page.wait_for_selector(".console[data-ready]")
    expect(page.locator("#phone")).to_be_focused()
    seen.append(page.evaluate(READ_TEXT))

    page.keyboard.type(phone)
    page.keyboard.press("Enter")  # the screen pop
    expect(page.locator("button.premise").first).to_be_focused()
    seen.append(page.evaluate(READ_TEXT))

    page.locator("#address").click()
    page.keyboard.type(address)
    # The first search of a fresh database can be slow on a busy machine.
    expect(page.locator("#candidates li[role=option]").first).to_be_visible(timeout=30_000)
    seen.append(page.evaluate(READ_TEXT))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{shot}-intake.png"))
    page.keyboard.press("Enter")  # the best candidate
    expect(page.locator("#located")).to_have_class(re.compile(r"\bok\b"))

    page.select_option("#category", value="leak_indoor")
    page.locator("#hazards input[value=inside_building]").check()
    page.locator("#description").fill("煤气味")
    page.keyboard.press("Enter")  # take the call
    expect(page.locator("#priority")).to_have_text("P1")
    seen.append(page.evaluate(READ_TEXT))

    page.locator("#open-incident").click()
    top = page.locator("#crew-list button.dispatch").first
    expect(top).to_be_focused()
    seen.append(page.evaluate(READ_TEXT))
    top.click()
    expect(page.locator("#work-order-body")).not_to_be_empty()
    expect(page.locator("#log li").first).to_be_visible()
    page.set_viewport_size({"width": 1920, "height": 1600})
    seen.append(page.evaluate(READ_TEXT))
    seen.extend(dialogs)


def _call_data() -> tuple[str, str]:
    customer = Customer.objects.filter(premises__isnull=False).order_by("account_no").first()
    assert customer is not None
    premise = customer.premises.order_by("asset_id").first()
    assert premise is not None
    return customer.phones[0], premise.full_text


def test_a_chinese_call_taker_reads_the_console_in_chinese(demo: None, live_server) -> None:
    User.objects.filter(username="dispatcher").update(language="zh-hans")
    phone, address = _call_data()
    data = _data_names("dispatcher")
    seen: list[str] = []
    with chromium_page() as (page, failures):
        _take_a_call(page, live_server.url, phone, address, seen, "console-zh")
        # The advice in English is at hand, folded: not on the screen until asked for.
        expect(page.locator("#advice-en")).to_be_hidden()
        page.locator("#triage").evaluate("(t) => t.scrollIntoView({block: 'start'})")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "console-zh.png"))
    assert failures == []

    for text in seen:
        assert stray_english(text, strip=data) == [], text
    everything = "\n".join(seen)
    for words in CHINESE_UI:
        assert words in everything
    assert "请向来电人宣读" in everything  # read out to the caller


def test_an_english_call_taker_reads_the_console_in_english(demo: None, live_server) -> None:
    User.objects.filter(username="dispatcher").update(language="en")
    phone, address = _call_data()
    seen: list[str] = []
    with chromium_page() as (page, failures):
        _take_a_call(page, live_server.url, phone, address, seen, "console-en")
        page.locator("#triage").evaluate("(t) => t.scrollIntoView({block: 'start'})")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "console-en.png"))
    assert failures == []

    everything = "\n".join(seen)
    for words in ENGLISH_UI:
        assert words in everything
    for words in CHINESE_UI:
        assert words not in everything
    assert "Read out to the caller" in everything
