"""The reports' pages (included by config/urls.py beside reports.urls, the API)."""

from django.urls import path

from reports import views

urlpatterns = [
    path("reports/", views.dashboard_page, name="reports-dashboard"),
]
