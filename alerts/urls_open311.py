"""Routes of the open311 part of alerts (included by config/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
