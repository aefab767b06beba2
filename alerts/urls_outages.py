"""Routes of the outages part of alerts (included at the site root by config/urls.py)."""

from django.urls import URLPattern, path

from alerts import views_outages

urlpatterns: list[URLPattern] = [
    path("outages/", views_outages.outage_lookup, name="outage-lookup"),
]
