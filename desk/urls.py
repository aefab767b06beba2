from django.urls import URLPattern, URLResolver, path

from desk import api, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("desk/", views.case_list_page, name="desk-cases"),
    path("desk/cases/<slug:reference>/", views.case_page, name="desk-case"),
    path("desk/cases/<slug:reference>/<slug:action>/", views.case_step_page, name="desk-case-step"),
    path("api/desk/cases/", api.case_create_or_list, name="api-desk-cases"),
    path("api/desk/cases/<slug:reference>/", api.case_detail, name="api-desk-case"),
    path("api/desk/cases/<slug:reference>/identity/", api.case_identity, name="api-desk-identity"),
    path("api/desk/cases/<slug:reference>/<slug:action>/", api.case_step, name="api-desk-step"),
    path(
        "api/desk/incidents/<int:incident_id>/raise-case/",
        api.incident_case_raise,
        name="api-desk-raise",
    ),
]
