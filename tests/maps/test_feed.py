"""The map wall's delta feed and the network tiles, over HTTP against real PostGIS."""

import math
import random
import time
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.counters import counters_all
from dispatch.models import Crew, Incident, User
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.isolation import incident_isolation_trace
from dispatch.services.work_orders import work_order_dispatch, work_order_transition
from fleet.models import Vehicle
from gis.models import OrgUnit, PipeSegment, Premise
from maps.feed_log import feed_log


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _open_incident(premise: Premise, category: str = "leak_outdoor") -> Incident:
    dispatcher = User.objects.get(username="dispatcher")
    call = call_receive(data=CallInput(category=category, premise_id=premise.id), taker=dispatcher)
    return call_open_incident(call_id=call.id, actor=dispatcher)


# The newest transaction that stamped a row the wall shows.
NEWEST_STAMP = """
SELECT greatest(
  (SELECT max(map_xid) FROM dispatch_incident), (SELECT max(map_xid) FROM dispatch_workorder),
  (SELECT max(map_xid) FROM dispatch_incidentdeadline),
  (SELECT max(map_xid) FROM dispatch_incidentisolation),
  (SELECT max(map_xid) FROM dispatch_crew), (SELECT max(map_xid) FROM fleet_vehicle)
) < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"""


def _settled() -> None:
    """Wait until no transaction older than this database's last write runs anywhere in the
    cluster. The cursor is the cluster's oldest running transaction, so while another test
    worker holds one open (its test's transaction) a poll rightly re-sends what this test
    wrote after it; a test that asserts "nothing changed" must first let that one end."""
    deadline = time.monotonic() + 180
    with connection.cursor() as cursor:
        while True:
            cursor.execute(NEWEST_STAMP)
            if cursor.fetchone()[0]:
                return
            assert time.monotonic() < deadline, "a transaction elsewhere stayed open 3 minutes"
            time.sleep(0.2)


def _features(body: dict) -> dict[str, dict]:
    return {f["id"]: f for f in body["features"]}


@pytest.fixture
def premise(demo_city: None) -> Premise:
    found = Premise.objects.filter(service_segment__isnull=False).order_by("asset_id").first()
    assert found is not None
    return found


def test_the_first_answer_has_every_live_feature_then_only_what_changed(premise: Premise) -> None:
    incident = _open_incident(premise)
    closed = _open_incident(Premise.objects.exclude(pk=premise.pk).order_by("asset_id")[5])
    Incident.objects.filter(pk=closed.pk).update(status=Incident.Status.CLOSED)
    wall = _client("dispatcher")
    _settled()

    first = wall.get("/maps/feed")
    assert first.status_code == 200
    body = first.json()
    assert body["full"] is True
    features = _features(body)
    assert f"incident:{incident.pk}" in features
    assert f"incident:{closed.pk}" not in features  # a closed incident is not on a wall
    shown = features[f"incident:{incident.pk}"]["properties"]
    assert shown["ref"] == incident.reference
    assert shown["removed"] is False
    assert shown["deadlines"]
    assert shown["work_orders"] is None
    vans = [f for f in body["features"] if f["properties"]["kind"] == "van"]
    assert len(vans) == Vehicle.objects.filter(last_point__isnull=False).count() == 20

    # Nothing changed: 304 to the ETag, an empty answer without it.
    cursor, etag = body["cursor"], first["ETag"]
    assert wall.get("/maps/feed", {"since": cursor}, HTTP_IF_NONE_MATCH=etag).status_code == 304
    empty = wall.get("/maps/feed", {"since": cursor}).json()
    assert empty["features"] == []
    assert empty["cursor"] == cursor

    # A van moves, a crew is sent: only those come, and the incident carries its crew.
    van = Vehicle.objects.select_related("crew").order_by("device_id").first()
    assert van is not None
    Vehicle.objects.filter(pk=van.pk).update(last_point=Point(premise.geom.x, premise.geom.y))
    assert van.crew is not None
    assert van.crew_id is not None
    work_order_dispatch(
        incident_id=incident.pk, actor=User.objects.get(username="dispatcher"), crew_id=van.crew_id
    )
    delta = wall.get("/maps/feed", {"since": cursor}, HTTP_IF_NONE_MATCH=etag)
    assert delta.status_code == 200
    changed = _features(delta.json())
    assert delta.json()["full"] is False
    assert f"van:{van.pk}" in changed
    assert changed[f"van:{van.pk}"]["geometry"]["coordinates"] == [
        round(premise.geom.x, 6),
        round(premise.geom.y, 6),
    ]
    assert changed[f"van:{van.pk}"]["properties"]["job"]["ref"] == incident.reference
    crews = changed[f"incident:{incident.pk}"]["properties"]["work_orders"]
    assert [w["crew"] for w in crews] == [van.crew.name]
    untouched = Vehicle.objects.exclude(pk=van.pk).first()
    assert untouched is not None
    assert f"van:{untouched.pk}" not in changed
    assert int(delta.json()["cursor"]) >= int(cursor)


