"""Customer data only for roles that take calls: a safety manager reviews the whole timeline,
through the API, the replay page and every export, without a caller's number, name or account;
a dispatcher (who calls back) still reads them."""

import pytest
from django.test import Client

from dispatch.models import Customer, User
from dispatch.redaction import customer_data_redact
from tests.maps.test_timeline import Replayed, _pdf_text, demo, leak_replayed  # noqa: F401

PHONES = ("13800138000", "13900139000")
NAME = "Li Na"
ACCOUNT = "ACC-4711"


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def replayed(demo: None) -> Replayed:  # noqa: F811 - this module's own, with a known customer
    # The first caller is a customer (found by number): the timeline records the account.
    Customer.objects.create(account_no=ACCOUNT, name="Li Na", phones=[PHONES[0]])
    return leak_replayed()


def _personal(replayed: Replayed) -> list[str]:
    """What identifies the callers of the replayed leak: numbers, a name, an account."""
    assert replayed.incident.calls.filter(customer__account_no=ACCOUNT).exists()
    return [*PHONES, NAME, ACCOUNT]


def _bodies(client: Client, replayed: Replayed) -> dict[str, str]:
    incident = replayed.incident
    page = f"/incidents/{incident.reference}/timeline"
    bodies = {}
    for name, path in (
        ("api", f"/api/incidents/{incident.id}/timeline/"),
        ("page", page),
        ("csv", f"{page}.csv"),
        ("json", f"{page}.json"),
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        bodies[name] = response.content.decode()
    pdf = client.get(f"{page}.pdf")
    assert pdf.status_code == 200
    # PDF strings escape their parentheses.
    bodies["pdf"] = _pdf_text(pdf.content).replace("\\(", "(").replace("\\)", ")")
    return bodies


def test_safety_manager_reads_the_timeline_without_callers_numbers_names_or_accounts(
    replayed: Replayed,
) -> None:
    personal = _personal(replayed)
    for name, body in _bodies(_client("safety"), replayed).items():
        for value in personal:
            assert value not in body, (name, value)
        assert "(hidden)" in body, name  # the reader sees that something is withheld
    # The incident's own address is operational: the review still says where it was.
    page = _client("safety").get(f"/incidents/{replayed.incident.reference}/timeline")
    assert replayed.incident.address_text in page.content.decode()


def test_dispatcher_still_reads_the_callers_numbers_in_the_timeline(replayed: Replayed) -> None:
    bodies = _bodies(_client("dispatcher"), replayed)
    for name, body in bodies.items():
        assert PHONES[0] in body, name
        assert "(hidden)" not in body, name
    assert NAME in bodies["json"]


@pytest.mark.parametrize("role", ["safety_manager", "crew_member", None])
def test_event_data_loses_only_the_callers_details_for_those_who_take_no_calls(
    role: str | None,
) -> None:
    data = {
        "channel": "phone",
        "phone": "13800138000",
        "address": "1 Elm Road",
        "customer": "A-0001",
        "account_id": "citizen-7",
        "caller_email": "",
    }
    user = User(username="u", role=role) if role else None
    assert customer_data_redact(data, user=user) == {
        "channel": "phone",
        "phone": "(hidden)",
        "address": "1 Elm Road",
        "customer": "(hidden)",
        "account_id": "(hidden)",
        "caller_email": "",  # nothing there, nothing to hide
    }
    dispatcher = User(username="d", role="dispatcher")
    assert customer_data_redact(data, user=dispatcher) == data
