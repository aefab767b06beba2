"""Discovery and the service list: what a client reads before it reports anything."""

from django.test import Client

from dispatch.models import CategoryRule
from tests.alerts import test_open311 as shared
from tests.alerts.test_open311 import BASE, xml

city = shared.city

SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]


def test_every_category_with_a_rule_is_a_service(client: Client, city: None) -> None:
    services = client.get(f"{BASE}/services.json").json()
    assert [s["service_code"] for s in services] == list(
        CategoryRule.objects.values_list("category", flat=True)
    )
    assert all(list(s) == SERVICE_FIELDS for s in services)
    leak = next(s for s in services if s["service_code"] == "leak_indoor")
    assert leak["service_name"] == "Gas odour or leak inside a building"
    assert (leak["metadata"], leak["type"], leak["group"]) == (False, "realtime", "Emergency")
    assert "室内燃气泄漏" in leak["description"]
    assert "Leave the building now" in leak["description"]
    assert "漏气" in leak["keywords"]
    groups = {s["service_code"]: s["group"] for s in services}
    assert (groups["no_gas"], groups["billing"], groups["repair"]) == (
        "Gas supply",
        "Customer service",
        "Service and repairs",
    )

    chinese = client.get(f"{BASE}/services.json", {"locale": "zh-CN"}).json()
    assert next(s for s in chinese if s["service_code"] == "leak_indoor")["service_name"] == (
        "室内燃气泄漏"
    )

    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert len(root) == len(services)
    first = root[0]
    assert first.tag == "service"
    assert [c.tag for c in first] == SERVICE_FIELDS
    assert first.findtext("metadata") == "false"
    assert first.findtext("service_code") == services[0]["service_code"]


def test_a_removed_rule_is_no_longer_offered(client: Client, city: None) -> None:
    CategoryRule.objects.filter(category="billing").delete()
    codes = {s["service_code"] for s in client.get(f"{BASE}/services.json").json()}
    assert "billing" not in codes
    assert "leak_outdoor" in codes


def test_a_service_definition_has_no_attributes(client: Client, city: None) -> None:
    assert client.get(f"{BASE}/services/leak_outdoor.json").json() == {
        "service_code": "leak_outdoor",
        "attributes": [],
    }
    root = xml(client.get(f"{BASE}/services/leak_outdoor.xml"))
    assert root.tag == "service_definition"
    assert [c.tag for c in root] == ["service_code", "attributes"]
    assert len(root.find("attributes") or []) == 0


def test_discovery_names_this_endpoint_and_its_formats(client: Client, city: None) -> None:
    found = client.get(f"{BASE}/discovery.json").json()
    assert list(found) == ["changeset", "contact", "key_service", "endpoints"]
    [endpoint] = found["endpoints"]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert found["contact"].startswith("燃气集团客服中心")
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]
    assert root.findtext("endpoints/endpoint/type") == "production"