def test_a_closed_incident_leaves_the_wall_and_an_isolation_area_comes_with_its_trace(
    premise: Premise,
) -> None:
    incident = _open_incident(premise)
    wall = _client("dispatcher")
    cursor = wall.get("/maps/feed").json()["cursor"]

    incident_isolation_trace(incident_id=incident.pk, actor=None)
    traced = _features(wall.get("/maps/feed", {"since": cursor}).json())
    area = traced[f"isolation:{incident.pk}"]
    assert area["geometry"]["type"] == "MultiPolygon"
    assert area["properties"]["valves_to_close"] >= 1
    assert f"incident:{incident.pk}" in traced  # re-sent: it is the same story

    cursor = wall.get("/maps/feed", {"since": cursor}).json()["cursor"]
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.CLOSED)
    gone = _features(wall.get("/maps/feed", {"since": cursor}).json())
    assert gone[f"incident:{incident.pk}"]["properties"]["removed"] is True
    assert gone[f"isolation:{incident.pk}"]["properties"]["removed"] is True


def test_a_change_committed_after_a_poll_by_an_older_transaction_is_not_missed(
    premise: Premise,
) -> None:
    """The feed's cursor is the oldest transaction still running when it read: a write by a
    transaction that began before a poll and commits after it still comes in the next one."""
    import threading

    from django.db import connections

    wall = _client("dispatcher")
    _settled()  # the cursor past every row written so far, whatever runs elsewhere
    cursor = wall.get("/maps/feed").json()["cursor"]
    van = Vehicle.objects.order_by("device_id").first()
    assert van is not None
    written, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                Vehicle.objects.filter(pk=van.pk).update(speed_kmh=42)
                written.set()
                release.wait(10)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert written.wait(10)
    during = wall.get("/maps/feed", {"since": cursor}).json()  # the write is not visible yet
    assert f"van:{van.pk}" not in _features(during)
    release.set()
    assert done.wait(10)
    thread.join()
    after = _features(wall.get("/maps/feed", {"since": during["cursor"]}).json())
    assert after[f"van:{van.pk}"]["properties"]["speed_kmh"] == 42


