"""The map wall in real headless Chromium: the demo city's network, incidents and vans, a van
moved by a position published over MQTT, a new incident, all without a reload."""

import time

from django.test import Client
from playwright.sync_api import expect

from dispatch.models import Incident, User
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from fleet.models import Vehicle
from gis.models import Premise
from tests.browser import SCREENSHOTS, TABLET, WALL, chromium_page, off_loop, sign_in
from tests.fleet.conftest import mosquitto_pub
from tests.processes import Process

MOVE_WITHIN_S = 2.0
PAINTED_PIXELS = """[...document.querySelectorAll('canvas.leaflet-tile')].reduce((n, c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  for (let i = 3; i < d.length; i += 4) if (d[i]) n += 1;
  return n;
}, 0)"""  # the issue: a published position shows on an open wall within 2 seconds


def _open_incident(premise: Premise, category: str) -> Incident:
    dispatcher = User.objects.get(username="dispatcher")
    call = call_receive(data=CallInput(category=category, premise_id=premise.id), taker=dispatcher)
    return call_open_incident(call_id=call.id, actor=dispatcher)


def test_the_wall_shows_the_city_and_follows_a_van_and_a_new_incident_live(
    demo_city: None, tracker: Process, live_server, feed_log_as_shipped: None
) -> None:
    premises = list(Premise.objects.filter(service_segment__isnull=False).order_by("asset_id"))
    first = _open_incident(premises[0], "leak_indoor")
    van = Vehicle.objects.order_by("device_id").first()
    assert van is not None
    assert van.last_point is not None
    base = live_server.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    with chromium_page(WALL) as (page, failures):
        tiles: list[int] = []
        page.on(
            "response",
            lambda r: tiles.append(r.status) if "/maps/tiles/network/" in r.url else None,
        )
        sign_in(page, base, "dispatcher", "/wall/")
        try:
            page.wait_for_selector("body[data-ready]", state="attached")
        except Exception:
            raise AssertionError(f"the wall never loaded its feed: {failures}") from None
        page.evaluate("window.__sameDocument = true")

        # The network: vector tiles drawn on canvases (pixels painted, not only requested).
        page.wait_for_function(PAINTED_PIXELS + " > 2000")
        assert tiles
        assert set(tiles) <= {200, 304}
        expect(page.locator("#count-vans")).to_have_text("20")
        expect(page.locator("#count-open")).to_have_text("1")
        expect(
            page.locator(f'#list-unassigned li[data-feature="incident:{first.pk}"]')
        ).to_be_visible()
        expect(page.locator(f'#list-risk li[data-feature="incident:{first.pk}"]')).to_contain_text(
            first.reference
        )
        page.screenshot(path=str(SCREENSHOTS / "wall.png"))
        page.evaluate("wallMap.setZoom(13, {animate: false})")  # the whole district: clusters
        expect(page.locator(".marker-cluster").first).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "wall-district.png"))
        page.evaluate("wallMap.setZoom(16, {animate: false})")

        # A fix published over MQTT (by Mosquitto's own client) moves the van on the wall.
        lon, lat = premises[10].geom.x, premises[10].geom.y
        before = page.evaluate(f"window.wall.position('van:{van.pk}')")
        assert before != [round(lat, 6), round(lon, 6)]
        published = time.monotonic()
        mosquitto_pub(
            f"owntracks/{van.device_id}/tablet",
            {"_type": "location", "lat": lat, "lon": lon, "tst": int(time.time()), "cog": 90},
        )
        page.wait_for_function(
            f"(() => {{ const p = window.wall.position('van:{van.pk}');"
            f" return p && Math.abs(p[0] - {lat}) < 1e-5 && Math.abs(p[1] - {lon}) < 1e-5; }})()",
            timeout=int(MOVE_WITHIN_S * 1000),
        )
        moved_after = time.monotonic() - published
        assert moved_after < MOVE_WITHIN_S

        # A new incident appears, in the lists and on the map, without a reload.
        second = off_loop(lambda: _open_incident(premises[20], "leak_outdoor"))
        item = page.locator(f'#list-risk li[data-feature="incident:{second.pk}"]')
        expect(item).to_be_visible(timeout=int(MOVE_WITHIN_S * 1000))
        expect(page.locator("#count-open")).to_have_text("2")
        assert page.evaluate("window.__sameDocument") is True

        # The list takes the dispatcher to it: the map zooms in and opens its popup.
        item.click()
        marker = page.locator(f'.leaflet-marker-icon [data-feature="incident:{second.pk}"]')
        expect(marker).to_be_visible()
        expect(page.locator(".leaflet-popup-content")).to_contain_text(second.reference)
        expect(page.locator(f'.leaflet-marker-icon [data-feature="van:{van.pk}"]')).to_have_count(1)
        page.screenshot(path=str(SCREENSHOTS / "wall-zoomed.png"))

        page.set_viewport_size(TABLET)
        page.wait_for_timeout(500)
        page.screenshot(path=str(SCREENSHOTS / "wall-tablet.png"))
        assert failures == []
    print(f"van moved on the wall {moved_after:.2f} s after mosquitto_pub")


def test_the_wall_is_for_the_control_room(demo_city: None) -> None:
    anonymous = Client().get("/wall/")
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    for username, status in [
        ("calltaker", 200),
        ("dispatcher", 200),
        ("supervisor", 200),
        ("admin", 200),
        ("crew", 403),
        ("safety", 403),
    ]:
        client = Client()
        client.force_login(User.objects.get(username=username))
        response = client.get("/wall/")
        assert response.status_code == status, username
        if status == 403:
            assert "not for your role" in response.content.decode()
    client = Client()
    client.force_login(User.objects.get(username="dispatcher"))
    bad = client.get("/wall/", {"station": "central"})
    assert bad.status_code == 400
    assert "Station must be a unit id" in bad.content.decode()
