"""Routes of the network pages (included at the site root by config/urls.py)."""

from django.urls import URLPattern, path

from maps import views_network

urlpatterns: list[URLPattern] = [
    path("network/", views_network.network_map, name="network-map"),
    path("maps/network/at", views_network.network_at, name="network-at"),
]
