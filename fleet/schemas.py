"""What the fleet's HTTP endpoints answer, for the OpenAPI document."""

from rest_framework import serializers


class PositionStoredOut(serializers.Serializer):
    stored = serializers.IntegerField(help_text="1 when the fix was new")
    duplicate = serializers.IntegerField(help_text="1 when the same fix had come before")
