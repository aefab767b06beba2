"""Public CAP 1.2 alerts: an incident driven through the real services issues an Alert, an
Update per new zone and one Cancel, each valid against the OASIS schema and citing the ones
before it; replays issue nothing; incidents that need no zone get none."""

import re
from importlib.resources import files
from io import StringIO

import pytest
from capvalidator import check_schema
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.core.management import call_command
from lxml import etree

import alerts.cap.listeners  # noqa: F401 - registers the listeners (apps.py will import it too)
from alerts.cap.profiles import ZONES
from alerts.cap.services import incident_cap_cancel, incident_cap_zone_update
from alerts.models import CapMessage
from demo.crews import demo_crews_load
from dispatch.models import Crew, Incident, IncidentEvent, User
from dispatch.services.intake import CallInput, call_join_incident, call_open_incident, call_receive
from dispatch.services.isolation import incident_isolation_trace
from dispatch.services.listeners import event_dispatch
from dispatch.services.timeline import event_record
from dispatch.services.work_orders import work_order_dispatch, work_order_transition
from gis.models import Premise, Valve

CAP = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
_XSD = files("capvalidator").joinpath("static/CAP-v1.2-schema.xsd").read_bytes()
SCHEMA = etree.XMLSchema(etree.fromstring(_XSD))
PAIR = r"-?\d{1,2}\.\d+,-?\d{1,3}\.\d+"
RESTRICTED = re.compile(r"[\s,<&]")


