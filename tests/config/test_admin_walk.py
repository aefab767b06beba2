"""An administrator walks the whole admin: every list, add and change page answers, and the
map widgets draw on the vendored Leaflet with nothing fetched from outside the server. A
supervisor walks it too: what they may see answers, the rest is refused."""

import json
import re
from datetime import time
from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.gis.db.models import GeometryField
from django.core.management import call_command
from django.db.models import Model
from django.test import Client, RequestFactory

from dispatch.choices import Skill
from dispatch.models import Crew, Customer, SlaPolicy, User
from dispatch.roles import Role
from dispatch.services import user_create
from fleet.models import Vehicle
from gis.models import OrgUnit
from tests.browser import SCREENSHOTS, chromium_page, off_loop, sign_in

# What an administrator configures (issue 16: each answered 404 before).
CONFIGURED = [
    "dispatch.categoryrule",
    "dispatch.triagerule",
    "dispatch.slapolicy",
    "dispatch.calendarday",  # the company's own working days and days off
    "dispatch.crew",
    "fleet.vehicle",
    "dispatch.customer",
    "network.premise",
    "network.pipesegment",
    "network.valve",
    "network.source",
    "network.road",
    "network.landmark",
    "dispatch.season",  # district heating's season, which clocks may hold in
    "network.servicearea",  # urban, rural and remote areas for the clocks by place
]
# Records of what happened, and network assets that come from the utility's GIS (the next
# import would overwrite a hand edit): nobody adds them here.
NO_ADD = {
    "platform.counter",
    "imports.importrun",  # a run starts from its upload page
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "alerts.notification",
    "appointments.appointment",  # booked on /appointments/, the console and the public pages
    "billing.accountbalance",  # from the company's CIS (import_billing)
    "billing.monthlyusage",
    "billing.billingimportrun",
    "alerts.escalation",
    "alerts.supplyinterruption",
    "alerts.callback",
    "telephony.callleg",
    "alerts.capmessage",
    "alerts.statuslink",
    "network.premise",
    "network.pipesegment",
    "network.valve",
    "network.source",
    "network.road",
    "network.landmark",
    "network.powersubstation",
    "network.powerline",
    "network.powerdevice",
    "reports.reportsettings",  # one row, shipped by the migration, edited
    "reports_monthly.monthlyreport",  # built by beat and on /reports/monthly/
}

# What a supervisor sees (issue 16): their crews, vans and people, the escalations, the queue
# alarms; the rules, the organisation and the network read-only. Crews and vans they also add.
SUPERVISOR_SEES = {
    "dispatch.crew",
    "fleet.vehicle",
    "dispatch.user",
    "alerts.escalation",
    "maps.queuealarm",
    "dispatch.categoryrule",
    "dispatch.triagerule",
    "dispatch.slapolicy",
    "dispatch.calendarday",
    "network.orgunit",
    "network.pipesegment",
    "network.valve",
    "network.source",
    "network.road",
    "network.premise",
    "network.landmark",
    "network.powersubstation",
    "network.powerline",
    "network.powerdevice",
    "network.servicearea",
    "dispatch.season",
    "desk.department",
    "desk.deskrule",
    "appointments.slot",
    "appointments.appointment",
    "knowledge.synonym",
    "reports.reportsettings",
    "reports.reportpreset",
}
SUPERVISOR_ADDS = {
    "dispatch.crew",
    "fleet.vehicle",
    "desk.department",
    "appointments.slot",
    "knowledge.synonym",
}


@pytest.fixture
def demo(db: None) -> None:
    """A small demo city with its organisation, logins, crews and vans."""
    call_command("load_demo", stdout=StringIO())
    call_command("make_demo_city", "--premises", "300", "--no-progress", stdout=StringIO())
    call_command("make_demo_crews", "--count", "6", stdout=StringIO())


def _admin() -> Client:
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    return client


def _url(model: type[Model], page: str) -> str:
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/{page}"


def _geometry_models() -> list[type[Model]]:
    return [
        model
        for model in admin.site._registry
        if any(isinstance(f, GeometryField) for f in model._meta.get_fields())
    ]


def test_what_an_administrator_configures_is_in_the_admin(demo: None) -> None:
    client = _admin()
    answers = {
        label: client.get(f"/admin/{label.replace('.', '/')}/").status_code for label in CONFIGURED
    }
    assert answers == dict.fromkeys(CONFIGURED, 200)


