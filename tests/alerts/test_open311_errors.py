"""Every refusal: the spec's error shape in the format asked for, the right status, words that
say what to fix, a log line and a count, and nothing changed."""

import logging
from typing import Any

import pytest
from django.test import Client

from alerts.open311.keys import IssuedKey
from config.counters import counters_all
from gis.models import Premise
from tests.alerts import test_open311 as shared
from tests.alerts.test_open311 import BASE, at, post, state, xml

# The shared fixtures (pytest finds fixtures by the module's names).
city = shared.city
issued = shared.issued
premise = shared.premise

SHANGHAI = {"lat": 31.2304, "long": 121.4737}  # far outside every station's territory


def _refused(response: Any, status: int, *words: str) -> str:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    errors = response.json()
    assert isinstance(errors, list)
    assert errors
    assert all(set(e) == {"code", "description"} and e["code"] == status for e in errors)
    text = " | ".join(e["description"] for e in errors)
    for word in words:
        assert word in text, text
    return text


LEAK = {"service_code": "leak_outdoor"}
# (case, placed at the test premise, fields besides the key, words the answer must hold)
POSTS: list[tuple[str, bool, dict[str, Any], str]] = [
    ("unknown service", True, {"service_code": "pothole"}, "unknown service_code 'pothole'"),
    ("no service", True, {}, "service_code: This field is required"),
    ("no location", False, LEAK, "a location is required"),
    ("lat words", False, {**LEAK, "lat": "north", "long": "117.2"}, "lat: give a WGS 84 lat"),
    ("lat range", False, {**LEAK, "lat": "95", "long": "117.2"}, "lat: Ensure this value"),
    ("long nan", False, {**LEAK, "lat": "39.1", "long": "nan"}, "long: give a WGS 84 long"),
    ("lat alone", False, {**LEAK, "lat": "39.1"}, "give both lat and long"),
    ("outside", False, {**LEAK, **SHANGHAI}, "outside the area we serve"),
    ("no such place", False, {**LEAK, "address_string": "Nowhere Lane 99999"}, "matches no"),
    ("no such id", False, {**LEAK, "address_id": "PR-NOPE"}, "address_id 'PR-NOPE' is not"),
    ("bad e-mail", True, {**LEAK, "email": "not-an-address"}, "email: Enter a valid email"),
    ("bad phone", True, {**LEAK, "phone": "call me"}, "is not a telephone number"),
    ("bad media", True, {**LEAK, "media_url": "javascript:alert(1)"}, "media_url: Enter a valid"),
    ("too long", True, {**LEAK, "description": "x" * 4001}, "description: Ensure this value"),
]


@pytest.mark.parametrize(
    ("placed", "fields", "words"), [p[1:] for p in POSTS], ids=[p[0] for p in POSTS]
)
def test_a_bad_post_is_refused_with_words_and_changes_nothing(
    client: Client,
    issued: IssuedKey,
    premise: Premise,
    placed: bool,
    fields: dict[str, Any],
    words: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    before, counted = state(), counters_all().get("open311.refused.400", 0)
    sent = {**(at(premise) if placed else {}), **fields}
    with caplog.at_level(logging.WARNING, logger="alerts.open311"):
        _refused(post(client, api_key=issued.raw, **sent), 400, words)
    assert state() == before
    assert counters_all()["open311.refused.400"] == counted + 1
    assert any("refused (400)" in r.getMessage() for r in caplog.records)


def test_an_address_that_fits_several_flats_is_refused_with_the_choices(
    client: Client, issued: IssuedKey, premise: Premise
) -> None:
    building = f"{premise.district}{premise.road_name}{premise.house_number}号"  # no flat
    assert premise.full_text.startswith(building)
    before = state()
    text = _refused(
        post(client, api_key=issued.raw, service_code="repair", address_string=building),
        400,
        "is not precise enough",
        "send lat and long",
    )
    assert premise.road_name in text
    assert state() == before


def test_errors_come_in_xml_when_xml_was_asked_for(
    client: Client, issued: IssuedKey, premise: Premise
) -> None:
    response = post(client, "xml", api_key=issued.raw, service_code="pothole", **at(premise))
    assert response.status_code == 400
    root = xml(response)
    assert root.tag == "errors"
    [error] = root
    assert [c.tag for c in error] == ["code", "description"]
    assert error.findtext("code") == "400"
    assert "unknown service_code 'pothole'" in (error.findtext("description") or "")


def test_a_json_body_is_refused_with_the_encoding_to_use(
    client: Client, issued: IssuedKey, premise: Premise
) -> None:
    before = state()
    response = client.post(
        f"{BASE}/requests.json",
        {"api_key": issued.raw, "service_code": "repair", **at(premise)},
        content_type="application/json",
    )
    _refused(response, 400, "application/x-www-form-urlencoded")
    assert state() == before


BAD_QUERIES = [
    ({"start_date": "yesterday"}, "start_date: 'yesterday' is not a W3C date-time"),
    ({"end_date": "2026-13-40"}, "end_date: '2026-13-40' is not a W3C date-time"),
    ({"start_date": "2026-11-20", "end_date": "2026-11-01"}, "end_date is before start_date"),
    ({"start_date": "2026-01-01", "end_date": "2026-11-01"}, "may not span more than 90 days"),
    ({"end_date": "0001-01-01T00:00:00+00:00"}, "out of range"),
    ({"status": "pending"}, "status pending: use open or closed"),
    ({"service_code": "leak_outdoor,pothole"}, "unknown service_code pothole"),
]


@pytest.mark.parametrize(("query", "words"), BAD_QUERIES)
def test_a_bad_query_is_refused_with_words(
    client: Client, city: None, query: dict[str, str], words: str
) -> None:
    _refused(client.get(f"{BASE}/requests.json", query), 400, words)


def test_unknown_things_are_404_and_wrong_methods_405(client: Client, city: None) -> None:
    _refused(client.get(f"{BASE}/requests/GX-19990101-0001.json"), 404, "no service request")
    _refused(client.get(f"{BASE}/requests/CALL-99999999999999999999.json"), 404)
    _refused(client.get(f"{BASE}/requests/GX%00.json"), 404)
    assert client.get(f"{BASE}/requests.json", {"service_request_id": "A\x00,B"}).json() == []
    _refused(client.get(f"{BASE}/tokens/CALL-1234567.json"), 404, "no token")
    _refused(client.get(f"{BASE}/services/pothole.json"), 404, "unknown service_code")
    _refused(client.get(f"{BASE}/services.html"), 404, "ask for .json or .xml")
    response = client.delete(f"{BASE}/requests.json")
    _refused(response, 405, "DELETE is not allowed")
    assert response["Allow"] == "GET, POST"
    _refused(client.post(f"{BASE}/services.json"), 405)
