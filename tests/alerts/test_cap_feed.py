"""The public CAP feeds over HTTP: an Atom feed of current messages, each message as issued."""

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from lxml import etree
from pytest_django import DjangoAssertNumQueries

from alerts.models import CapMessage
from dispatch.services.isolation import incident_isolation_trace
from tests.alerts.test_cap import (
    CAP,
    assert_cap_1_2,
    demo_city_load,
    messages,
    open_incident,
    premise_on_a_main,
)

ATOM = {"atom": "http://www.w3.org/2005/Atom"}
SITE = "https://gas.example.org"

pytestmark = pytest.mark.urls("tests.alerts.cap_urls")


@pytest.fixture
def city(db: None) -> None:
    demo_city_load()


@override_settings(SITE_URL=SITE)
def test_the_feed_lists_each_incidents_newest_message_linking_to_its_xml(
    city: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    traced = open_incident(premise_on_a_main(), "leak_indoor")
    incident_isolation_trace(incident_id=traced.pk, actor=None)
    fire = open_incident(premise_on_a_main(40), "fire")
    stale = open_incident(premise_on_a_main(80), "leak_indoor")
    # An alert past its six hours has expired: hubs have dropped it, the feed does too.
    CapMessage.objects.filter(incident=stale).update(
        sent=messages(stale)[0].sent - timedelta(hours=7)
    )
    public = Client()  # nobody signed in

    with django_assert_num_queries(1):
        response = public.get("/cap/alerts.atom")

    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == "application/atom+xml"
    feed = etree.fromstring(response.content)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert feed.find("atom:link[@rel='self']", ATOM).get("href") == f"{SITE}/cap/alerts.atom"
    entries = feed.findall("atom:entry", ATOM)
    newest = [messages(fire)[-1], messages(traced)[-1]]  # newest first
    assert [e.findtext("atom:id", namespaces=ATOM) for e in entries] == [
        f"{SITE}/cap/{m.identifier}.xml" for m in newest
    ]
    assert [e.find("atom:category", ATOM).get("term") for e in entries] == ["Alert", "Update"]
    for entry, message in zip(entries, newest, strict=True):
        link = entry.find("atom:link[@rel='alternate']", ATOM)
        assert link.get("type") == "application/cap+xml"
        assert entry.findtext("atom:title", namespaces=ATOM)
        sent = etree.fromstring(message.xml.encode()).findtext("cap:sent", namespaces=CAP)
        assert entry.findtext("atom:updated", namespaces=ATOM) == sent

        served = public.get(link.get("href").removeprefix(SITE))
        assert served.status_code == 200
        assert served["Content-Type"].split(";")[0] == "application/cap+xml"
        assert served.content.decode() == message.xml  # exactly as issued
        assert_cap_1_2(served.content.decode())


def test_an_unknown_message_is_not_found_and_an_empty_feed_is_still_a_feed(city: None) -> None:
    public = Client()
    assert public.get("/cap/gas-dispatch.local-GX-20990101-0001-1.xml").status_code == 404
    assert public.post("/cap/alerts.atom").status_code == 405

    response = public.get("/cap/alerts.atom")
    assert response.status_code == 200
    feed = etree.fromstring(response.content)
    assert feed.findall("atom:entry", ATOM) == []
    assert feed.findtext("atom:updated", namespaces=ATOM)
