"""GET requests is public (no key is asked for reading): a request placed at a flat is listed
with its street, compound and district, never its building, unit or room. The exact address
stays on the call for the centre."""

from typing import Any

import pytest
from django.test import Client

from alerts.open311.keys import IssuedKey
from dispatch.models import Call
from gis.models import Premise
from tests.alerts import test_open311 as shared
from tests.alerts.test_cap_privacy import FLAT
from tests.alerts.test_open311 import BASE, at, post, xml

city = shared.city
issued = shared.issued
premise = shared.premise


def _create(client: Client, issued: IssuedKey, **fields: Any) -> str:
    response = post(client, api_key=issued.raw, **fields)
    assert response.status_code == 200, response.content
    [receipt] = response.json()
    return str(receipt["service_request_id"])


def _public_addresses(client: Client, request_id: str) -> list[str]:
    """The address every public answer gives for the request: list and detail, JSON and XML."""
    listed = [r["address"] for r in client.get(f"{BASE}/requests.json").json()]
    [detail] = client.get(f"{BASE}/requests/{request_id}.json").json()
    shown = [r.findtext("address") or "" for r in xml(client.get(f"{BASE}/requests.xml"))]
    [element] = xml(client.get(f"{BASE}/requests/{request_id}.xml"))
    return [*listed, detail["address"], *shown, element.findtext("address") or ""]


def test_a_request_at_a_chinese_flat_is_listed_with_the_compound_not_the_flat(
    client: Client, issued: IssuedKey, premise: Premise
) -> None:
    typed = (
        f"{premise.district}{premise.road_name}{premise.house_number}号"
        f"{premise.building}号楼{premise.unit}单元{premise.room}"
    )
    request_id = _create(
        client,
        issued,
        service_code="leak_indoor",
        address_id=premise.asset_id,
        address_string=typed,
    )
    addresses = _public_addresses(client, request_id)
    assert len(addresses) == 4
    for address in addresses:
        assert address == f"{premise.district}{premise.road_name}{premise.house_number}号"
        assert not FLAT.search(address), address
    assert Call.objects.get(channel="open311").address_text == typed  # kept inside


@pytest.mark.parametrize(
    ("typed", "public"),
    [
        ("Flat 5, 12 High Street, Camden", "12 High Street, Camden"),
        ("河西区阳光小区3号楼2单元501", "河西区阳光小区"),
    ],
)
def test_a_request_typed_at_a_flat_with_coordinates_is_listed_without_the_flat(
    client: Client, issued: IssuedKey, premise: Premise, typed: str, public: str
) -> None:
    request_id = _create(
        client,
        issued,
        service_code="leak_outdoor",
        **at(premise),
        address_string=typed,
        locale="en",
    )
    for address in _public_addresses(client, request_id):
        assert address == public
        assert not FLAT.search(address), address
    assert Call.objects.get(channel="open311").address_text == typed
