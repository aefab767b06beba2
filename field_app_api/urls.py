from django.urls import path

from field_app_api import api

urlpatterns = [
    path("token/", api.token, name="field-token"),  # with the lockout and its throttle
    path("me/", api.me, name="field-me"),
    path("work-orders/", api.work_orders, name="field-work-orders"),
    path("work-orders/<int:work_order_id>/", api.work_order_detail, name="field-work-order"),
    path(
        "work-orders/<int:work_order_id>/actions/",
        api.work_order_action,
        name="field-work-order-action",
    ),
    path(
        "work-orders/<int:work_order_id>/findings/",
        api.work_order_findings,
        name="field-work-order-findings",
    ),
    path(
        "work-orders/<int:work_order_id>/photos/",
        api.work_order_photo,
        name="field-work-order-photo",
    ),
    path("crew/status/", api.crew_status, name="field-crew-status"),
]
