"""The phone system's HTTP side, under /api/telephony/ (config/urls.py)."""

from django.urls import path

from telephony.webhook import PhoneWebhookView

urlpatterns = [
    path("webhook/<int:system_id>/", PhoneWebhookView.as_view(), name="telephony-webhook"),
]
