"""Routes of the map wall, its delta feed and the network tiles (included by config/urls.py)."""

from django.urls import path

from maps import views_list, views_wall

urlpatterns = [
    path("wall/", views_wall.wall, name="wall"),
    path("incidents/", views_list.incident_list, name="incident-list"),
    path("maps/feed", views_wall.feed, name="maps-feed"),
    path(
        "maps/tiles/network/<int:z>/<int:x>/<int:y>.pbf",
        views_wall.network_tiles,
        name="maps-network-tiles",
    ),
]