def demo_city_load() -> None:
    call_command("make_demo_city", "--premises", "2000", "--no-progress", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    demo_crews_load(count=4, seed=3)


@pytest.fixture
def city(db: None) -> None:
    demo_city_load()


def premise_on_a_main(offset: int = 0) -> Premise:
    found = Premise.objects.filter(service_segment__isnull=False).order_by("asset_id")[offset]
    assert found is not None
    return found


def open_incident(premise: Premise, category: str, hazards: tuple[str, ...] = ()) -> Incident:
    dispatcher = User.objects.get(username="dispatcher")
    call = call_receive(
        data=CallInput(category=category, premise_id=premise.id, hazards=list(hazards)),
        taker=dispatcher,
    )
    return call_open_incident(call_id=call.id, actor=dispatcher)


def messages(incident: Incident) -> list[CapMessage]:
    return list(CapMessage.objects.filter(incident=incident).order_by("sent", "id"))


def assert_cap_1_2(xml: str) -> etree._Element:
    """Valid against the OASIS CAP 1.2 schema (capvalidator's copy), plus the rules of the
    spec the schema cannot express; returns the parsed message."""
    raw = xml.encode()
    assert check_schema(raw).passed, (
        SCHEMA.error_log
        if not SCHEMA.validate(etree.fromstring(raw))
        else "capvalidator refused it"
    )
    root = etree.fromstring(raw)
    for tag in ("identifier", "sender"):  # 3.2.1: no spaces, commas or restricted characters
        assert not RESTRICTED.search(root.findtext(f"cap:{tag}", namespaces=CAP))
    for polygon in root.iterfind(".//cap:polygon", CAP):  # 3.3.2: closed, 4 pairs at least
        pairs = polygon.text.split(" ")
        assert len(pairs) >= 4
        assert pairs[0] == pairs[-1]
        assert all(re.fullmatch(PAIR, p) for p in pairs)
    for circle in root.iterfind(".//cap:circle", CAP):
        centre, radius = circle.text.split(" ")
        assert re.fullmatch(PAIR, centre)
        assert float(radius) > 0
    references = root.findtext("cap:references", namespaces=CAP)
    for cited in (references or "").split():
        assert len(cited.split(",")) == 3  # sender,identifier,sent
    return root


def _text(root: etree._Element, path: str) -> list[str]:
    return [node.text for node in root.iterfind(path, CAP)]


def _polygon(text: str) -> Polygon:
    ring = [tuple(reversed([float(v) for v in pair.split(",")])) for pair in text.split(" ")]
    return Polygon(ring, srid=4326)


def _reference(message: CapMessage) -> str:
    root = etree.fromstring(message.xml.encode())
    return ",".join(
        root.findtext(f"cap:{t}", namespaces=CAP) for t in ("sender", "identifier", "sent")
    )


def _move(work_order_id: int, to: str) -> None:
    work_order_transition(work_order_id=work_order_id, to=to, actor=None, actor_label="tablet")


def test_an_indoor_leak_alerts_updates_and_cancels_each_message_valid_and_citing_the_earlier(
    city: None,
) -> None:
    incident = open_incident(premise_on_a_main(), "leak_indoor")

    (alert,) = messages(incident)
    root = assert_cap_1_2(alert.xml)
    assert alert.msg_type == "Alert"
    assert alert.references is None
    assert root.findtext("cap:identifier", namespaces=CAP) == alert.identifier
    assert alert.identifier.endswith(f"-{incident.reference}-1")
    assert _text(root, "cap:status") == ["Actual"]
    assert _text(root, "cap:scope") == ["Public"]
    assert _text(root, "cap:incidents") == [incident.reference]
    assert _text(root, "cap:info/cap:language") == ["zh-CN", "en-US"]
    assert set(_text(root, "cap:info/cap:urgency")) == {"Immediate"}
    assert set(_text(root, "cap:info/cap:severity")) == {"Severe"}
    assert set(_text(root, "cap:info/cap:certainty")) == {"Observed"}
    assert set(_text(root, "cap:info/cap:category")) == {"Safety"}
    assert "200 m" in root.findtext("cap:info[2]/cap:instruction", namespaces=CAP)
    point = incident.point
    assert _text(root, ".//cap:circle") == [f"{point.y:.6f},{point.x:.6f} 0.2"] * 2
    assert not _text(root, ".//cap:polygon")  # not traced yet: the circle alone

    isolation = incident_isolation_trace(incident_id=incident.pk, actor=None)

    alert_, update = messages(incident)
    root = assert_cap_1_2(update.xml)
    assert (alert_, update.msg_type, update.references) == (alert, "Update", alert)
    assert _text(root, "cap:references") == [_reference(alert)]
    polygons = _text(root, "cap:info[1]/cap:area/cap:polygon")
    assert polygons
    assert _text(root, "cap:info[2]/cap:area/cap:polygon") == polygons
    assert _text(root, ".//cap:circle") == [f"{point.y:.6f},{point.x:.6f} 0.2"] * 2
    outline: GEOSGeometry = _polygon(polygons[0])
    for other in polygons[1:]:
        outline = outline.union(_polygon(other))
    assert isolation.area is not None
    assert outline.covers(isolation.area)  # simplified outward: nobody inside is left out
    assert all(len(p.split(" ")) <= 100 for p in polygons)
    assert str(isolation.premises_cut_off) in root.findtext(
        "cap:info[2]/cap:description", namespaces=CAP
    )

    crew = Crew.objects.order_by("name").first()
    assert crew is not None
    dispatcher = User.objects.get(username="dispatcher")
    work_order = work_order_dispatch(incident_id=incident.pk, actor=dispatcher, crew_id=crew.pk)
    for step in ("accepted", "en_route", "on_site"):
        _move(work_order.pk, step)
    assert len(messages(incident)) == 2  # a crew on its way changes nothing the public sees
    _move(work_order.pk, "made_safe")

    *_, cancel = messages(incident)
    root = assert_cap_1_2(cancel.xml)
    assert (cancel.msg_type, cancel.references) == ("Cancel", update)
    assert _text(root, "cap:references") == [f"{_reference(alert)} {_reference(update)}"]
    assert set(_text(root, "cap:info/cap:responseType")) == {"AllClear"}
    assert set(_text(root, "cap:info/cap:urgency")) == {"Past"}
    assert _text(root, "cap:info[1]/cap:area/cap:polygon") == polygons  # the zone it lifts

    # Made safe is still traceable (a seized valve found late), then resolved: no more news.
    incident_isolation_trace(
        incident_id=incident.pk,
        actor=None,
        seized_valve_asset_ids=[Valve.objects.get(pk=isolation.valves_to_close[0]).asset_id],
    )
    _move(work_order.pk, "completed")
    assert [m.msg_type for m in messages(incident)] == ["Alert", "Update", "Cancel"]
    for message in messages(incident):
        assert_cap_1_2(message.xml)


def test_a_replayed_event_or_an_unchanged_zone_issues_nothing_a_wider_one_updates(
    city: None,
) -> None:
    incident = open_incident(premise_on_a_main(), "third_party_damage")
    first = incident_isolation_trace(incident_id=incident.pk, actor=None)
    assert [m.msg_type for m in messages(incident)] == ["Alert", "Update"]
    opened = IncidentEvent.objects.get(incident=incident, kind="incident.opened")
    traced = IncidentEvent.objects.get(incident=incident, kind="incident.isolation_traced")

    event_dispatch(opened)  # the same events heard again
    event_dispatch(traced)
    incident_isolation_trace(incident_id=incident.pk, actor=None)  # traced again, same ring
    assert incident_cap_zone_update(incident_id=incident.pk) is None
    assert [m.msg_type for m in messages(incident)] == ["Alert", "Update"]

    stuck = Valve.objects.get(pk=first.valves_to_close[0])
    incident_isolation_trace(
        incident_id=incident.pk, actor=None, seized_valve_asset_ids=[stuck.asset_id]
    )
    alert, update, wider = messages(incident)
    root = assert_cap_1_2(wider.xml)
    assert wider.msg_type == "Update"
    assert wider.identifier.endswith(f"-{incident.reference}-3")
    assert _text(root, "cap:references") == [f"{_reference(alert)} {_reference(update)}"]
    assert _text(root, ".//cap:polygon") != _text(
        etree.fromstring(update.xml.encode()), ".//cap:polygon"
    )

    assert incident_cap_cancel(incident_id=incident.pk) is not None
    assert incident_cap_cancel(incident_id=incident.pk) is None  # at most one Cancel
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.ON_SITE)
    assert incident_cap_zone_update(incident_id=incident.pk) is None  # no Update after it
    assert [m.msg_type for m in messages(incident)] == ["Alert", "Update", "Update", "Cancel"]


