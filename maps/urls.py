"""Routes of the map wall, its delta feed, the network tiles and the dispatch queue (included by
config/urls.py)."""

from django.urls import path

from maps import api_queue, views_dispatch, views_list, views_wall

urlpatterns = [
    path("wall/", views_wall.wall, name="wall"),
    path("dispatch/", views_dispatch.dispatch_screen, name="dispatch-screen"),
    path("incidents/", views_list.incident_list, name="incident-list"),
    path("maps/feed", views_wall.feed, name="maps-feed"),
    path(
        "maps/tiles/network/<int:z>/<int:x>/<int:y>.pbf",
        views_wall.network_tiles,
        name="maps-network-tiles",
    ),
    path("api/dispatch-queue/", api_queue.dispatch_queue, name="api-dispatch-queue"),
    path(
        "api/dispatch-queue/<int:incident_id>/",
        api_queue.dispatch_queue_incident,
        name="api-dispatch-queue-incident",
    ),
]