def test_every_list_add_and_change_page_answers(demo: None) -> None:
    client = _admin()
    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(username="admin")
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        assert model_admin.has_add_permission(request) == (label not in NO_ADD), label
        assert client.get(_url(model, "")).status_code == 200, label
        assert client.get(_url(model, "add/")).status_code == (403 if label in NO_ADD else 200), (
            label
        )
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            assert client.get(_url(model, f"{first.pk}/change/")).status_code == 200, label


def test_a_supervisor_walks_the_admin_seeing_what_they_configure_and_read(demo: None) -> None:
    supervisor = User.objects.get(username="supervisor")
    client = Client()
    client.force_login(supervisor)
    request = RequestFactory().get("/admin/")
    request.user = supervisor
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "/admin/dispatch/crew/" in index.content.decode()
    assert "/admin/dispatch/customer/" not in index.content.decode()
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        sees = label in SUPERVISOR_SEES
        assert client.get(_url(model, "")).status_code == (200 if sees else 403), label
        adds = label in SUPERVISOR_ADDS
        assert client.get(_url(model, "add/")).status_code == (200 if adds else 403), label
        # A row of their own stations where the model has stations; any row where it has not.
        mine = model_admin.get_queryset(request) if sees else model._default_manager.all()
        first = mine.order_by("pk").first()
        if first is not None:
            page = client.get(_url(model, f"{first.pk}/change/"))
            assert page.status_code == (200 if sees else 403), label
        if not sees:  # nor any page of its own (an upload, a report, a password)
            for route in _own_pages(model_admin, first):
                refused = client.get(_url(model, route), follow=True)
                assert refused.status_code == 403, (label, route)
    assert Client().get("/admin/dispatch/crew/").status_code == 302  # signed out: sign in


def _own_pages(model_admin: admin.ModelAdmin, first: Model | None) -> list[str]:
    """Every page an admin class serves, with the first row's key where a page needs one."""
    routes = []
    for pattern in model_admin.get_urls():
        route = str(pattern.pattern)
        if "<" in route:
            if first is None:
                continue
            route = re.sub(r"<[^>]+>", str(first.pk), route)
        routes.append(route)
    return routes