def test_the_station_filter_shows_one_station_and_refuses_one_outside_the_users_unit(
    premise: Premise,
) -> None:
    incident = _open_incident(premise)
    other = OrgUnit.objects.filter(
        tier=OrgUnit.Tier.STATION, parent_id=incident.station.parent_id
    ).exclude(pk=incident.station_id)  # a station of the same (gas) company
    other_station = other.order_by("code").first()
    assert other_station is not None
    wall = _client("dispatcher")  # of the city company: every station beneath it

    own = _features(wall.get("/maps/feed", {"station": incident.station_id}).json())
    assert f"incident:{incident.pk}" in own
    assert all(
        f["properties"]["station"] == incident.station_id
        for f in own.values()
        if f["properties"]["kind"] in ("incident", "van")
    )
    elsewhere = _features(wall.get("/maps/feed", {"station": other_station.pk}).json())
    assert f"incident:{incident.pk}" not in elsewhere

    supervisor = _client("supervisor")  # of one station only
    group = OrgUnit.objects.get(code="gx-group")
    refused = supervisor.get("/maps/feed", {"station": group.pk})
    assert refused.status_code == 403
    assert "not within your organisation" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("params", "words"),
    [({"since": "yesterday"}, "cursor"), ({"since": "-3"}, "cursor"), ({"station": "x"}, "unit")],
)
def test_bad_parameters_get_a_400_that_says_what_is_wrong(
    demo_city: None, params: dict[str, str], words: str
) -> None:
    response = _client("dispatcher").get("/maps/feed", params)
    assert response.status_code == 400
    assert words in response.json()["detail"]


