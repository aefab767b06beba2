from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField(source="get_full_name")
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")
    # None for a user not yet placed in the organisation (org_unit is optional).
    org_unit = serializers.CharField(source="org_unit.code", default=None, allow_null=True)


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request: Request) -> Response:
    """The signed-in user, their role and organisational unit."""
    return Response(MeSerializer(request.user).data)