def test_a_territory_is_saved_from_geojson_typed_or_drawn(demo: None) -> None:
    group = OrgUnit.objects.get(code="gx-group")
    square = {
        "type": "Polygon",
        "coordinates": [[[117.2, 39.1], [117.21, 39.1], [117.21, 39.11], [117.2, 39.1]]],
    }
    response = _admin().post(
        "/admin/network/orgunit/add/",
        {
            "code": "st-north",
            "name": "North maintenance station",
            "tier": OrgUnit.Tier.COMPANY,
            "parent": group.pk,
            "territory": json.dumps(square),
            "phone": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = OrgUnit.objects.get(code="st-north")
    assert unit.territory is not None
    assert unit.territory.geom_type == "MultiPolygon"
    assert unit.territory.srid == 4326


def test_geometry_pages_draw_on_the_vendored_leaflet_and_load_nothing_from_outside(
    demo: None, live_server
) -> None:
    def pages() -> list[tuple[str, str]]:
        found = []
        for model in _geometry_models():
            name = model._meta.model_name
            found.append((f"{name}-list", _url(model, "")))
            first = model._default_manager.order_by("pk").first()
            if first is not None:
                found.append((f"{name}-change", _url(model, f"{first.pk}/change/")))
            if model._meta.label_lower not in NO_ADD:
                found.append((f"{name}-add", _url(model, "add/")))
        return found

    walk = off_loop(pages)
    assert any(name == "orgunit-add" for name, _path in walk)
    maps_seen = 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with chromium_page() as (page, failures):
        sign_in(page, live_server.url, "admin", "/admin/")
        for name, path in walk:
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            if not name.endswith("-list") and page.locator(".admin-map").count():
                page.locator(".admin-map .leaflet-map-pane").first.wait_for(state="attached")
                maps_seen += 1
            page.screenshot(path=SCREENSHOTS / f"admin-{name}.png", full_page=True)
        # Drawing: a territory clicked corner by corner lands in the form as GeoJSON.
        page.goto(f"{live_server.url}/admin/network/orgunit/add/")
        page.click(".admin-map-draw")
        canvas = page.locator(".admin-map-canvas").first
        for x, y in ((100, 100), (300, 110), (220, 260)):
            canvas.click(position={"x": x, "y": y})
        drawn = json.loads(page.locator("textarea.admin-map-text").first.input_value())
        page.screenshot(path=SCREENSHOTS / "admin-orgunit-drawn.png", full_page=True)
    assert failures == []
    assert maps_seen >= len(_geometry_models())  # every geometry model shows one map at least
    assert drawn["type"] == "MultiPolygon"
    assert len(drawn["coordinates"][0][0]) == 4  # three corners, closed


def _crew_form(crew: Crew, members: list[User]) -> dict[str, object]:
    van = crew.vehicle
    return {
        "name": crew.name,
        "station": crew.station_id,
        "skills": crew.skills,
        "members": [m.pk for m in members],
        "shift_start": crew.shift_start.strftime("%H:%M:%S"),
        "shift_end": crew.shift_end.strftime("%H:%M:%S"),
        "vehicle-TOTAL_FORMS": "1",
        "vehicle-INITIAL_FORMS": "1",
        "vehicle-MIN_NUM_FORMS": "0",
        "vehicle-MAX_NUM_FORMS": "1",
        "vehicle-0-id": van.pk,
        "vehicle-0-crew": crew.pk,
        "vehicle-0-device_id": van.device_id,
        "vehicle-0-registration": van.registration,
    }


def test_an_administrator_puts_a_crew_member_of_the_station_on_a_crew(demo: None) -> None:
    central = OrgUnit.objects.get(code="st-central")
    crew = Crew.objects.create(
        name="Crew North Gate",
        station=central,
        skills=[Skill.LEAK_SURVEY, Skill.MAKE_SAFE],
        shift_start=time(8),
        shift_end=time(20),
    )
    Vehicle.objects.create(device_id="VAN-NG-1", registration="津E·NG001", crew=crew)
    newcomer = user_create(
        username="newcomer", password="x", role=Role.CREW_MEMBER, org_unit=central
    )
    west = user_create(
        username="westerner",
        password="x",
        role=Role.CREW_MEMBER,
        org_unit=OrgUnit.objects.get(code="st-west"),
    )
    url = f"/admin/dispatch/crew/{crew.pk}/change/"
    client = _admin()

    for wrong, words in (
        (User.objects.get(username="dispatcher"), "not one of the available choices"),
        (west, "belongs to 西区维修站"),
        (User.objects.get(username="crew"), "already"),  # the demo put it on a crew
    ):
        refused = client.post(url, _crew_form(crew, [wrong]))
        assert refused.status_code == 200, wrong.username  # the form again, with the reason
        assert words in refused.content.decode(), wrong.username
        assert not crew.members.filter(pk=wrong.pk).exists()

    response = client.post(url, _crew_form(crew, [newcomer]))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(crew.members.all()) == [newcomer]
    tablet = Client()
    tablet.force_login(newcomer)
    assert tablet.get("/api/field/me/").json()["vehicle"]["device_id"] == crew.vehicle.device_id


def test_a_clock_with_minutes_and_working_days_is_refused_with_what_to_do(demo: None) -> None:
    before = SlaPolicy.objects.count()
    response = _admin().post(
        "/admin/dispatch/slapolicy/add/",
        {
            "priority": "1",
            "category": "",
            "milestone": "on_site",
            "minutes": "30",
            "working_days": "1",
        },
    )
    assert response.status_code == 200
    assert "give either minutes or working days" in response.content.decode()
    assert SlaPolicy.objects.count() == before


def test_a_customers_phones_are_kept_as_the_screen_pop_looks_them_up(demo: None) -> None:
    client = _admin()
    response = client.post(
        "/admin/dispatch/customer/add/",
        {
            "account_no": "GX-TEST-1",
            "name": "Test Customer",
            "phones": "+86 138 0000 1111,13800001111, 022-5555 0101",
            "email": "",
            "language": "zh",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    customer = Customer.objects.get(account_no="GX-TEST-1")
    assert customer.phones == ["13800001111", "02255550101"]
    found = client.get("/admin/dispatch/customer/", {"q": "+86 138-0000-1111"})
    assert "GX-TEST-1" in found.content.decode()
