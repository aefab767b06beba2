"""Open311 floods: POSTs are limited per API key, every request per address; a throttled
client is told in the spec's error shape when to come back, and the refusal is logged and
counted."""

import logging
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from alerts.open311.keys import IssuedKey, api_key_create
from config.counters import counters_all
from dispatch.models import Call
from gis.models import Premise
from tests.alerts import test_open311 as shared
from tests.alerts.test_open311 import BASE, at, xml

city = shared.city
issued = shared.issued
premise = shared.premise


def _rates(**rates: str) -> Any:
    framework: dict[str, Any] = dict(settings.REST_FRAMEWORK)
    framework["DEFAULT_THROTTLE_RATES"] = {**framework["DEFAULT_THROTTLE_RATES"], **rates}
    return override_settings(REST_FRAMEWORK=framework)


def _post(client: Client, key: IssuedKey, premise: Premise, fmt: str = "json", **extra: Any) -> Any:
    fields = {"api_key": key.raw, "service_code": "repair", **at(premise)}
    return client.post(f"{BASE}/requests.{fmt}", fields, **extra)


def _throttled(response: Any) -> int:
    assert response.status_code == 429, response.content
    [error] = response.json()
    assert error["code"] == 429
    assert "too many" in error["description"].lower()
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    return wait


def test_a_flood_of_posts_from_one_key_gets_429_in_the_spec_shape(
    client: Client, issued: IssuedKey, premise: Premise, caplog: pytest.LogCaptureFixture
) -> None:
    counted = counters_all().get("open311.refused.429", 0)
    with _rates(open311_post="3/minute", open311_read="1000/minute"):
        for _ in range(3):
            assert _post(client, issued, premise).status_code == 200
        stored = Call.objects.count()
        with caplog.at_level(logging.WARNING, logger="alerts.open311"):
            _throttled(_post(client, issued, premise))
            response = _post(client, issued, premise, "xml")
        assert response.status_code == 429
        assert xml(response).findtext("error/code") == "429"
        assert response["Retry-After"]
        assert Call.objects.count() == stored  # refused: nothing stored
        assert counters_all()["open311.refused.429"] == counted + 2
        assert any("refused (429)" in r.getMessage() for r in caplog.records)

        # Another linked system, from the same address, is not held up by the first one.
        other = api_key_create(name="Provincial 110 link")
        assert _post(client, other, premise).status_code == 200


def test_reads_are_limited_per_address(client: Client, city: None) -> None:
    with _rates(open311_read="5/minute"):
        for _ in range(5):
            assert client.get(f"{BASE}/services.json").status_code == 200
        _throttled(client.get(f"{BASE}/requests.json"))
        # Another address still reads.
        assert client.get(f"{BASE}/services.json", REMOTE_ADDR="192.0.2.7").status_code == 200
