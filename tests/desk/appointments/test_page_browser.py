"""In Chromium, in Chinese: a call taker books a visit on /appointments/ and moves it; the
console's booking widget books another through the API; the customer opens their own link."""

from typing import Any

from desk.appointments.models import Appointment
from dispatch.models import User
from tests.browser import SCREENSHOTS, chromium_page, off_loop, sign_in
from tests.desk.appointments.conftest import PHONE, Scene, slot_make, tomorrow


def test_a_call_taker_books_and_moves_a_visit_in_chinese(scene: Scene, live_server: Any) -> None:
    User.objects.filter(username="taker").update(language="zh-hans")
    nine = slot_make(scene.station, tomorrow(), 9, capacity=2)
    one = slot_make(scene.station, tomorrow(), 13, capacity=1)
    path = f"/appointments/?station={scene.station.pk}&week={tomorrow():%Y-%m-%d}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium_page(locale="zh-CN") as (page, failures):
        sign_in(page, live_server.url, "taker", path)
        assert page.locator(f'.slot[data-slot="{nine.pk}"]').get_attribute("data-free") == "2"
        page.select_option("#book select[name=slot]", str(nine.pk))
        page.fill("#book input[name=account]", scene.customer.account_no)
        page.fill("#book input[name=phone]", PHONE)
        page.click("#book button")
        page.wait_for_selector(".msg.success")
        row = page.locator("tr[data-reference]")
        assert row.count() == 1
        assert "09:00" in row.inner_text()
        assert page.locator(f'.slot[data-slot="{nine.pk}"]').get_attribute("data-free") == "1"
        page.screenshot(path=str(SCREENSHOTS / "appointments-booked.png"), full_page=True)

        row.locator("form.move select").select_option(str(one.pk))
        row.locator("form.move button").click()
        page.wait_for_selector(".msg.success")
        moved = page.locator("tr[data-reference]")
        assert "13:00" in moved.inner_text()
        assert page.locator(f'.slot[data-slot="{one.pk}"]').get_attribute("class") == "slot full"
        page.screenshot(path=str(SCREENSHOTS / "appointments-moved.png"), full_page=True)
        assert page.locator("html").get_attribute("lang") == "zh-hans"

        # The console's widget (the lead mounts it on the console), here on a bare element.
        page.evaluate(
            "document.querySelector('main').insertAdjacentHTML('beforeend', '<div id=w></div>')"
        )
        page.add_script_tag(url="/static/appointments/book.js")
        page.evaluate(
            "AppointmentBook.mount(document.getElementById('w'),"
            f" {{phone: '{PHONE}', premiseId: {scene.premise.pk}, customerId: {scene.customer.pk},"
            " name: '王芳'})"
        )
        page.click(f'#w button[data-slot="{nine.pk}"]')
        page.click("#w .appointment-book > button")
        page.wait_for_function(
            "document.querySelector('#w .appointment-said').textContent.includes('AP-')"
        )
        page.wait_for_selector(f'#w button[data-slot="{nine.pk}"]')  # the slots, read again
        page.screenshot(path=str(SCREENSHOTS / "appointments-widget.png"), full_page=True)

        token = off_loop(lambda: Appointment.objects.order_by("pk").first().token)  # type: ignore[union-attr]
        page.goto(f"{live_server.url}/my-appointment/{token}/")
        assert "13:00" in page.locator(".when").inner_text()
        page.screenshot(path=str(SCREENSHOTS / "appointments-mine.png"), full_page=True)
        assert not failures, failures
    moved_one, widget_one = Appointment.objects.order_by("pk")
    assert (moved_one.slot_id, moved_one.status, moved_one.customer) == (
        one.pk,
        "moved",
        scene.customer,
    )
    assert (widget_one.slot_id, widget_one.premise, widget_one.created_by.username) == (  # type: ignore[union-attr]
        nine.pk,
        scene.premise,
        "taker",
    )
