"""Routes of the call-back work list, its API and the customer's answer page (included by
config/urls.py at the root)."""

from django.urls import path

from alerts import callback_api, views_callbacks

urlpatterns = [
    path("callbacks/", views_callbacks.callback_list, name="callbacks"),
    path(
        "callbacks/<int:callback_id>/attempt",
        views_callbacks.callback_attempt_post,
        name="callback-attempt",
    ),
    path("callback/<str:token>/", views_callbacks.callback_answer, name="callback-answer"),
    path("api/callbacks/", callback_api.callbacks_list_view, name="api-callbacks"),
    path(
        "api/callbacks/<int:callback_id>/attempts/",
        callback_api.callback_attempt_view,
        name="api-callback-attempts",
    ),
]
