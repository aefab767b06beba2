"""Positions in over MQTT (published by Mosquitto's own client), stored by the real tracker."""

import time
from datetime import UTC, datetime

from config.models import Heartbeat
from dispatch.models import WorkOrder
from dispatch.services.work_orders import work_order_dispatch, work_order_transition
from fleet.models import Vehicle, VehiclePosition
from tests.fleet.conftest import Scene, mosquitto_pub
from tests.processes import Process, wait_until


def _counters() -> dict[str, int]:
    row = Heartbeat.objects.filter(component="tracker").order_by("-beat_at").first()
    return row.detail.get("counters", {}) if row else {}


def _location(lat: float, lon: float, tst: int, **more: object) -> dict[str, object]:
    return {"_type": "location", "lat": lat, "lon": lon, "tst": tst, **more}


def test_fixes_from_mosquitto_pub_become_history_and_the_last_position(
    tracker: Process, field_scene: Scene
) -> None:
    van = field_scene.van
    lon, lat = field_scene.premise.geom.x, field_scene.premise.geom.y
    t0 = int(time.time()) - 120
    own = f"owntracks/{van.device_id}/tablet"
    mosquitto_pub(own, _location(lat, lon, t0, vel=36, cog=90, batt=80, acc=5))
    mosquitto_pub(own, _location(lat + 0.001, lon, t0 + 10, vel=40))
    mosquitto_pub(own, _location(lat + 0.001, lon, t0 + 10, vel=40))  # sent twice: one row
    mosquitto_pub(own, _location(lat - 0.005, lon, t0 - 60))  # late from a queue: history only
    mosquitto_pub(own, _location(95.0, lon, t0 + 20))  # not on Earth
    mosquitto_pub(own, {"_type": "location", "lat": lat, "tst": t0 + 30})  # no lon
    mosquitto_pub("owntracks/STRANGER/phone", _location(lat, lon, t0))
    mosquitto_pub(own, {"_type": "lwt", "tst": t0})
    wait_until(lambda: _counters().get("received") == 8, timeout=20, what="8 messages handled")

    counters = _counters()
    assert counters["stored"] == 3
    assert counters["duplicate"] == 1
    assert counters["bad_coordinates"] == 1
    assert counters["missing_field"] == 1
    assert counters["unknown_device"] == 1
    history = list(VehiclePosition.objects.filter(vehicle_id=van.id).order_by("fix_at"))
    assert [p.fix_at.timestamp() for p in history] == [t0 - 60, t0, t0 + 10]
    assert history[1].speed_kmh == 36
    assert history[1].battery == 80
    van = Vehicle.objects.get(pk=van.pk)
    assert van.last_fix_at == datetime.fromtimestamp(t0 + 10, UTC)  # not moved back by t0-60
    assert van.last_point is not None
    assert abs(van.last_point.y - (lat + 0.001)) < 1e-9
    assert van.offline_at is not None  # the last will came after the fixes
    assert tracker.alive()


def test_a_van_driven_into_the_incident_radius_records_its_arrival(
    tracker: Process, field_scene: Scene
) -> None:
    s = field_scene
    work_order = work_order_dispatch(incident_id=s.incident.id, crew_id=s.crew.id, actor=None)
    work_order_transition(
        work_order_id=work_order.id, to="accepted", actor=None, client_event_id="tab-1"
    )
    lon, lat = s.incident.point.x, s.incident.point.y
    own = f"owntracks/{s.van.device_id}/tablet"
    now = int(time.time())
    mosquitto_pub(own, _location(lat + 0.02, lon, now - 30))  # 2 km out: the ETA is refreshed
    wait_until(
        lambda: WorkOrder.objects.get(pk=work_order.id).eta_updated_at is not None,
        timeout=20,
        what="an ETA from the van's position",
    )
    # 33 m away, inside 100 m, and the phone says how sure it is (a fix without acc proves
    # nothing and raises no arrival).
    mosquitto_pub(own, _location(lat + 0.0003, lon, now - 5, acc=8))
    wait_until(
        lambda: WorkOrder.objects.get(pk=work_order.id).status == "on_site",
        timeout=20,
        what="arrival confirmed after the 1 s cancel window",
    )
    work_order.refresh_from_db()
    assert work_order.arrived_at == datetime.fromtimestamp(now - 5, UTC)  # the fix's time
    on_site = work_order.events.get(kind="work_order.on_site")
    assert on_site.actor_label == "geofence"
    assert on_site.data["evidence"]["lat"] == lat + 0.0003
    assert work_order.events.filter(kind="work_order.arrival_detected").count() == 1
    assert work_order.events.filter(kind="work_order.eta").exists()
    s.incident.refresh_from_db()
    assert s.incident.status == "on_site"
    assert s.incident.deadlines.get(milestone="on_site").met_at == work_order.arrived_at


def test_owntracks_unknown_speed_course_and_battery_are_stored_as_null(
    tracker: Process, transactional_db: None
) -> None:
    """iOS sends vel and cog -1 when Core Location has none (and batt -1 with no battery
    reading): unknown, not -1 km/h and a 359 degree heading."""
    van = Vehicle.objects.create(device_id="VAN-0042")
    t0 = int(time.time()) - 60
    own = f"owntracks/{van.device_id}/tablet"
    mosquitto_pub(own, _location(39.1, 117.2, t0, vel=-1, cog=-1, batt=-1, acc=12))
    mosquitto_pub(own, _location(39.1, 117.2, t0 + 5, vel=0, cog=0, batt=55))
    wait_until(lambda: _counters().get("stored") == 2, timeout=20, what="2 fixes stored")
    unknown, known = VehiclePosition.objects.filter(vehicle_id=van.id).order_by("fix_at")
    assert (unknown.speed_kmh, unknown.course_deg, unknown.battery) == (None, None, None)
    assert unknown.accuracy_m == 12
    assert (known.speed_kmh, known.course_deg, known.battery) == (0, 0, 55)
