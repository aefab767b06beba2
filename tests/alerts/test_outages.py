"""Outage notices: an isolation trace cuts premises off and their customers hear it once, in
their language, through the real SMS gateway and SMTP server; a newer trace tells only the
newly affected; restoration; planned works published ahead; the public lookup page."""

from collections.abc import Iterable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from alerts.models import Notification, PlannedWork, SupplyInterruption
from alerts.outages import supply_interruption_trace, supply_restore
from alerts.planned_works import planned_work_cancel, planned_work_create, planned_work_publish
from alerts.services.notifications import notifications_drain
from demo.crews import demo_crews_load
from demo.org import demo_organisation_load
from dispatch.errors import ConflictError, DispatchError, ForbiddenError, NotFoundError
from dispatch.models import Crew, Customer, Incident, IncidentEvent, IncidentIsolation, User
from dispatch.roles import Role
from dispatch.services import user_create
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from dispatch.services.isolation import incident_isolation_trace
from dispatch.services.work_orders import work_order_dispatch, work_order_transition
from gis.models import Premise, Valve
from gis.selectors import isolation_for_segment, premise_ids_cut_off
from tests.alerts.outside import MailServer, SmsGateway

pytestmark = pytest.mark.django_db
EMAIL = "resident@example.org"


@pytest.fixture
def dispatcher(db: None) -> User:
    call_command("make_demo_city", "--premises", "300", "--no-progress", stdout=StringIO())
    demo_crews_load(count=1, seed=3)
    units = demo_organisation_load()
    return user_create(
        username="disp", password="pw", role=Role.DISPATCHER, org_unit=units["gx-city"]
    )


@pytest.fixture
def admin_user(dispatcher: User) -> User:
    return user_create(username="boss", password="pw", role=Role.ADMINISTRATOR, org_unit=None)


@pytest.fixture
def premise(dispatcher: User) -> Premise:
    """A flat whose customer reads English and has an e-mail address too."""
    found = Premise.objects.filter(service_segment__isnull=False).exclude(room="").first()
    assert found is not None
    Customer.objects.filter(premises=found).update(language="en", email=EMAIL)
    return found


@pytest.fixture
def incident(dispatcher: User, premise: Premise) -> Incident:
    call = call_receive(
        data=CallInput(category="leak_outdoor", premise_id=premise.pk), taker=dispatcher
    )
    return call_open_incident(call_id=call.pk, actor=dispatcher)


def _cut_off(isolation: IncidentIsolation) -> set[int]:
    return set(
        Premise.objects.filter(service_segment_id__in=isolation.isolated_segments).values_list(
            "id", flat=True
        )
    )


def _recipients(premise_ids: Iterable[int]) -> set[str]:
    """Every phone and e-mail address of the customers at these premises."""
    found: set[str] = set()
    for customer in Customer.objects.filter(premises__in=list(premise_ids)).distinct():
        found.update(customer.phones)
        found.update([customer.email] if customer.email else [])
    return found


def _told(template: str) -> list[str]:
    return list(Notification.objects.filter(template=template).values_list("recipient", flat=True))


def test_a_trace_cuts_off_its_premises_and_each_customer_hears_once_in_their_language(
    dispatcher: User, premise: Premise, incident: Incident, outside: tuple[SmsGateway, MailServer]
) -> None:
    sms, mail = outside
    isolation = incident_isolation_trace(incident_id=incident.pk, actor=dispatcher)

    interruption = SupplyInterruption.objects.get(incident=incident)
    assert interruption.isolation == isolation
    assert set(interruption.premise_ids) == _cut_off(isolation)
    assert len(interruption.premise_ids) == isolation.premises_cut_off
    assert premise.pk in interruption.premise_ids
    told = _told("supply.interrupted")
    assert sorted(told) == sorted(_recipients(interruption.premise_ids))  # each once
    event = IncidentEvent.objects.get(incident=incident, kind="supply.interrupted")
    assert event.data["premises"] == len(interruption.premise_ids)
    assert event.data["notices"] == len(told)

    # The trace's event replayed: nobody is told twice.
    supply_interruption_trace(isolation=isolation, actor=dispatcher, at=timezone.now())
    assert len(_told("supply.interrupted")) == len(told)

    assert notifications_drain() == len(told)
    customer = Customer.objects.get(premises=premise)
    english = sms.texts_to(customer.phones[0])
    assert len(english) == 1
    assert f"Gas supply to {premise.full_text_en} is off" in english[0]
    assert incident.reference in english[0]
    assert [m["Subject"] for m in mail.to(EMAIL)] == [
        f"Gas supply interrupted ({incident.reference})"
    ]
    chinese = [m["text"] for m in sms.received if m["to"] not in customer.phones]
    assert chinese
    assert all("暂停供气" in text and incident.reference in text for text in chinese)


