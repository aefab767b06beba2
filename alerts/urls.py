"""Routes of the caller's status page and the supervisors' escalation list (included by
config/urls.py)."""

from django.urls import path

from alerts import views_escalations, views_status

urlpatterns = [
    path("s/<str:token>", views_status.status_page, name="status-page"),
    path("s/<str:token>/stop", views_status.status_stop, name="status-stop"),
    path("escalations/", views_escalations.escalation_list, name="escalations"),
]
