"""Public CAP alerts: the Atom feed and each message as issued. No login: they are public."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from alerts.cap.atom import cap_atom
from alerts.cap.selectors import cap_message_list_current, cap_message_xml_get


def _absolute(path: str) -> str:
    # The configured public address, not the request's Host: hubs keep entry ids for good.
    return settings.SITE_URL.rstrip("/") + path


@require_safe
def cap_feed(request: HttpRequest) -> HttpResponse:
    body = cap_atom(
        cap_message_list_current(),
        feed_url=_absolute(reverse("cap-feed")),
        url_of=lambda identifier: _absolute(reverse("cap-message", args=[identifier])),
    )
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


@require_safe
def cap_message(request: HttpRequest, identifier: str) -> HttpResponse:
    xml = cap_message_xml_get(identifier)
    if xml is None:
        raise Http404("no such CAP message")
    response = HttpResponse(xml, content_type="application/cap+xml; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"  # an issued message never changes
    return response