def _main_and_valve_that_widen() -> tuple[Premise, str]:
    """A premise whose main's ring, with one of its valves seized, cuts off more premises
    (many valves only widen it by mains that serve nobody)."""
    segments = (
        Premise.objects.filter(service_segment__isnull=False)
        .order_by("service_segment_id")
        .values_list("service_segment_id", flat=True)
        .distinct()
    )
    for segment in segments:
        ring = isolation_for_segment(segment_id=segment)
        for valve in ring.valves_to_close:
            wider = isolation_for_segment(segment_id=segment, seized_valve_ids=frozenset([valve]))
            if set(premise_ids_cut_off(wider)) > set(premise_ids_cut_off(ring)):
                premise = Premise.objects.filter(service_segment_id=segment).first()
                assert premise is not None
                return premise, Valve.objects.get(pk=valve).asset_id
    raise AssertionError("the demo city has no valve whose seizing cuts off more premises")


def test_a_newer_trace_tells_only_the_newly_cut_off_and_gives_back_the_rest(
    dispatcher: User,
) -> None:
    premise, stuck = _main_and_valve_that_widen()
    call = call_receive(
        data=CallInput(category="leak_outdoor", premise_id=premise.pk), taker=dispatcher
    )
    incident = call_open_incident(call_id=call.pk, actor=dispatcher)
    first = incident_isolation_trace(incident_id=incident.pk, actor=dispatcher)
    wider = incident_isolation_trace(
        incident_id=incident.pk, actor=dispatcher, seized_valve_asset_ids=[stuck]
    )
    added = _cut_off(wider) - _cut_off(first)
    assert added, "a seized valve widens the ring to more premises"

    interruption = SupplyInterruption.objects.get(incident=incident)  # still one
    assert set(interruption.premise_ids) == _cut_off(wider)
    assert interruption.isolation == wider
    told = _told("supply.interrupted")
    assert len(told) == len(set(told))  # the first ring was not told again
    assert set(told) == _recipients(_cut_off(first)) | _recipients(added)

    # The valve turned after all: the ring narrows, the others get their gas back.
    narrower = incident_isolation_trace(incident_id=incident.pk, actor=dispatcher)
    interruption.refresh_from_db()
    assert set(interruption.premise_ids) == _cut_off(narrower) == _cut_off(first)
    assert interruption.restored_at is None
    assert set(_told("supply.restored")) == _recipients(added) - _recipients(_cut_off(first))
    last = IncidentEvent.objects.filter(incident=incident, kind="supply.interrupted").last()
    assert last is not None
    assert (last.data["replaces"], last.data["no_longer_cut_off"]) == (wider.pk, len(added))


def test_restoring_tells_everyone_still_cut_off_once_and_refuses_twice(
    dispatcher: User, incident: Incident
) -> None:
    incident_isolation_trace(incident_id=incident.pk, actor=dispatcher)
    interruption = SupplyInterruption.objects.get(incident=incident)
    with pytest.raises(NotFoundError):
        supply_restore(interruption_id=interruption.pk + 1000, actor=dispatcher)
    with pytest.raises(DispatchError):
        supply_restore(
            interruption_id=interruption.pk,
            actor=dispatcher,
            at=interruption.started_at - timedelta(minutes=1),
        )
    assert not _told("supply.restored")

    restored = supply_restore(interruption_id=interruption.pk, actor=dispatcher)
    assert restored.restored_at is not None
    assert sorted(_told("supply.restored")) == sorted(_recipients(interruption.premise_ids))
    event = IncidentEvent.objects.get(incident=incident, kind="supply.restored")
    assert event.actor == dispatcher
    with pytest.raises(ConflictError):
        supply_restore(interruption_id=interruption.pk, actor=dispatcher)
    assert len(_told("supply.restored")) == len(_recipients(interruption.premise_ids))


def test_completing_the_work_order_gives_the_gas_back(dispatcher: User, incident: Incident) -> None:
    incident_isolation_trace(incident_id=incident.pk, actor=dispatcher)
    work_order = work_order_dispatch(  # the one demo crew is a meter specialist
        incident_id=incident.pk,
        crew_id=Crew.objects.get().pk,
        actor=dispatcher,
        first_responder=True,
    )
    for to in ("accepted", "on_site", "completed"):
        work_order_transition(work_order_id=work_order.pk, to=to, actor=None, actor_label="tablet")

    interruption = SupplyInterruption.objects.get(incident=incident)
    assert interruption.restored_at is not None
    assert IncidentEvent.objects.filter(incident=incident, kind="supply.restored").count() == 1
    assert sorted(_told("supply.restored")) == sorted(_recipients(interruption.premise_ids))


# ---- planned works ----------------------------------------------------------------------


