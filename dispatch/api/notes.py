"""Staff notes on an incident: `POST /api/incidents/<id>/notes/`."""

from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from config.openapi import answer
from dispatch.access import Capability, permission_for
from dispatch.api.schemas import NoteOut
from dispatch.errors import ForbiddenError
from dispatch.models import User
from dispatch.services.notes import NOTE_MAX_CHARS, incident_note_add


class NoteIn(serializers.Serializer):
    # Length and emptiness are the service's to judge (after trimming), so the words of the
    # refusal are the same from the API, the console and any later caller.
    text = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text=f"the note, at most {NOTE_MAX_CHARS} characters",
    )


@extend_schema(
    operation_id="incident_note_add",
    summary="Add a staff note to the incident's timeline",
    request=NoteIn,
    parameters=None,
    responses={201: NoteOut},
)
@api_view(["POST"])
# Those who take calls: call takers, dispatchers, supervisors, administrators (the service
# checks the same, and the incident's organisation).
@permission_classes([permission_for(Capability.CALL_INTAKE)])
def incident_note_create(request: Request, incident_id: int) -> Response:
    """Append the note; 400 when empty or too long, 403 outside the user's organisation."""
    user = request.user
    if not isinstance(user, User):
        raise ForbiddenError(gettext("sign in first"))
    payload = NoteIn(data=request.data)
    payload.is_valid(raise_exception=True)
    note = incident_note_add(
        incident_id=incident_id,
        text=payload.validated_data["text"],
        actor=user,
        at=timezone.now(),
    )
    body = {"id": note.id, "at": note.at, "actor": note.actor, "text": note.text}
    return answer(NoteOut, body, status=status.HTTP_201_CREATED)
