"""A public alert names the street, the compound or landmark and the area, never the flat: a
caller's address down to building, unit and room stays on the incident and its timeline."""

import re

import pytest
from django.test import Client
from lxml import etree

from alerts.cap.place import public_address
from dispatch.models import Call, Incident, User
from dispatch.services.intake import CallInput, call_open_incident, call_receive
from gis.models import Premise
from tests.alerts.test_cap import CAP, assert_cap_1_2, demo_city_load, messages, premise_on_a_main

pytestmark = pytest.mark.urls("tests.alerts.cap_urls")

# A building, unit, room or floor, in either language, as a caller may type it.
FLAT = re.compile(
    r"\d+\s*(?:号楼|栋|幢|座|单元|室|层|楼)|\b(?:room|unit|building|flat|apt|floor|block)\b"
    r"|501|12B",
    re.IGNORECASE,
)


@pytest.fixture
def city(db: None) -> None:
    demo_city_load()


def _p1_leak(*, premise: Premise | None, typed: str, point_from: Premise) -> Incident:
    dispatcher = User.objects.get(username="dispatcher")
    call = call_receive(
        data=CallInput(
            category="fire",
            premise_id=premise.pk if premise else None,
            address_text=typed,
            point=None if premise else point_from.geom,
        ),
        taker=dispatcher,
    )
    return call_open_incident(call_id=call.pk, actor=dispatcher)


def _public_texts(xml: str) -> list[str]:
    root = assert_cap_1_2(xml)
    texts = []
    for path in ("headline", "description", "instruction", "area/areaDesc", "event"):
        texts += [n.text or "" for n in root.iterfind(f"cap:info/cap:{path}", CAP)]
    return texts


def _feed_texts(client: Client) -> list[str]:
    feed = etree.fromstring(client.get("/cap/alerts.atom").content)
    atom = {"a": "http://www.w3.org/2005/Atom"}
    return [n.text or "" for n in feed.iterfind("a:entry/*", atom)]


def test_a_p1_at_a_flat_alerts_with_the_street_and_district_but_not_the_flat(
    city: None, client: Client
) -> None:
    premise = (
        Premise.objects.filter(service_segment__isnull=False)
        .exclude(room="")  # a flat: building, unit and room
        .order_by("asset_id")
        .first()
    )
    assert premise is not None
    typed = f"{premise.district}{premise.road_name}{premise.house_number}号" + (
        f"{premise.building}号楼{premise.unit}单元{premise.room}室"
    )
    incident = _p1_leak(premise=premise, typed=typed, point_from=premise)

    (alert,) = messages(incident)
    texts = _public_texts(alert.xml)
    joined = " ".join(texts)
    assert not FLAT.search(joined.replace(incident.reference, "")), joined
    assert premise.room not in joined
    assert f"{premise.road_name}{premise.house_number}号" in joined
    assert premise.district in joined
    english_road = premise.full_text_en.split(", ")[-2]  # "No. 32 Youyi Road"
    assert english_road in joined
    feed = " ".join(_feed_texts(client))
    assert premise.room not in feed.replace(incident.reference, "")

    # The exact address stays inside: on the incident and the call.
    incident.refresh_from_db()
    assert incident.address_text == typed
    assert Call.objects.get(incident=incident).address_text == typed


@pytest.mark.parametrize(
    ("typed", "kept", "dropped"),
    [
        ("河西区阳光小区3号楼2单元501", "河西区阳光小区", "501"),
        ("天津市和平区友谊路32号3-2-501", "友谊路32号", "501"),
        ("Room 501, Unit 2, Building 3, No. 32 Youyi Road, Hexi District", "Youyi Road", "501"),
        ("Flat 5, 12 High Street, Camden", "12 High Street, Camden", "Flat"),
        ("Apt 12B, 350 Fifth Avenue", "350 Fifth Avenue", "12B"),
    ],
)
def test_typed_text_with_no_premise_is_cut_at_the_building(
    city: None, typed: str, kept: str, dropped: str
) -> None:
    incident = _p1_leak(premise=None, typed=typed, point_from=premise_on_a_main(7))
    (alert,) = messages(incident)
    joined = " ".join(_public_texts(alert.xml)).replace(incident.reference, "")
    assert kept in joined
    assert dropped not in joined
    assert not FLAT.search(joined), joined


@pytest.mark.parametrize(
    ("text", "public"),
    [
        ("河西区友谊路32号3号楼2单元501", "河西区友谊路32号"),
        ("河西区友谊路32号5楼501室", "河西区友谊路32号"),
        ("友谊路32-3-2-501", "友谊路"),  # one token: the number goes with the flat
        ("河西区阳光小区3号楼2单元501", "河西区阳光小区"),
        ("阳光小区", "阳光小区"),
        ("友谊路与解放道交口", "友谊路与解放道交口"),
        (
            "Room 501, Unit 2, Building 3, No. 32 Youyi Road, Hexi District",
            "No. 32 Youyi Road, Hexi District",
        ),
        ("Flat 5, 12 High Street, Camden", "12 High Street, Camden"),
        ("Flat 5 12 High Street", "12 High Street"),
        ("12 High Street, 3rd floor", "12 High Street"),
        ("Apt 12B, 350 Fifth Avenue, New York", "350 Fifth Avenue, New York"),
        ("32 Youyi Road Building 3 Unit 2", "32 Youyi Road"),
        ("Room 501", ""),
        ("", ""),
    ],
)
def test_public_address_keeps_street_compound_and_district(text: str, public: str) -> None:
    assert public_address(text) == public
