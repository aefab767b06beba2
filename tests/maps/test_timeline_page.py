"""The timeline replay in headless Chromium: the safety manager plays the van from dispatch to
arrival, watches the events light up as it passes them, and scrubs back along the track."""

from datetime import datetime

from playwright.sync_api import Page
from shapely.geometry import LineString, Point

from dispatch.models import IncidentEvent
from tests.browser import SCREENSHOTS, TABLET, WALL, chromium_page, sign_in
from tests.maps.test_timeline import leak_replayed

STATE = "timelineReplay.state()"


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _van(page: Page) -> Point:
    van = page.evaluate(STATE)["vans"][0]
    return Point(van["lng"], van["lat"])


def test_safety_manager_plays_the_track_and_the_events_follow(demo_city: None, live_server) -> None:
    scene = leak_replayed()
    path = f"/incidents/{scene.incident.reference}/timeline"
    track = LineString([(lon, lat) for _at, lon, lat in scene.track])
    events = {
        e.kind: e for e in IncidentEvent.objects.filter(work_order=scene.work_order).order_by("-at")
    }  # the first of each kind
    en_route, arrival = events["work_order.en_route"], events["work_order.arrival_detected"]
    mid_drive = scene.track[len(scene.track) // 2]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    with chromium_page(WALL) as (page, failures):
        sign_in(page, live_server.url, "safety", path)
        page.wait_for_selector(".replay[data-ready]")
        # The crew assigned shares its second with the status and SLA events it caused: the
        # one chosen is the one lit.
        assigned = events["work_order.assigned"]
        page.click(f"#ev-{assigned.id} .ev-go")
        assert page.evaluate(STATE)["current"] == assigned.id
        # Choosing an event jumps the replay to it: the van is where it set off from.
        page.click(f"#ev-{en_route.id} .ev-go")
        assert page.evaluate(STATE)["current"] == en_route.id
        assert page.get_attribute(f"#ev-{en_route.id}", "aria-current") == "step"
        start = _van(page)
        assert start.distance(Point(track.coords[0])) < 1e-9

        page.select_option("#rp-speed", "30")
        page.click("#rp-play")
        page.wait_for_function(
            f"(p) => {{ const v = {STATE}.vans[0]; return v.lat !== p[1] || v.lng !== p[0]; }}",
            arg=list(start.coords[0]),
        )
        moving = _van(page)
        assert moving.distance(start) > 0
        assert track.distance(moving) < 1e-7  # along the recorded track, not across blocks
        page.screenshot(path=SCREENSHOTS / "timeline-wall-playing.png")
        # Playing on, the replay reaches the arrival and lights it in the list.
        page.wait_for_function(f"{STATE}.t >= {_ms(arrival.at)}", timeout=8000)
        page.click("#rp-play")  # pause
        state = page.evaluate(STATE)
        assert not state["playing"]
        assert state["current"] != en_route.id
        lit = page.locator("li.ev.is-current")
        assert lit.count() == 1
        assert int(lit.get_attribute("data-t") or 0) >= _ms(arrival.at)
        assert (
            Point(state["vans"][0]["lng"], state["vans"][0]["lat"]).distance(
                Point(track.coords[-1])
            )
            < 1e-9
        )

        # The scrub slider takes it back to the middle of the drive.
        seconds = round((mid_drive[0] - scene.t0).total_seconds())
        page.fill("#rp-slider", str(seconds))
        assert _van(page).distance(Point(mid_drive[1], mid_drive[2])) < 1e-9
        assert page.evaluate(STATE)["current"] == en_route.id
        assert page.locator(f"#ev-{arrival.id}.is-future").count() == 1
        page.screenshot(path=SCREENSHOTS / "timeline-wall.png")
        # On paper: every event and the report, without the map and its controls.
        page.emulate_media(media="print")
        assert page.is_hidden(".rp-mapside")
        assert page.locator("li.ev").last.is_visible()
        page.screenshot(path=SCREENSHOTS / "timeline-print.png", full_page=True)
        assert failures == []

    with chromium_page(TABLET) as (page, failures):
        sign_in(page, live_server.url, "safety", path)
        page.wait_for_selector(".replay[data-ready]")
        page.fill("#rp-slider", str(seconds))
        assert track.distance(_van(page)) < 1e-7
        page.screenshot(path=SCREENSHOTS / "timeline-tablet.png", full_page=True)
        assert failures == []
