"""The GeoReport v2 endpoints. Plain Django views (the spec fixes every element name, so the
answers are written by alerts.open311.render); kept out of the OpenAPI schema, as the
Open311 spec is their contract. CSRF does not apply: POSTs carry an API key, not a cookie."""

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from alerts.open311.body import request_params
from alerts.open311.catalogue import service_codes, service_list
from alerts.open311.errors import Open311Error, bad_request
from alerts.open311.filters import request_filter_parse
from alerts.open311.forms import request_in
from alerts.open311.intake import call_request_id, open311_request_create
from alerts.open311.keys import api_key_actor, api_key_authenticate
from alerts.open311.location import place_resolve
from alerts.open311.render import (
    FORMATS,
    errors_response,
    record_response,
    records_response,
)
from alerts.open311.selectors import (
    service_request_for_token,
    service_request_get,
    service_request_list,
)
from alerts.open311.throttles import Open311AddressThrottle, Open311KeyThrottle
from alerts.open311.wording import language_from
from config.counters import counter_increment
from config.throttles import client_address
from dispatch.choices import Language
from dispatch.errors import DispatchError
from dispatch.models import CategoryRule
from gis.models import OrgUnit

log = logging.getLogger("alerts.open311")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-22T00:00:00+08:00"  # when this API last changed shape

View = Callable[..., HttpResponse]


def _refusal(request: HttpRequest, fmt: str, error: Open311Error) -> HttpResponse:
    log.warning(
        "open311 %s %s from %s refused (%s): %s",
        request.method,
        request.path,
        client_address(request),
        error.status,
        error,
    )
    counter_increment(f"open311.refused.{error.status}")
    return errors_response(fmt, error.status, error.descriptions)


def endpoint(*methods: str) -> Callable[[View], View]:
    """Format and method checked; refusals answered in the spec's error shape, logged and
    counted (`open311.refused.<status>`)."""

    def wrap(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        def run(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            try:
                Open311AddressThrottle().check(request)
                if fmt not in FORMATS:
                    raise Open311Error(404, f"unknown format {fmt!r}: ask for .json or .xml")
                if request.method not in methods:
                    raise Open311Error(405, f"{request.method} is not allowed here")
                return view(request, fmt, **kwargs)
            except Open311Error as refused:
                error = refused
            except DispatchError as refused:  # the intake's own checks, in our shape
                error = Open311Error(refused.status, refused.message)
            response = _refusal(request, fmt, error)
            if error.status == 405:
                response["Allow"] = ", ".join(methods)
            if error.retry_after is not None:
                response["Retry-After"] = str(error.retry_after)
            return response

        return run

    return wrap


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    group = OrgUnit.objects.filter(tier=OrgUnit.Tier.GROUP).order_by("code").first()
    base = request.build_absolute_uri("./").rstrip("/")
    return record_response(
        fmt,
        root="discovery",
        record={
            "changeset": CHANGESET,
            "contact": f"{group.name} {group.phone}".strip() if group else "",
            "key_service": "Keys are issued by the utility's administrator "
            "(manage.py open311_key create <name>).",
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": base,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    language = language_from(request.GET.get("locale", ""), default=Language.EN)
    return records_response(fmt, root="services", item="service", records=service_list(language))


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    """Our services have no extra attributes (metadata false); asked anyway, say so."""
    if service_code not in service_codes():
        raise Open311Error(404, f"unknown service_code {service_code!r}: see services.json")
    return record_response(
        fmt, root="service_definition", record={"service_code": service_code, "attributes": []}
    )


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.content_type == "application/json":
        raise bad_request(
            "send the fields form-encoded (application/x-www-form-urlencoded), as GeoReport v2 asks"
        )
    params = request_params(request)
    key = api_key_authenticate(params.get("api_key", ""))
    Open311KeyThrottle(key).check(request)
    data = request_in(params)
    rule = CategoryRule.objects.filter(category=data.service_code).first()
    place = place_resolve(
        lat=data.lat,
        long=data.long,
        address_string=data.address_string,
        address_id=data.address_id,
        utility=rule.utility if rule else "gas",  # an unknown code is refused by request_in
    )
    receipt = open311_request_create(key=key, actor=api_key_actor(key), data=data, place=place)
    record = {
        "service_request_id": receipt.service_request_id,
        "token": call_request_id(receipt.call),
        "service_notice": receipt.service_notice or None,
        "account_id": data.account_id or None,
    }
    return records_response(fmt, root="service_requests", item="request", records=[record])


@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    wanted = request_filter_parse(request.GET, now=timezone.now())
    return records_response(
        fmt, root="service_requests", item="request", records=service_request_list(wanted)
    )


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    record = service_request_get(request_id)
    if record is None:
        raise Open311Error(404, f"no service request {request_id!r}")
    return records_response(fmt, root="service_requests", item="request", records=[record])


@endpoint("GET")
def token(request: HttpRequest, fmt: str, token_id: str) -> HttpResponse:
    request_id = service_request_for_token(token_id)
    if request_id is None:
        raise Open311Error(404, f"no token {token_id!r}")
    return records_response(
        fmt,
        root="service_requests",
        item="request",
        records=[{"service_request_id": request_id, "token": token_id}],
    )


@csrf_exempt
def not_found(request: HttpRequest, path: str) -> HttpResponse:
    """Any other path under /open311/v2/: the spec's 404 (in XML when the path asks for it),
    not Django's HTML page."""
    fmt = "xml" if path.lower().endswith(".xml") else "json"
    try:
        Open311AddressThrottle().check(request)
        error = Open311Error(
            404, _("no such resource %(path)r: see discovery.json") % {"path": path}
        )
    except Open311Error as refused:
        error = refused
    response = _refusal(request, fmt, error)
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return response
