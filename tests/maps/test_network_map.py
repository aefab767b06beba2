"""The supervisors' network map: who opens it, and what a click on it finds."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from playwright.sync_api import expect

from dispatch.models import User
from gis.models import PipeSegment, Premise, Source, Valve
from maps.network_map import TILES_URL
from tests.browser import SCREENSHOTS, TABLET, WALL, chromium_page, sign_in

AT = "/maps/network/at"


@pytest.fixture
def city(db: None) -> None:
    """The demo city (its gas network: these clicks are about gas mains, heat pipes would lie
    beside them) and the demo logins, rolled back after each test."""
    call_command(
        "make_demo_city",
        "--premises",
        "2000",
        "--no-progress",
        "--utilities",
        "gas",
        stdout=StringIO(),
    )
    call_command("load_demo", stdout=StringIO())


def _as(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


# The middle of an in-service main well clear of every valve, station, premise and other
# main: a click there can only mean that main.
_CLEAR_MIDPOINT = """
SELECT s.id, ST_X(s.m), ST_Y(s.m) FROM (
  SELECT id, geom, ST_LineInterpolatePoint(geom, 0.5) AS m FROM network_pipesegment
  WHERE pressure_class = %(pressure)s AND status = 'in_service') s
WHERE NOT EXISTS (SELECT 1 FROM network_valve v
                  WHERE ST_DWithin(v.geom::geography, s.m::geography, 40))
  AND NOT EXISTS (SELECT 1 FROM network_source o
                  WHERE ST_DWithin(o.geom::geography, s.m::geography, %(station_m)s))
  AND NOT EXISTS (SELECT 1 FROM network_premise p
                  WHERE ST_DWithin(p.geom::geography, s.m::geography, 25))
  AND NOT EXISTS (SELECT 1 FROM network_pipesegment o
                  WHERE o.id <> s.id AND ST_DWithin(o.geom::geography, s.m::geography, 30))
ORDER BY s.id LIMIT 1
"""


def _clear_midpoint(pressure: str, station_m: float = 60) -> tuple[PipeSegment, float, float]:
    with connection.cursor() as cursor:
        cursor.execute(_CLEAR_MIDPOINT, {"pressure": pressure, "station_m": station_m})
        row = cursor.fetchone()
    assert row is not None, f"the demo city has a {pressure}-pressure main to click"
    return PipeSegment.objects.get(pk=row[0]), row[1], row[2]


def _moved(lon: float, lat: float, metres: float) -> tuple[float, float]:
    """A point `metres` due north, measured on the spheroid by PostGIS."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(p::geometry), ST_Y(p::geometry) FROM ST_Project("
            "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s, 0) p",
            [lon, lat, metres],
        )
        return cursor.fetchone()


def _at(client: Client, lon: float, lat: float, zoom: float) -> dict:
    response = client.get(AT, {"lon": str(lon), "lat": str(lat), "zoom": str(zoom)})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("dispatcher", 200),
        ("supervisor", 200),
        ("safety", 200),
        ("admin", 200),
        ("calltaker", 403),
        ("crew", 403),
    ],
)
def test_the_network_map_is_for_those_who_plan(city: None, username: str, status: int) -> None:
    response = _as(username).get("/network/")
    assert response.status_code == status
    if status == 200:
        assert TILES_URL.encode() in response.content
        assert b"maps/network.js" in response.content
    else:
        assert b"The network map is not for your role" in response.content


def test_the_map_needs_a_sign_in_and_the_feed_answers_in_json(city: None) -> None:
    assert Client().get("/network/")["Location"].startswith("/accounts/login/")
    click = {"lon": "117.21", "lat": "39.09", "zoom": "16"}
    anonymous = Client().get(AT, click)
    assert anonymous.status_code == 401
    assert anonymous.json() == {"detail": "sign in first"}
    refused = _as("crew").get(AT, click)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "not for a Crew member"
    assert _as("supervisor").post(AT, {"lon": 117.21}).status_code == 405


def test_a_click_on_a_main_gives_its_record(city: None, django_assert_num_queries) -> None:
    main, lon, lat = _clear_midpoint("medium")
    client = _as("supervisor")
    with django_assert_num_queries(3):  # the session, the user, and one query for the click
        body = _at(client, lon, lat, 17)

    found = body["found"]
    assert found["kind"] == "main"
    assert found["title"] == f"Main {main.asset_id}"
    assert found["properties"]["id"] == main.pk
    rows = dict(found["rows"])
    assert rows["Material"] == main.get_material_display()
    assert rows["Diameter"] == f"{main.diameter_mm} mm"
    assert rows["Pressure class"] == "Medium pressure"
    assert rows["Status"] == "In service"
    assert rows["Installed"] == str(main.install_year)
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_Length(%s::geography)", [main.geom.ewkt])
        assert rows["Length"] == f"{cursor.fetchone()[0]:.0f} m"
    assert found["geometry"]["type"] == "LineString"


def test_a_click_counts_within_a_few_pixels_and_not_beyond(city: None) -> None:
    main, lon, lat = _clear_midpoint("medium")
    client = _as("supervisor")
    tolerance_m = _at(client, lon, lat, 17)["tolerance_m"]  # 6 px at zoom 17: about 5 m

    near = _at(client, *_moved(lon, lat, tolerance_m * 0.6), 17)["found"]
    far = _at(client, *_moved(lon, lat, tolerance_m * 3), 17)

    assert near["properties"]["id"] == main.pk
    assert far["found"] is None
    # Zoomed out, the same few pixels cover more ground: the far click finds the main.
    assert _at(client, *_moved(lon, lat, tolerance_m * 3), 15)["found"]["properties"]["id"] == (
        main.pk
    )