def test_the_feed_is_for_the_control_room(demo_city: None) -> None:
    assert Client().get("/maps/feed").status_code == 401
    assert _client("crew").get("/maps/feed").status_code == 403
    assert _client("safety").get("/maps/feed").status_code == 403
    for role in ("calltaker", "dispatcher", "supervisor", "admin"):
        assert _client(role).get("/maps/feed").status_code == 200, role


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_network_tiles_carry_the_mains_inside_them_by_zoom(demo_city: None) -> None:
    low = PipeSegment.objects.filter(pressure_class="low").order_by("asset_id").first()
    high = PipeSegment.objects.exclude(pressure_class="low").order_by("asset_id").first()
    assert low is not None
    assert high is not None
    client = _client("dispatcher")
    point = low.geom.interpolate(low.geom.length / 2)

    x, y = _tile_of(point.x, point.y, 16)
    close = client.get(f"/maps/tiles/network/16/{x}/{y}.pbf")
    assert close.status_code == 200
    assert close["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert b"mains" in close.content
    assert low.asset_id.encode() in close.content
    assert b"valves" in close.content or b"premises" in close.content

    x, y = _tile_of(point.x, point.y, 11)  # a whole district: no low-pressure mains
    far = client.get(f"/maps/tiles/network/11/{x}/{y}.pbf")
    assert far.status_code == 200
    assert low.asset_id.encode() not in far.content

    lon, lat = high.geom.coords[0]
    hx, hy = _tile_of(lon, lat, 16)
    elsewhere = client.get(f"/maps/tiles/network/16/{hx + 40}/{hy + 40}.pbf")  # beyond the city
    assert elsewhere.status_code == 200
    assert elsewhere.content == b""

    again = client.get(f"/maps/tiles/network/16/{x}/{y}.pbf", HTTP_IF_NONE_MATCH=far["ETag"])
    assert again.status_code == 200  # another tile: its own ETag
    same = client.get(f"/maps/tiles/network/11/{x}/{y}.pbf", HTTP_IF_NONE_MATCH=far["ETag"])
    assert same.status_code == 304


def test_a_tile_that_cannot_exist_is_refused_and_tiles_need_a_map_role(demo_city: None) -> None:
    client = _client("dispatcher")
    refused = client.get("/maps/tiles/network/3/8/0.pbf")
    assert refused.status_code == 400
    assert "2^z" in refused.json()["detail"]
    assert Client().get("/maps/tiles/network/3/1/1.pbf").status_code == 401
    assert _client("crew").get("/maps/tiles/network/3/1/1.pbf").status_code == 403
    assert _client("safety").get("/maps/tiles/network/3/1/1.pbf").status_code == 200


def test_work_order_status_and_crew_changes_resend_the_van(premise: Premise) -> None:
    incident = _open_incident(premise)
    crew = Crew.objects.order_by("name").first()
    assert crew is not None
    dispatcher = User.objects.get(username="dispatcher")
    work_order = work_order_dispatch(incident_id=incident.pk, actor=dispatcher, crew_id=crew.pk)
    wall = _client("dispatcher")
    cursor = wall.get("/maps/feed").json()["cursor"]
    work_order_transition(
        work_order_id=work_order.pk,
        to="accepted",
        actor=None,
        device_time=timezone.now() - timedelta(seconds=1),
    )
    changed = _features(wall.get("/maps/feed", {"since": cursor}).json())
    van = crew.vehicle
    assert changed[f"van:{van.pk}"]["properties"]["job"]["status"] == "accepted"


def _asked_database(client: Client, query: dict) -> tuple[dict, bool]:
    """The answer, and whether building it asked PostgreSQL for features or changes."""
    with CaptureQueriesContext(connection) as sent:
        response = client.get("/maps/feed", query)
    assert response.status_code == 200
    asked = any(
        "map_xid" in q["sql"] or "pg_snapshot_xmin" in q["sql"] for q in sent.captured_queries
    )
    return response.json(), asked


def _after_ticks() -> None:
    time.sleep(0.6)  # the builder (0.25 s tick) has extended the log at least twice


def _from_log(client: Client, query: dict, wanted: set[str]) -> dict:
    """The log's answer once it holds `wanted`, each poll answered from memory: waited for,
    not slept on (two test workers share the cores, and a tick may come late)."""
    deadline = time.monotonic() + 15
    while True:
        answer, asked = _asked_database(client, query)
        assert not asked  # from memory: the builder asked once for every wall
        if wanted <= set(_features(answer)) or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


def test_walls_are_answered_from_the_log_one_builder_keeps(
    premise: Premise, feed_log_as_shipped: None
) -> None:
    vans = list(Vehicle.objects.order_by("device_id")[:3])
    first, second, other_unit = _client("dispatcher"), _client("dispatcher"), _client("supervisor")
    opened, asked = _asked_database(first, {})  # the full answer starts the log
    assert asked
    start = opened["cursor"]
    # A wall opened in the same tick gets the same full answer, not built again.
    also, asked = _asked_database(second, {})
    assert not asked
    assert also == opened
    other_start = other_unit.get("/maps/feed").json()["cursor"]  # another station set: its own
    _after_ticks()
    Vehicle.objects.filter(pk=vans[0].pk).update(speed_kmh=11)
    _settled()  # so the log's next cursor is past this write (asserted below)
    _after_ticks()
    answer = _from_log(first, {"since": start}, {f"van:{vans[0].pk}"})
    assert answer["full"] is False
    assert answer["server_time"]
    assert _features(answer)[f"van:{vans[0].pk}"]["properties"]["speed_kmh"] == 11
    # A second wall on the same cursor gets the same features from the same segments.
    again, asked = _asked_database(second, {"since": start})
    assert not asked
    assert set(_features(again)) == set(_features(answer))
    theirs, asked = _asked_database(other_unit, {"since": other_start})
    assert not asked
    assert theirs["features"] != answer["features"]  # built for their stations

    Vehicle.objects.filter(pk=vans[1].pk).update(speed_kmh=22)
    Vehicle.objects.filter(pk=vans[2].pk).update(speed_kmh=33)
    moved = {f"van:{vans[1].pk}", f"van:{vans[2].pk}"}
    later = _from_log(first, {"since": answer["cursor"]}, moved)
    assert moved <= set(_features(later))
    assert f"van:{vans[0].pk}" not in _features(later)  # sent already, before the cursor
    assert int(later["cursor"]) > int(answer["cursor"])
    # Nothing since: the ETag names the cursor, and the wall is told nothing changed.
    unchanged = first.get(
        "/maps/feed",
        {"since": later["cursor"]},
        headers={"if-none-match": f'"all.{later["cursor"]}"'},
    )
    assert unchanged.status_code == 304

    # A cursor older than the log (a wall back from sleep) is answered by PostgreSQL itself.
    old, asked = _asked_database(first, {"since": int(start) - 1})
    assert asked
    assert {f"van:{v.pk}" for v in vans} <= set(_features(old))
    # So is one newer than the log, which PostgreSQL refuses when no snapshot could be
    # that new: kept, it would have read "nothing changed" for ever.
    _cursor_ahead_is_refused(first, int(later["cursor"]))


def test_a_log_ahead_of_the_database_is_dropped_and_walls_start_a_new_one(
    premise: Premise, feed_log_as_shipped: None
) -> None:
    wall = _client("dispatcher")
    cursor = wall.get("/maps/feed").json()["cursor"]  # starts the log for every station
    (key,) = feed_log._logs
    with feed_log._lock:  # as after a database restore under this process
        feed_log._logs[key].end += 1_000_000
    # Dropped by the builder's next ticks, not failing every tick for ever (waited for, not
    # slept on: two test workers share the machine's cores, and a tick may come late).
    deadline = time.monotonic() + 10
    while key in feed_log._logs and time.monotonic() < deadline:
        time.sleep(0.05)
    assert key not in feed_log._logs
    assert wall.get("/maps/feed", {"since": cursor}).status_code == 200
    fresh = wall.get("/maps/feed").json()  # a wall starting again starts a new log
    assert fresh["full"] is True
    # A new log, no longer ahead (other writers in the cluster may move the cursor on).
    assert int(cursor) <= feed_log._logs[key].start <= feed_log._logs[key].end
    assert feed_log._logs[key].end <= int(fresh["cursor"])


def test_a_cursor_ahead_of_every_snapshot_is_refused_not_kept(premise: Premise) -> None:
    client = _client("dispatcher")
    cursor = int(client.get("/maps/feed").json()["cursor"])
    _cursor_ahead_is_refused(client, cursor)


def _cursor_ahead_is_refused(client: Client, cursor: int) -> None:
    refused_before = counters_all().get("maps.feed.cursor_ahead", 0)
    ahead = client.get("/maps/feed", {"since": cursor + 1_000_000})
    assert ahead.status_code == 400
    assert "poll again without since" in ahead.json()["detail"]
    assert counters_all()["maps.feed.cursor_ahead"] == refused_before + 1
    # The wall's own cursor still works, and starting again without one gives everything.
    assert client.get("/maps/feed", {"since": cursor}).status_code == 200
    assert client.get("/maps/feed").json()["full"] is True


def test_vans_moving_while_walls_poll_reach_every_wall(
    premise: Premise, feed_log_as_shipped: None
) -> None:
    """Writes and polls interleaved at random: each wall, following its own cursors, ends
    with every van's last speed, whichever segments its polls fell on."""
    vans = list(Vehicle.objects.order_by("device_id")[:5])
    walls = [_client("dispatcher") for _ in range(3)]
    cursors = [w.get("/maps/feed").json()["cursor"] for w in walls]
    seen: list[dict[str, int]] = [{} for _ in walls]
    rng = random.Random(5)
    last: dict[str, int] = {}
    for step in range(40):
        van = rng.choice(vans)
        Vehicle.objects.filter(pk=van.pk).update(speed_kmh=step)
        last[f"van:{van.pk}"] = step
        n = rng.randrange(len(walls))
        body = walls[n].get("/maps/feed", {"since": cursors[n]}).json()
        cursors[n] = body["cursor"]
        seen[n] |= {k: f["properties"]["speed_kmh"] for k, f in _features(body).items()}
        time.sleep(rng.random() * 0.15)
    _after_ticks()
    for n, wall in enumerate(walls):
        body = wall.get("/maps/feed", {"since": cursors[n]}).json()
        seen[n] |= {k: f["properties"]["speed_kmh"] for k, f in _features(body).items()}
        assert {k: seen[n].get(k) for k in last} == last
