"""Routes of the incident pages (included at the site root by config/urls.py)."""

from django.urls import URLPattern, path

from maps import views_incident

urlpatterns: list[URLPattern] = [
    path("incidents/<str:reference>/map", views_incident.incident_map, name="incident-map"),
    path(
        "incidents/<str:reference>/map/trace",
        views_incident.incident_trace_run,
        name="incident-isolation-trace",
    ),
]
