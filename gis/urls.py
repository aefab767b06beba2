"""Mounted at /api/gis/ (config/urls.py)."""

from django.urls import path

from gis import api

urlpatterns = [
    path("geocode/", api.geocode_search, name="api-gis-geocode"),
    path("reverse/", api.reverse, name="api-gis-reverse"),
    path("roads.geojson", api.roads_geojson, name="api-gis-roads"),
]
