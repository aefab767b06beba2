"""The fleet simulator, run as a real process against the test database and Mosquitto."""

import itertools
import json
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from io import StringIO
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from django.conf import settings
from django.contrib.gis.db.models.functions import Distance
from django.core.management import CommandError, call_command
from django.db import connection

from demo.crews import demo_crews_load
from demo.simulator import roaming_fixes
from dispatch.models import Incident, WorkOrder
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.work_orders import work_order_dispatch
from fleet.models import Vehicle
from fleet.mqtt import mqtt_client, topic
from fleet.roads import road_graph
from gis.models import OrgUnit, Premise
from tests.processes import Process, django_command, wait_until

OWNTRACKS_FIELDS = {"_type", "lat", "lon", "tst", "acc", "vel", "cog", "batt", "tid", "t", "conn"}
OFF_ROAD_M = 50.0  # a van parks up to 25 m off the street; a premise stands back from it


def _city() -> dict[str, OrgUnit]:
    call_command("make_demo_city", "--premises", "300", "--no-progress", stdout=StringIO())
    return {u.code: u for u in OrgUnit.objects.all()}


@pytest.fixture
def job(transactional_db: None) -> WorkOrder:
    """A small city, three crews with vans, and a job for the first crew across town."""
    units = _city()
    demo_crews_load(count=3, seed=5)
    dispatcher = user_create(
        username="disp", password="pw", role=Role.DISPATCHER, org_unit=units["gx-city"]
    )
    van = Vehicle.objects.order_by("id").select_related("crew").first()
    assert van is not None
    assert van.crew is not None
    # The premise farthest from the van: the longest drive there is.
    far = Premise.objects.annotate(d=Distance("geom", van.last_point)).order_by("-d").first()
    assert far is not None
    call = call_receive(
        data=CallInput(category="leak_outdoor", premise_id=far.id), taker=dispatcher
    )
    incident = call_open_incident(call_id=call.id, actor=dispatcher)
    return work_order_dispatch(incident_id=incident.id, crew_id=van.crew.id, actor=dispatcher)