def test_an_outdoor_leak_raised_to_p1_by_a_second_call_is_alerted_then(city: None) -> None:
    premise = premise_on_a_main()
    incident = open_incident(premise, "leak_outdoor")
    assert incident.priority == 2
    assert not messages(incident)

    dispatcher = User.objects.get(username="dispatcher")
    call = call_receive(
        data=CallInput(category="leak_outdoor", premise_id=premise.id, hazards=["hissing"]),
        taker=dispatcher,
    )
    call_join_incident(call_id=call.id, incident_id=incident.pk, actor=dispatcher)

    incident.refresh_from_db()
    assert incident.priority == 1
    (alert,) = messages(incident)
    root = assert_cap_1_2(alert.xml)
    assert alert.msg_type == "Alert"
    radius = ZONES["leak_outdoor"].radius_km
    assert (
        _text(root, ".//cap:circle")
        == [f"{premise.geom.y:.6f},{premise.geom.x:.6f} {radius:g}"] * 2
    )


def test_a_fire_is_extreme_and_a_cancelled_one_is_withdrawn(city: None) -> None:
    incident = open_incident(premise_on_a_main(), "fire")
    (alert,) = messages(incident)
    root = assert_cap_1_2(alert.xml)
    assert set(_text(root, "cap:info/cap:severity")) == {"Extreme"}
    assert set(_text(root, "cap:info/cap:category")) == {"Fire", "Safety"}
    assert root.findtext(".//cap:circle", namespaces=CAP).endswith(" 0.3")

    # Closed as a false alarm: whatever service does it writes this event.
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.CANCELLED)
    event_record(
        kind="incident.status",
        incident=incident,
        data={"from": "open", "to": "cancelled", "because": "false alarm"},
    )
    _, cancel = messages(incident)
    root = assert_cap_1_2(cancel.xml)
    assert cancel.msg_type == "Cancel"
    assert "withdrawn" in root.findtext("cap:info[2]/cap:headline", namespaces=CAP)


@pytest.mark.parametrize(
    ("category", "hazards", "priority"),
    [
        ("leak_outdoor", (), 2),  # a P2 leak: crews go, the public is not alerted
        ("no_gas", (), 3),  # a P3
        ("co_alarm", (), 1),  # P1 but no exclusion zone: the danger is inside one home
    ],
)
def test_no_alert_for_an_incident_that_needs_no_public_zone(
    city: None, category: str, hazards: tuple[str, ...], priority: int
) -> None:
    incident = open_incident(premise_on_a_main(), category, hazards)
    assert incident.priority == priority
    incident_isolation_trace(incident_id=incident.pk, actor=None)
    assert incident_cap_cancel(incident_id=incident.pk) is None
    assert not CapMessage.objects.filter(incident=incident).exists()
    assert IncidentEvent.objects.filter(incident=incident, kind="incident.opened").exists()
