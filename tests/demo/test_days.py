"""The scripted heating-season morning and storm evening (demo.days), played on the demo city
with its heat and power companies, and checked against the networks as the database holds
them: calls grouped onto the right substation, main or device, every customer it leaves
without heat or power told once in their utility's words and told again when it is back, and
the clocks of the day's season and of each place's area class."""

from collections import Counter
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.contrib.gis.db.models import Collect
from django.contrib.gis.geos import MultiPolygon
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from alerts.models import Notification, SupplyInterruption
from alerts.planned_works import planned_work_create, planned_work_publish
from demo.crews import demo_crews_load
from demo.days import DayRecord, heating_day, power_laterals, storm_day
from demo.org import demo_utility_companies_load
from demo.people import demo_users_load
from dispatch.models import Crew, Customer, Incident, User, WorkOrderFinding
from dispatch.roles import Role
from dispatch.selectors import incident_duplicates
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.work_orders import work_order_dispatch
from gis.models import PowerDevice, Premise

pytestmark = pytest.mark.django_db

HEATING_MORNING = datetime(2026, 1, 12, 6, 40)  # the heating season: 15 October to 15 April
STORM_EVENING = datetime(2026, 7, 20, 18, 0)


@pytest.fixture
def people(db: None) -> tuple[User, User, User]:
    """The demo city, its three companies and their crews; the group's call taker and the
    heat and power companies' dispatchers."""
    units = demo_utility_companies_load()
    demo_users_load(units)
    call_command("make_demo_city", "--premises", "2500", "--no-progress", stdout=StringIO())
    for utility in ("heat", "power"):
        demo_crews_load(count=8, seed=5, utility=utility)
    users = {u.username: u for u in User.objects.all()}
    return users["taker_group"], users["dispatch_heat"], users["dispatch_power"]


def _local(naive: datetime) -> datetime:
    return timezone.make_aware(naive)


def _due(incident: Incident) -> dict[str, timedelta]:
    """The arrival and repair clocks, from the first call (the other clocks, a work order's
    acceptance and the call-back, do not vary by area or season)."""
    assert incident.first_call_at is not None
    return {
        d.milestone: d.due_at - incident.first_call_at
        for d in incident.deadlines.filter(milestone__in=["on_site", "completed"])
    }


def _recipients(premise_ids: set[int]) -> Counter[str]:
    """Each phone of the customers at these premises (the demo's customers have no e-mail)."""
    found: Counter[str] = Counter()
    for customer in Customer.objects.filter(premises__in=premise_ids).distinct():
        found.update(set(customer.phones))
    return found


def _told(template: str, incident: Incident) -> Counter[str]:
    return Counter(
        Notification.objects.filter(template=template, incident=incident).values_list(
            "recipient", flat=True
        )
    )


def _interruptions(incident: Incident) -> tuple[list[int], set[int]]:
    """How many premises each supply.interrupted event newly cut off, in order (what was
    known as it went), and the premises of the interruption in force at the end."""
    events = list(incident.events.filter(kind="supply.interrupted").order_by("at", "id"))
    assert events, f"{incident.reference}: nobody was told"
    (interruption,) = {e.data["interruption"] for e in events}
    cut_off = set(SupplyInterruption.objects.get(pk=interruption).premise_ids)
    return [e.data["newly_cut_off"] for e in events], cut_off


def _restored_everyone(incident: Incident, utility: str) -> None:
    """Every interruption of the incident is over, and each recipient told of it heard that
    the supply is back exactly once."""
    interruptions = SupplyInterruption.objects.filter(incident=incident)
    assert interruptions
    assert all(i.restored_at for i in interruptions)
    assert {i.utility for i in interruptions} == {utility}
    told_off = _told(f"{utility}_supply.interrupted", incident)
    told_on = _told(f"{utility}_supply.restored", incident)
    assert set(told_on) == set(told_off)
    assert set(told_on.values()) == {1}