@pytest.fixture
def received() -> Iterator[list[dict[str, Any]]]:
    """Every OwnTracks message under this run's topic prefix, as it arrives."""
    messages: list[dict[str, Any]] = []
    subscribed = threading.Event()
    client = mqtt_client(client_id=f"test-listener-{uuid.uuid4().hex[:8]}")

    def on_message(_c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        messages.append({"topic": message.topic, **json.loads(message.payload)})

    client.on_message = on_message
    client.on_subscribe = lambda *_args: subscribed.set()
    client.connect(settings.MQTT_BROKER_HOST, settings.MQTT_BROKER_PORT)
    client.subscribe(topic("owntracks/+/van"), qos=1)
    client.loop_start()
    try:
        assert subscribed.wait(10), "no SUBACK from the broker"
        yield messages
    finally:
        client.disconnect()
        client.loop_stop()


def _simulate(process_env: dict[str, str], running: list[Process], *args: str) -> Process:
    process = django_command("simulate_fleet", "--seed", "3", *args, env=process_env)
    running.append(process)
    return process


def _by_van(messages: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    vans: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for message in messages:
        vans[message["topic"].split("/")[-2]].append(message)
    return vans


def _metres_off_road(fixes: list[dict[str, Any]]) -> list[float]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT (SELECT min(ST_Distance(ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326)
                                              ::geography, r.geom::geography))
                       FROM network_road r)
               FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS u(lon, lat, n)
               ORDER BY u.n""",
            [[f["lon"] for f in fixes], [f["lat"] for f in fixes]],
        )
        return [row[0] for row in cursor.fetchall()]


def _metres(a: tuple[float, float], b: Any) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Distance(ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, "
            "ST_GeomFromEWKB(%s)::geography)",
            [a[0], a[1], bytes(b.ewkb)],
        )
        return float(cursor.fetchone()[0])


def _assert_owntracks_locations(fixes: list[dict[str, Any]]) -> None:
    for fix in fixes:
        assert set(fix) - {"topic"} == OWNTRACKS_FIELDS, fix
        assert (fix["_type"], fix["t"], fix["conn"]) == ("location", "t", "m")
        assert all(isinstance(fix[k], float) for k in ("lat", "lon")), fix
        assert all(type(fix[k]) is int for k in ("tst", "acc", "vel", "cog", "batt")), fix
        assert 0 <= fix["cog"] < 360, fix
        assert 0 <= fix["batt"] <= 100, fix
        assert fix["vel"] >= 0, fix
        assert isinstance(fix["tid"], str), fix
        assert len(fix["tid"]) == 2, fix


def test_vans_publish_owntracks_fixes_on_the_roads_and_drive_to_their_job(
    job: WorkOrder,
    received: list[dict[str, Any]],
    process_env: dict[str, str],
    running: list[Process],
) -> None:
    van = Vehicle.objects.get(crew=job.crew)
    process = _simulate(
        process_env,
        running,
        *("--vans", "2", "--duration", "4", "--rate", "1", "--speed-factor", "10"),
    )
    wait_until(lambda: not process.alive(), timeout=30, what="the simulator to finish")
    assert process.popen.returncode == 0, process.output()
    vans = _by_van(received)
    first_two = Vehicle.objects.order_by("id").values_list("device_id", flat=True)[:2]
    assert set(vans) == set(first_two)  # --vans 2: the first two by id
    assert all(len(fixes) >= 3 for fixes in vans.values()), {k: len(v) for k, v in vans.items()}
    _assert_owntracks_locations(received)
    for fixes in vans.values():
        tsts = [fix["tst"] for fix in fixes]
        assert all(a < b for a, b in itertools.pairwise(tsts)), tsts  # one fix a second at most
    off_road = _metres_off_road(received)
    assert max(off_road) <= OFF_ROAD_M, off_road
    assert sorted(off_road)[len(off_road) // 2] < 1.0, off_road  # most on the road itself
    incident = Incident.objects.get(pk=job.incident_id)
    last = vans[van.device_id][-1]
    assert van.last_point is not None
    start_m = _metres((van.last_point.x, van.last_point.y), incident.point)
    assert _metres((last["lon"], last["lat"]), incident.point) < start_m - 100
    job.refresh_from_db()
    assert job.status == WorkOrder.Status.ASSIGNED  # without --respond the crew never answers
    assert "simulate_fleet: 2 vans (1 on a job)" in process.output()


def test_a_responding_crew_accepts_its_job_then_sets_off(
    job: WorkOrder,
    received: list[dict[str, Any]],
    process_env: dict[str, str],
    running: list[Process],
) -> None:
    process = _simulate(process_env, running, "--respond", "--respond-after", "1")

    def status() -> str:
        job.refresh_from_db()
        return job.status

    wait_until(lambda: status() == WorkOrder.Status.EN_ROUTE, timeout=20, what="en route")
    assert process.stop(timeout=10) == 0, process.output()  # SIGTERM stops it cleanly
    assert "SIGTERM received, stopping" in process.output()
    steps = job.events.filter(kind__startswith="work_order.").order_by("at", "id")
    assert [e.kind for e in steps] == [
        "work_order.assigned",
        "work_order.accepted",
        "work_order.en_route",
    ]
    answers = steps[1:]
    assert all((e.actor_id, e.actor_label) == (None, "simulator") for e in answers)
    assert all(e.client_event_id for e in answers)
    assert received, "it published while it answered"


def test_missing_roads_or_vans_are_named_with_the_command_to_run(db: None) -> None:
    with pytest.raises(CommandError, match=r"no roads loaded: run `manage.py make_demo_city`"):
        call_command("simulate_fleet", "--duration", "1")
    _city()
    with pytest.raises(CommandError, match=r"no vans .* run `manage.py make_demo_crews`"):
        call_command("simulate_fleet", "--duration", "1")
    with pytest.raises(CommandError, match="--rate is at most 1"):
        call_command("simulate_fleet", "--rate", "2")


def test_roaming_fixes_for_a_bench_stay_on_the_roads_and_repeat_for_a_seed(db: None) -> None:
    _city()
    graph = road_graph()

    def first(n: int) -> list[tuple[str, bytes]]:
        fixes = roaming_fixes(graph=graph, count=4, seed=9, start_epoch=1_800_000_000.0)
        return list(itertools.islice(fixes, n))

    taken = first(4 * 30)  # 30 s of four vans at one fix a second
    assert taken == first(4 * 30)
    fixes = [json.loads(payload) for _device, payload in taken]
    _assert_owntracks_locations(fixes)
    assert max(_metres_off_road(fixes)) < 1.0  # roaming starts and ends on roads
    per_van: dict[str, list[int]] = defaultdict(list)
    for (device, _payload), fix in zip(taken, fixes, strict=True):
        per_van[device].append(fix["tst"])
    assert len(per_van) == 4
    assert all(all(a < b for a, b in itertools.pairwise(t)) for t in per_van.values())
    assert sum(fix["vel"] > 0 for fix in fixes) > len(fixes) / 2  # they drive, not park
