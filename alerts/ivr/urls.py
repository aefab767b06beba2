"""Routes of the IVR's API (included by config/urls.py at api/ivr/)."""

from django.urls import URLPattern, path

from alerts.ivr import views

urlpatterns: list[URLPattern] = [
    path("report-status/", views.report_status_view, name="ivr-report-status"),
    path("premise-status/", views.premise_status_view, name="ivr-premise-status"),
    path("announcement/", views.announcement_view, name="ivr-announcement"),
    path("callback/", views.callback_view, name="ivr-callback"),
]
