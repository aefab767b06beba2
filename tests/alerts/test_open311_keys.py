"""API keys: issued once by a command, kept as a hash, needed to POST and not to read."""

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from alerts.models import ApiKey
from alerts.open311.keys import IssuedKey
from config.counters import counters_all
from dispatch.models import User
from gis.models import Premise
from tests.alerts import test_open311 as shared
from tests.alerts.test_open311 import BASE, at, post, state, xml

city = shared.city
issued = shared.issued
premise = shared.premise


def _command(*args: str) -> str:
    out = StringIO()
    call_command("open311_key", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_a_new_key_once_and_keeps_only_its_hash(city: None) -> None:
    out = _command("create", "City 12345 hotline")
    raw = out.splitlines()[-1]
    assert len(raw) >= 40
    key = ApiKey.objects.get(name="City 12345 hotline")
    assert key.active
    assert key.prefix == raw[:8]
    assert raw not in key.key_hash
    assert key.key_hash != raw
    account = User.objects.get(username=f"open311-{key.prefix}")
    assert account.org_unit is not None
    assert (account.role, account.org_unit.code) == ("call_taker", "gx-group")
    assert not account.has_usable_password()
    listed = _command("list")
    assert "City 12345 hotline" in listed
    assert raw not in listed  # shown once: never again
    assert "never" in listed
    with pytest.raises(CommandError, match="a key named 'City 12345 hotline' exists"):
        _command("create", "City 12345 hotline")
    with pytest.raises(CommandError, match="no key named 'Nobody'"):
        _command("revoke", "Nobody")


def _refused_403(response: Any) -> str:
    assert response.status_code == 403, response.content
    [error] = response.json()
    assert error["code"] == 403
    return error["description"]


def test_a_post_needs_a_valid_active_key_and_a_refusal_changes_nothing(
    client: Client, issued: IssuedKey, premise: Premise
) -> None:
    fields = {"service_code": "leak_outdoor", **at(premise)}
    before, counted = state(), counters_all().get("open311.refused.403", 0)
    assert "api_key is required" in _refused_403(post(client, **fields))
    wrong = issued.raw[:-4] + ("AAAA" if not issued.raw.endswith("AAAA") else "BBBB")
    assert "invalid api_key" in _refused_403(post(client, api_key=wrong, **fields))
    assert "invalid api_key" in _refused_403(post(client, api_key="short", **fields))
    assert "invalid api_key" in _refused_403(post(client, api_key="\x00" * 43, **fields))
    _command("revoke", "City 12345 hotline")
    assert "revoked" in _refused_403(post(client, api_key=issued.raw, **fields))
    root = xml(post(client, "xml", api_key=issued.raw, **fields))
    assert root.tag == "errors"
    assert root.findtext("error/code") == "403"
    assert state() == before
    assert counters_all()["open311.refused.403"] == counted + 6
    assert ApiKey.objects.get(pk=issued.key.pk).last_used_at is None


def test_a_key_in_the_query_string_works_and_its_use_is_recorded(
    client: Client, issued: IssuedKey, premise: Premise
) -> None:
    response = client.post(
        f"{BASE}/requests.json?api_key={issued.raw}",
        {"service_code": "repair", **at(premise)},
    )
    assert response.status_code == 200, response.content
    assert ApiKey.objects.get(pk=issued.key.pk).last_used_at is not None


def test_reading_needs_no_key(client: Client, issued: IssuedKey, premise: Premise) -> None:
    [receipt] = post(client, api_key=issued.raw, service_code="repair", **at(premise)).json()
    for path in (
        "discovery.json",
        "services.json",
        "services/repair.json",
        "requests.json",
        f"requests/{receipt['service_request_id']}.json",
        f"tokens/{receipt['token']}.json",
    ):
        assert client.get(f"{BASE}/{path}").status_code == 200, path