def test_a_valve_on_a_main_wins_where_valves_are_drawn(city: None) -> None:
    seized = Valve.objects.filter(operable=False).order_by("asset_id").first()
    assert seized is not None
    client = _as("supervisor")

    found = _at(client, seized.geom.x, seized.geom.y, 16)["found"]

    assert found["kind"] == "valve"
    assert found["title"] == f"Valve {seized.asset_id}"
    rows = dict(found["rows"])
    assert rows["Operable"] == "no: seized"
    assert rows["Normally open"] == ("yes" if seized.normally_open else "no")
    assert rows["Type"] == seized.get_valve_type_display()
    # Below zoom 15 the tiles carry no valves: the click is on the main beneath.
    assert _at(client, seized.geom.x, seized.geom.y, 14)["found"]["kind"] == "main"


def test_a_station_and_a_premise_are_found_where_drawn(city: None) -> None:
    gate = Source.objects.get(kind=Source.Kind.GATE_STATION)
    client = _as("dispatcher")
    station = _at(client, gate.geom.x, gate.geom.y, 15)["found"]
    assert station["kind"] == "source"
    assert dict(station["rows"])["Kind"] == "Gate station"
    assert dict(station["rows"])["Name"] == gate.name

    building = Premise.objects.exclude(room="").filter(service_segment__isnull=False).first()
    assert building is not None
    # Flats of one building share its point: the first by asset id stands for them all.
    flats = Premise.objects.filter(geom__equals=building.geom).order_by("asset_id")
    flat = flats[0]
    premise = _at(client, flat.geom.x, flat.geom.y, 18)["found"]
    assert premise["kind"] == "premise"
    rows = dict(premise["rows"])
    assert rows["Address"] == flat.full_text
    assert rows["Same address point"] == f"{flats.count() - 1} more premises"
    assert flat.service_segment is not None
    assert rows["Service main"] == flat.service_segment.asset_id
    # Premises are drawn from zoom 17 on; at 16 a click there finds no premise.
    zoomed_out = _at(client, flat.geom.x, flat.geom.y, 16)["found"]
    assert zoomed_out is None or zoomed_out["kind"] != "premise"


def test_low_pressure_mains_are_found_only_where_the_tiles_draw_them(city: None) -> None:
    # Zoomed out to 13, a station's 8-pixel symbol covers over 100 m: keep well clear of one.
    main, lon, lat = _clear_midpoint("low", station_m=200)
    client = _as("supervisor")
    assert _at(client, lon, lat, 13)["found"]["properties"]["id"] == main.pk
    at_12 = _at(client, lon, lat, 12)["found"]
    assert at_12 is None or at_12["kind"] != "main" or at_12["properties"]["id"] != main.pk
    found_low = at_12 is not None and at_12["kind"] == "main"
    assert not (found_low and at_12["properties"]["pressure_class"] == "low")


def test_a_click_off_the_network_finds_nothing(city: None) -> None:
    body = _at(_as("supervisor"), 117.30, 39.12, 17)
    assert body["found"] is None
    assert body["tolerance_m"] > 0


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"lat": "39.09", "zoom": "16"}, "lon", "lon is required"),
        ({"lon": "117.21", "zoom": "16"}, "lat", "lat is required"),
        ({"lon": "117.21", "lat": "39.09"}, "zoom", "zoom is required"),
        ({"lon": "east", "lat": "39.09", "zoom": "16"}, "lon", "lon must be a number"),
        ({"lon": "nan", "lat": "39.09", "zoom": "16"}, "lon", "lon must be between -180 and 180"),
        ({"lon": "117.21", "lat": "inf", "zoom": "16"}, "lat", "lat must be between -90 and 90"),
        ({"lon": "117.21", "lat": "95", "zoom": "16"}, "lat", "lat must be between -90 and 90"),
        ({"lon": "-181", "lat": "39.09", "zoom": "16"}, "lon", "lon must be between -180 and 180"),
        ({"lon": "117.21", "lat": "39.09", "zoom": "23"}, "zoom", "zoom must be between 0 and 22"),
        ({"lon": "117.21", "lat": "39.09", "zoom": "-1"}, "zoom", "zoom must be between 0 and 22"),
    ],
)
def test_bad_clicks_are_refused_with_a_message(
    city: None, query: dict, field: str, message: str
) -> None:
    response = _as("supervisor").get(AT, query)
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == field
    assert body["error"].startswith(message)


def test_a_supervisor_clicks_a_main_on_the_network_map(gas_city: None, live_server) -> None:
    main, lon, lat = _clear_midpoint("medium")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, viewport in (("wall", WALL), ("tablet", TABLET)):
        with chromium_page(viewport) as (page, failures):
            sign_in(page, live_server.url, "supervisor", "/network/")
            page.wait_for_selector("#network-map[data-ready]")
            x, y = page.evaluate(
                """([lat, lon]) => {
                  const config = document.getElementById("network-map-config");
                  const map = window[JSON.parse(config.textContent).map];
                  map.setView([lat, lon], 17, {animate: false});
                  const p = map.latLngToContainerPoint([lat, lon]);
                  const box = map.getContainer().getBoundingClientRect();
                  return [box.left + p.x, box.top + p.y];
                }""",
                [lat, lon],
            )
            page.wait_for_timeout(800)  # tiles and roads for the new view
            page.mouse.click(x, y)
            popup = page.locator(".record-popup")
            expect(popup).to_contain_text(f"Main {main.asset_id}")
            expect(popup).to_contain_text("Medium pressure")
            expect(page.locator("#picked")).to_contain_text(main.get_material_display())
            page.wait_for_timeout(400)  # the popup's fade-in
            page.screenshot(path=SCREENSHOTS / f"network-map-{name}.png")
            assert failures == []