def _area_around(point: Point, metres: float) -> MultiPolygon:
    """A square `metres` across, drawn in web mercator metres (no degrees in Python)."""
    centre = point.transform(3857, clone=True)
    assert isinstance(centre, Point)
    half = metres / 2
    square = Polygon.from_bbox((centre.x - half, centre.y - half, centre.x + half, centre.y + half))
    square.srid = 3857
    return MultiPolygon(square.transform(4326, clone=True), srid=4326)


def _plan(actor: User, premise: Premise, days_ahead: float) -> PlannedWork:
    starts = timezone.now() + timedelta(days=days_ahead)
    return planned_work_create(
        area=_area_around(premise.geom, 120),
        starts_at=starts,
        ends_at=starts + timedelta(hours=6),
        reason="main replacement",
        reason_zh="管道更换",
        actor=actor,
    )


def test_planned_works_published_ahead_reach_the_customers_in_the_area(
    dispatcher: User, premise: Premise
) -> None:
    work = _plan(dispatcher, premise, days_ahead=10)
    assert work.reference.startswith("PW-")
    assert not _told("planned.notice")  # nobody is told before it is published

    planned_work_publish(planned_work_id=work.pk, actor=dispatcher)
    work.refresh_from_db()
    assert work.published_at is not None
    inside = Premise.objects.filter(geom__intersects=work.area).values_list("id", flat=True)
    assert premise.pk in inside
    told = _told("planned.notice")
    assert sorted(told) == sorted(_recipients(inside))
    english = Notification.objects.get(recipient=EMAIL)
    assert "main replacement" in english.body
    assert premise.full_text_en in english.body
    chinese = Notification.objects.filter(template="planned.notice", language="zh").first()
    assert chinese is not None
    assert "管道更换" in chinese.body
    assert IncidentEvent.objects.filter(kind="planned_work.published").count() == 1

    with pytest.raises(ConflictError):
        planned_work_publish(planned_work_id=work.pk, actor=dispatcher)
    assert len(_told("planned.notice")) == len(told)

    page = Client().get("/outages/", {"address": premise.full_text})
    assert "计划停供" in page.content.decode()
    assert work.reference in page.content.decode()
    planned_work_cancel(planned_work_id=work.pk, actor=dispatcher)
    page = Client().get("/outages/", {"address": premise.full_text})
    assert work.reference not in page.content.decode()
    with pytest.raises(ConflictError):
        planned_work_cancel(planned_work_id=work.pk, actor=dispatcher)
    with pytest.raises(ConflictError):
        planned_work_publish(planned_work_id=work.pk, actor=dispatcher, force=True)


@override_settings(PLANNED_WORK_NOTICE_DAYS=7)
def test_publishing_less_than_seven_days_ahead_needs_an_administrator(
    dispatcher: User, admin_user: User, premise: Premise
) -> None:
    work = _plan(dispatcher, premise, days_ahead=3)
    with pytest.raises(ConflictError, match="at least 7 days ahead"):
        planned_work_publish(planned_work_id=work.pk, actor=dispatcher)
    with pytest.raises(ForbiddenError):
        planned_work_publish(planned_work_id=work.pk, actor=dispatcher, force=True)
    work.refresh_from_db()
    assert work.published_at is None
    assert not _told("planned.notice")

    planned_work_publish(planned_work_id=work.pk, actor=admin_user, force=True)
    work.refresh_from_db()
    assert work.published_at is not None
    assert _told("planned.notice")
    event = IncidentEvent.objects.get(kind="planned_work.published")
    assert (event.actor, event.data["short_notice"]) == (admin_user, True)


def test_planned_works_with_bad_input_are_refused_and_nothing_is_kept(
    dispatcher: User, premise: Premise
) -> None:
    starts = timezone.now() + timedelta(days=10)
    area = _area_around(premise.geom, 120)
    x0, y0, x1, y1 = area.extent
    bow_tie = Polygon(((x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)), srid=4326)
    far_away = _area_around(Point(10.0, 10.0, srid=4326), 120)
    cases: list[dict[str, Any]] = [
        {"area": None},
        {"area": bow_tie},
        {"area": premise.geom},
        {"area": far_away},
        {"ends_at": starts - timedelta(hours=1)},
        {"starts_at": timezone.now() - timedelta(days=1)},
        {"starts_at": starts.replace(tzinfo=None)},
        {"reason": "   "},
        {"reason": "x" * 301},
    ]
    for change in cases:
        given = {
            "area": area,
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=4),
            "reason": "valve replacement",
            **change,
        }
        with pytest.raises(DispatchError) as refused:
            planned_work_create(actor=dispatcher, **given)  # type: ignore[arg-type]
        assert refused.value.field, change
    assert not PlannedWork.objects.exists()
    assert not IncidentEvent.objects.filter(kind__startswith="planned_work.").exists()


# ---- the public lookup page -------------------------------------------------------------


