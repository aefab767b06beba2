"""Routes of the map wall, its delta feed and the network tiles (included by config/urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
