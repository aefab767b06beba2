"""The CAP routes alone, as config/urls.py includes them, for the feed tests."""

from django.urls import include, path

urlpatterns = [path("", include("alerts.urls_cap"))]
