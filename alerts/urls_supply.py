"""Routes of the supply status API (included at the site root by config/urls.py)."""

from django.urls import URLPattern, path

from alerts import supply_status

urlpatterns: list[URLPattern] = [
    path("api/supply-status/", supply_status.supply_status, name="supply-status"),
]