def test_the_lookup_page_answers_by_account_and_address_with_no_personal_data(
    dispatcher: User, premise: Premise, incident: Incident, django_assert_max_num_queries
) -> None:
    incident_isolation_trace(incident_id=incident.pk, actor=dispatcher)
    customer = Customer.objects.get(premises=premise)

    with django_assert_max_num_queries(8):
        page = Client().get("/outages/", {"account": customer.account_no.lower()})
    assert page.status_code == 200
    html = page.content.decode()
    assert premise.full_text in html
    assert "正在停气" in html
    assert incident.reference in html
    assert customer.name not in html
    assert all(phone not in html for phone in customer.phones)
    assert EMAIL not in html

    page = Client().get("/outages/", {"address": premise.full_text, "lang": "en"})
    html = page.content.decode()
    assert page.status_code == 200
    assert premise.full_text_en in html
    assert "Gas is off" in html

    cut = SupplyInterruption.objects.get(incident=incident).premise_ids
    elsewhere = Premise.objects.exclude(pk__in=cut).exclude(room="").order_by("-asset_id").first()
    assert elsewhere is not None
    page = Client().get("/outages/", {"address": elsewhere.full_text})
    assert "目前没有影响该地址的停供" in page.content.decode()
    assert incident.reference not in page.content.decode()


def test_the_lookup_page_says_when_nothing_matches_and_refuses_bad_input(
    dispatcher: User, premise: Premise
) -> None:
    client = Client()
    page = client.get("/outages/")
    assert page.status_code == 200
    assert 'role="alert"' not in page.content.decode()

    answers = {
        (("account", "GX99999999"),): (200, "未找到该户号"),
        (("address", "qqqq zzzz xxxx"), ("lang", "en")): (200, "We could not find that address"),
        # A whole building, no flat: which of its flats is meant?
        (("address", f"{premise.road_name}{premise.house_number}号"),): (200, "有多个地址"),
        (("address", "   "),): (400, "请输入地址或户号"),
        (("address", premise.full_text), ("account", "GX1")): (400, "请只输入地址或户号其中一项"),
        (("address", "路" * 301),): (400, "输入过长"),
        (("account", "9" * 33), ("lang", "en")): (400, "too long"),
    }
    for query, (status, words) in answers.items():
        page = client.get("/outages/", dict(query))
        assert page.status_code == status, query
        assert words in page.content.decode(), query
        assert "正在停气" not in page.content.decode()


# ---- the admin ---------------------------------------------------------------------------


def test_administrators_plan_publish_and_retry_from_the_admin(
    admin_user: User, premise: Premise
) -> None:
    client = Client()
    client.force_login(admin_user)
    for model in (
        "notificationtemplate",
        "notification",
        "escalation",
        "supplyinterruption",
        "plannedwork",
        "callback",
        "capmessage",
        "apikey",
        "statuslink",
    ):
        assert client.get(f"/admin/alerts/{model}/").status_code == 200, model

    starts = timezone.localtime() + timedelta(days=3)
    form = {
        "utility": "gas",
        "area": _area_around(premise.geom, 120).ewkt,
        "starts_at_0": f"{starts:%Y-%m-%d}",
        "starts_at_1": "09:00:00",
        "ends_at_0": f"{starts:%Y-%m-%d}",
        "ends_at_1": "08:00:00",  # before the start: refused, nothing kept
        "reason": "valve replacement",
        "reason_zh": "阀门更换",
    }
    page = client.post("/admin/alerts/plannedwork/add/", form)
    assert page.status_code == 200
    assert "the works must end after they start" in page.content.decode()
    assert not PlannedWork.objects.exists()
    page = client.post("/admin/alerts/plannedwork/add/", {**form, "ends_at_1": "15:00:00"})
    assert page.status_code == 302
    work = PlannedWork.objects.get()
    assert (work.reference.startswith("PW-"), work.created_by) == (True, admin_user)

    # Three days ahead: publishing is refused, forcing it (an administrator) is not.
    changelist = "/admin/alerts/plannedwork/"
    page = client.post(
        changelist, {"action": "publish", "_selected_action": [work.pk]}, follow=True
    )
    assert "at least 7 days ahead" in page.content.decode()
    work.refresh_from_db()
    assert work.published_at is None
    client.post(changelist, {"action": "publish_short_notice", "_selected_action": [work.pk]})
    work.refresh_from_db()
    assert work.published_at is not None
    assert client.get(f"{changelist}{work.pk}/change/").status_code == 200  # read-only now

    failed = Notification.objects.filter(template="planned.notice").first()
    assert failed is not None
    Notification.objects.filter(pk=failed.pk).update(
        status=Notification.Status.FAILED, attempts=8, last_error="gateway down"
    )
    client.post("/admin/alerts/notification/", {"action": "retry", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Notification.Status.PENDING, 0)
