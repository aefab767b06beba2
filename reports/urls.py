from django.urls import path

from reports import api, views_exports

urlpatterns = [
    path("api/reports/figures/", api.figures, name="api-reports-figures"),
    path("api/reports/figures/<str:key>/items/", api.items, name="api-reports-items"),
    path("api/reports/breaches/", api.breaches, name="api-reports-breaches"),
    path("reports/export.csv", views_exports.report_export, {"fmt": "csv"}, name="reports-csv"),
    path("reports/export.xlsx", views_exports.report_export, {"fmt": "xlsx"}, name="reports-xlsx"),
]