def test_a_heating_season_morning(people: tuple[User, User, User]) -> None:
    taker, dispatcher, _power = people
    record: DayRecord = heating_day(taker, dispatcher, _local(HEATING_MORNING))
    cold, leak = record.incidents["cold"], record.incidents["leak"]
    first, second = record.picks["substation"], record.picks["other_substation"]

    # The three no-heat calls are one incident of the heat company, in town.
    assert cold.calls.count() == 3
    assert "heat" in cold.station.utilities
    assert "gas" not in cold.station.utilities
    assert cold.area_class == "urban"
    # Its suspicion went from the first substation to the primary main the two share.
    causes = list(cold.events.filter(kind="incident.supply_cause").order_by("at", "id"))
    assert [c.data["heat_cause"] for c in causes] == ["substation", "main"]
    assert causes[0].data["suspected_station_id"] == first
    assert cold.suspected_cause_id == causes[1].data["suspected_segment_id"]

    # The second call confirmed the outage: the first substation's buildings were told; the
    # third moved it to the main: those it newly leaves cold were told, nobody twice.
    newly, main_out = _interruptions(cold)
    first_out = set(Premise.objects.filter(heat_station=first).values_list("id", flat=True))
    second_out = set(Premise.objects.filter(heat_station=second).values_list("id", flat=True))
    assert newly == [len(first_out), len(main_out - first_out)]
    assert first_out | second_out <= main_out
    told = _told("heat_supply.interrupted", cold)
    assert told == _recipients(main_out)
    assert not Notification.objects.filter(incident=cold, template="supply.interrupted").exists()

    # The heating leak: a heat crew sent, whose trace closed valve pairs on the supply and
    # the return; the buildings it left cold were told.
    assert leak.priority == 1
    assert leak.segment_id == record.picks["leak_main"]
    isolation = leak.isolations.get()
    assert len(isolation.valves_to_close) >= 2
    assert len(isolation.valves_to_close) % 2 == 0
    _newly, leak_out = _interruptions(leak)
    assert leak_out == set(isolation.premise_ids)
    assert leak_out
    assert _told("heat_supply.interrupted", leak) == _recipients(leak_out)

    # The season's clocks: a cold home visited in 2 hours and fixed in 24; a leak in 45 min.
    assert _due(cold) == {"on_site": timedelta(hours=2), "completed": timedelta(hours=24)}
    assert _due(leak)["on_site"] == timedelta(minutes=45)
    # Out of the season, the same cold home waits for the working day.
    summer = call_receive(
        data=CallInput(category="no_heat", premise_id=record.calls["cold-1"].premise_id),
        taker=taker,
        received_at=_local(datetime(2026, 7, 1, 9, 0)),
    )
    july = call_open_incident(call_id=summer.pk, actor=taker, at=summer.received_at)
    assert _due(july) == {"on_site": timedelta(hours=8)}

    # Repaired: the heat is back, and everyone told it was off hears so once.
    _restored_everyone(cold, "heat")
    _restored_everyone(leak, "heat")


def _behind(transformers: list[int]) -> set[int]:
    return set(Premise.objects.filter(transformer_id__in=transformers).values_list("id", flat=True))


def test_a_storm_evening(people: tuple[User, User, User]) -> None:
    taker, _heat, dispatcher = people
    record = storm_day(taker, dispatcher, _local(STORM_EVENING))
    wire, town, rural = (record.incidents[n] for n in ("wire", "town", "rural"))
    laterals = {fuse: transformers for fuse, _x, transformers, _f in power_laterals()}

    # The wire down: top priority, the 95598 town clocks.
    assert wire.priority == 1
    assert wire.area_class == "urban"
    assert _due(wire) == {"on_site": timedelta(minutes=45), "completed": timedelta(hours=3)}

    # Both transformers of the town lateral out: the fuse, and its customers told once.
    town_fuse = record.picks["town_fuse"]
    assert town.calls.count() == 2
    assert town.suspected_device_id == town_fuse
    _newly, town_out = _interruptions(town)
    assert town_out == _behind(laterals[town_fuse])
    assert _told("power_supply.interrupted", town) == _recipients(town_out)
    assert _due(town) == {"on_site": timedelta(minutes=45), "completed": timedelta(hours=3)}

    # In the rural east, both transformers of a lateral: its fuse, its customers told, the
    # rural clocks (90 min, 4 hours). The lateral beside it, behind the same recloser, was
    # not offered as that outage (no one device explains them all): another, at its fuse.
    assert rural.calls.count() == 2
    assert rural.area_class == "rural"
    assert rural.suspected_device_id == record.picks["rural_fuse"]
    _newly, rural_out = _interruptions(rural)
    assert rural_out == _behind(laterals[record.picks["rural_fuse"]])
    assert _told("power_supply.interrupted", rural) == _recipients(rural_out)
    assert _due(rural) == {"on_site": timedelta(minutes=90), "completed": timedelta(hours=4)}
    beside = record.incidents["rural-next"]
    assert beside.suspected_device_id == record.picks["neighbour_fuse"]
    _newly, beside_out = _interruptions(beside)
    assert beside_out == _behind(laterals[record.picks["neighbour_fuse"]])
    assert not rural_out & beside_out
    # Both behind one recloser (the demo's feeders run east from their substation).
    fuses = list(
        PowerDevice.objects.filter(pk__in=[rural.suspected_device_id, beside.suspected_device_id])
    )
    (feeder,) = {f.feeder for f in fuses}
    recloser = PowerDevice.objects.get(kind="recloser", feeder=feeder)
    assert all(recloser.geom.x < f.geom.x for f in fuses)
    # A call behind the town lateral would not have been offered as the rural outage.
    town_premise = Premise.objects.filter(transformer_id__in=laterals[town_fuse]).first()
    assert town_premise is not None
    offered = incident_duplicates(
        category="power_outage",
        point=town_premise.geom,
        at=rural.created_at,
        premise_id=town_premise.pk,
    )
    assert rural.pk not in [d.incident.pk for d in offered]

    # Restored: each customer hears so once.
    _restored_everyone(town, "power")
    _restored_everyone(rural, "power")
    _restored_everyone(beside, "power")


