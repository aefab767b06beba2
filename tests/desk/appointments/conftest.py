"""A city's three stations (boxes over Tianjin), a customer at a premise of the central one,
staff of the company and of another station, and slots from tomorrow on."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from demo.org import demo_organisation_load
from desk.appointments.models import Slot, WorkType
from dispatch.models import Customer, User
from dispatch.roles import Role
from dispatch.services import user_create
from gis.models import OrgUnit, Premise

PHONE = "13912345678"


@dataclass
class Scene:
    units: dict[str, OrgUnit]
    station: OrgUnit  # the customer's: st-central
    premise: Premise
    customer: Customer
    desk: User  # a service desk agent of the city company: every station
    taker: User  # a call taker of the company: takes calls and books
    west: User  # a call taker of another station (st-west)


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, timezone.get_current_timezone())


def tomorrow() -> date:
    return timezone.localdate() + timedelta(days=1)


def slot_make(
    station: OrgUnit,
    day: date,
    hour: int,
    capacity: int = 2,
    work_type: str = WorkType.SAFETY_INSPECTION,
) -> Slot:
    return Slot.objects.create(
        station=station,
        work_type=work_type,
        starts_at=local(day, time(hour)),
        ends_at=local(day, time(hour + 2)),
        capacity=capacity,
    )


def premise_make(asset_id: str, point: Point, text: str) -> Premise:
    return Premise.objects.create(asset_id=asset_id, geom=point, full_text=text, search_key=text)


@pytest.fixture
def scene(db: None) -> Scene:
    units = demo_organisation_load()
    premise = premise_make("P-APPT-1", Point(117.215, 39.09, srid=4326), "河西区友谊路32号1单元501")
    customer = Customer.objects.create(account_no="8800123", name="王芳", phones=[PHONE])
    customer.premises.add(premise)
    return Scene(
        units=units,
        station=units["st-central"],
        premise=premise,
        customer=customer,
        desk=user_create(
            username="desk", password="demo", role=Role.DESK_AGENT, org_unit=units["gx-city"]
        ),
        taker=user_create(
            username="taker", password="demo", role=Role.CALL_TAKER, org_unit=units["gx-city"]
        ),
        west=user_create(
            username="west", password="demo", role=Role.CALL_TAKER, org_unit=units["st-west"]
        ),
    )
