"""Open311 GeoReport v2 (included by config/urls.py at open311/v2/). Every path ends in the
format asked for, `.json` or `.xml`; any other, and any path that is not one of these, is
answered with a 404 in the error shape."""

from django.urls import URLPattern, re_path

from alerts.open311 import views

FMT = r"\.(?P<fmt>\w+)$"
# An id may hold dots ("gas.leak.json" asks for service gas.leak): the last dot starts the format.
ID = r"(?P<{}>[^/]+?)"

urlpatterns: list[URLPattern] = [
    re_path(rf"^discovery{FMT}", views.discovery, name="open311-discovery"),
    re_path(rf"^services{FMT}", views.services, name="open311-services"),
    re_path(
        rf"^services/{ID.format('service_code')}{FMT}",
        views.service_definition,
        name="open311-service",
    ),
    re_path(rf"^requests{FMT}", views.requests, name="open311-requests"),
    re_path(
        rf"^requests/{ID.format('request_id')}{FMT}", views.request_detail, name="open311-request"
    ),
    # The spec's swagger file writes the single request as /request/<id>; the wiki, /requests/.
    re_path(rf"^request/{ID.format('request_id')}{FMT}", views.request_detail),
    re_path(rf"^tokens/{ID.format('token_id')}{FMT}", views.token, name="open311-token"),
    # Last: whatever else is asked under /open311/v2/ gets the spec's 404, never an HTML page.
    re_path(r"^(?P<path>(?s:.*))$", views.not_found),
]