def test_the_command_plays_a_day_and_leaves_it_open_for_the_wall(
    people: tuple[User, User, User],
) -> None:
    out = StringIO()
    call_command("play_demo_day", "storm", "--leave-open", stdout=out)
    assert "storm: 7 calls, 4 incidents" in out.getvalue()
    assert Incident.objects.filter(status__in=Incident.OPEN_STATUSES).count() == 4


def test_each_crews_tablet_reports_in_its_utilitys_terms(people: tuple[User, User, User]) -> None:
    """A power crew's tablet offers no leak grade and no valves, and power causes; the API
    refuses a gas cause on a power job, and takes a power one."""
    taker, _heat, dispatcher = people
    record = storm_day(taker, dispatcher, _local(STORM_EVENING), repairs=False)
    town = record.incidents["town"]
    crew = Crew.objects.filter(station=town.station).order_by("code").first()
    assert crew is not None
    member = user_create(
        username="lineman", password="pw", role=Role.CREW_MEMBER, org_unit=town.station
    )
    crew.members.add(member)
    order = work_order_dispatch(incident_id=town.pk, crew_id=crew.pk, actor=dispatcher)

    page = Client()
    page.force_login(member)
    html = page.get("/tablet/").content.decode()
    assert '<fieldset class="grades" hidden>' in html
    assert '"tree_contact"' in html
    assert '"meter"' not in html.split('"causes"')[1].split("]")[0]

    tablet = APIClient()
    token = tablet.post("/api/field/token/", {"username": "lineman", "password": "pw"}).json()
    tablet.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    url = f"/api/field/work-orders/{order.pk}/findings/"
    sent = {"client_event_id": "f-1", "device_time": timezone.now().isoformat()}
    refused = tablet.post(url, {**sent, "cause": "meter"}, format="json")
    assert refused.status_code == 400
    assert "cause" in refused.json()["fields"]
    assert not WorkOrderFinding.objects.filter(work_order=order).exists()
    taken = tablet.post(url, {**sent, "cause": "tree_contact"}, format="json")
    assert taken.status_code == 200, taken.content
    assert WorkOrderFinding.objects.get(work_order=order).cause == "tree_contact"


def test_planned_power_works_tell_only_the_premises_the_power_company_supplies(
    people: tuple[User, User, User],
) -> None:
    _taker, _heat, dispatcher = people
    fuse, _x, transformers, _feeder = power_laterals()[0]
    behind = Premise.objects.filter(transformer_id__in=transformers).order_by("id")
    points = behind.aggregate(points=Collect("geom"))["points"]
    area = MultiPolygon(points.convex_hull.buffer(0.0003), srid=4326)
    unsupplied = behind.first()
    assert unsupplied is not None
    Premise.objects.filter(pk=unsupplied.pk).update(transformer=None)  # on its own generator
    starts = timezone.now() + timedelta(days=8)
    work = planned_work_create(
        area=area,
        starts_at=starts,
        ends_at=starts + timedelta(hours=4),
        reason="replacing fuse and lateral",
        reason_zh="更换熔断器及分支线",
        utility="power",
        actor=dispatcher,
    )
    assert "power" in work.station.utilities
    assert "gas" not in work.station.utilities
    planned_work_publish(planned_work_id=work.pk, actor=dispatcher)
    told = Counter(
        Notification.objects.filter(template="power_planned.notice").values_list(
            "recipient", flat=True
        )
    )
    supplied = set(
        Premise.objects.filter(geom__intersects=area, transformer__isnull=False).values_list(
            "id", flat=True
        )
    )
    assert told == _recipients(supplied)
    assert not set(_recipients({unsupplied.pk})) & set(told)
    assert not Notification.objects.filter(template="planned.notice").exists()
    assert PowerDevice.objects.get(pk=fuse).kind == "fuse"
