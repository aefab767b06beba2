"""In Chromium, in Chinese: the suggestions widget (the one the console mounts) on /knowledge/."""

from typing import Any

from dispatch.models import User
from dispatch.roles import Role
from dispatch.services import user_create
from tests.browser import SCREENSHOTS, chromium_page, sign_in


def test_suggestions_follow_the_case_type_and_the_words_typed(live_server: Any) -> None:
    taker = user_create(username="kb-ct", password="demo", role=Role.CALL_TAKER, org_unit=None)
    User.objects.filter(pk=taker.pk).update(language="zh-hans")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium_page(locale="zh-CN") as (page, failures):
        sign_in(page, live_server.url, "kb-ct", "/knowledge/")
        items = page.locator("#kb-suggest .kb-suggest-item a")
        page.select_option("#kb-case-type", "no_gas")  # a case type, no words yet
        page.wait_for_selector("#kb-suggest .kb-suggest-item")
        assert "家里突然没有燃气了" in items.all_inner_texts()

        page.fill("#kb-q", "交了钱还是不来气，卡表没反应")
        page.wait_for_function(
            "document.querySelector('#kb-suggest .kb-suggest-item a')?.textContent"
            " === '卡表插卡没反应、充了钱不来气'"
        )
        assert 1 <= items.count() <= 5
        items.first.click()
        reader = page.locator("#kb-suggest .kb-suggest-reader")
        reader.wait_for(state="visible")
        assert "电池" in reader.inner_text()
        assert page.locator("#kb-suggest-style").count() == 1
        page.screenshot(path=str(SCREENSHOTS / "knowledge-suggest.png"), full_page=True)
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        assert not failures, failures
