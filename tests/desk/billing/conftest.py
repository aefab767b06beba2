"""A staircase and its neighbours: premises in building 3 unit 2 of 友谊路32号 (the story's
building unit), one in unit 1 and one in building 5 (not in it); customers, their billing;
a call taker of the city company and one of another company far away."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.test import Client
from django.utils import timezone

from demo.org import demo_organisation_load
from desk.billing.models import AccountBalance, SupplyStatus
from dispatch.models import Customer, User
from dispatch.roles import Role
from dispatch.services import user_create
from gis.address import search_key
from gis.models import OrgUnit, Premise
from gis.services import org_unit_create

ROAD, NUMBER, DISTRICT = "友谊路", "32", "河西区"


def premise_make(asset: str, building: str, unit: str, room: str, lon: float) -> Premise:
    text = f"{DISTRICT}{ROAD}{NUMBER}号{building}号楼{unit}单元{room}室"
    return Premise.objects.create(
        asset_id=asset,
        geom=Point(lon, 39.09, srid=4326),
        district=DISTRICT,
        road_name=ROAD,
        house_number=NUMBER,
        building=building,
        unit=unit,
        room=room,
        full_text=text,
        full_text_en=f"Room {room}, Unit {unit}, Building {building}, 32 Youyi Road",
        search_key=search_key(text),
    )


@dataclass
class World:
    units: dict[str, OrgUnit]
    home: Premise  # 3号楼2单元501室: the caller's
    upstairs: Premise  # 3号楼2单元601室: same building unit
    other_unit: Premise  # 3号楼1单元101室
    other_building: Premise  # 5号楼2单元201室
    customer: Customer
    neighbour: Customer
    taker: User
    far_taker: User  # a call taker of another company
    safety: User


def at(text: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(text))


@pytest.fixture
def world(db: None) -> World:
    return world_build()


def world_build() -> World:
    units = demo_organisation_load()
    far = org_unit_create(
        code="gx-north",
        name="北郊燃气公司",
        tier=OrgUnit.Tier.COMPANY,
        parent=units["gx-group"],
        territory=MultiPolygon(Polygon.from_bbox((117.5, 39.5, 117.6, 39.6)), srid=4326),
    )
    home = premise_make("PR-1", "3", "2", "501", 117.2001)
    upstairs = premise_make("PR-2", "3", "2", "601", 117.2001)
    other_unit = premise_make("PR-3", "3", "1", "101", 117.2002)
    other_building = premise_make("PR-4", "5", "2", "201", 117.2003)
    customer = Customer.objects.create(
        account_no="GX00000001", name="李建国", phones=["13800000001"], address=home.full_text
    )
    customer.premises.add(home)
    neighbour = Customer.objects.create(
        account_no="GX00000002", name="王秀英", phones=["13800000002"]
    )
    neighbour.premises.add(upstairs)
    AccountBalance.objects.create(
        customer=customer,
        balance=Decimal("-386.50"),
        arrears=Decimal("386.50"),
        arrears_since=at("2026-09-01").date(),
        last_payment_at=at("2026-08-12 16:40"),
        last_payment_amount=Decimal("120.00"),
        supply_status=SupplyStatus.NORMAL,
        as_of=at("2026-12-01 02:00"),
        imported_at=timezone.now(),
    )
    return World(
        units=units | {"gx-north": far},
        home=home,
        upstairs=upstairs,
        other_unit=other_unit,
        other_building=other_building,
        customer=customer,
        neighbour=neighbour,
        taker=user_create(
            username="taker", password="pw", role=Role.CALL_TAKER, org_unit=units["gx-city"]
        ),
        far_taker=user_create(username="far", password="pw", role=Role.CALL_TAKER, org_unit=far),
        safety=user_create(
            username="safe", password="pw", role=Role.SAFETY_MANAGER, org_unit=units["gx-city"]
        ),
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
