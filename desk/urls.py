from django.urls import URLPattern, URLResolver, path

from desk import api, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("desk/", views.case_list_page, name="desk-cases"),
    path("desk/cases/<str:reference>/", views.case_page, name="desk-case"),
    path("desk/cases/<str:reference>/<str:action>/", views.case_step_page, name="desk-case-step"),
    path("api/desk/cases/", api.case_create_or_list, name="api-desk-cases"),
    path("api/desk/cases/<str:reference>/", api.case_detail, name="api-desk-case"),
    path("api/desk/cases/<str:reference>/identity/", api.case_identity, name="api-desk-identity"),
    path("api/desk/cases/<str:reference>/<str:action>/", api.case_step, name="api-desk-step"),
    path(
        "api/desk/incidents/<int:incident_id>/raise-case/",
        api.incident_case_raise,
        name="api-desk-raise",
    ),
]
