"""Routes of the network pages (included at the site root by config/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
