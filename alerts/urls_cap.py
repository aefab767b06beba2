"""Routes of the public CAP alerts (included at the site root by config/urls.py)."""

from django.urls import path

from alerts import views_cap

urlpatterns = [
    path("cap/alerts.atom", views_cap.cap_feed, name="cap-feed"),
    path("cap/<str:identifier>.xml", views_cap.cap_message, name="cap-message"),
]
