from django.urls import path

from reports.monthly import views

urlpatterns = [
    path("reports/monthly/", views.monthly_list, name="reports-monthly"),
    path("reports/monthly/<int:pk>.pdf", views.monthly_pdf, name="reports-monthly-pdf"),
]
