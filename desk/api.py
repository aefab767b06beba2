"""The desk's API: open a case from a call, list and read cases, read the caller (logged),
and take each step. Every step calls one service of desk.services and answers the case."""

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from desk.access import cases_visible, user_may_see_case
from desk.models import Case, CaseStatus
from desk.selectors import case_out
from desk.services import cases as steps
from desk.services.identity import case_identity_read
from desk.services.links import case_field_job, case_raise
from dispatch.access import Capability, permission_for
from dispatch.api.console import request_user
from dispatch.errors import DispatchError, ForbiddenError


class ChecklistStepOut(serializers.Serializer):
    step = serializers.IntegerField(help_text="its position: what `check {step}` names")
    # DRF's metaclass takes declared fields off the class, so this `label` does not hide
    # Field.label at run time; only the type checker sees the clash.
    label = serializers.CharField()  # type: ignore[assignment]
    done = serializers.BooleanField()


class CaseOut(serializers.Serializer):
    """A case as the reader may see it (desk.selectors.case_out)."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    status_label = serializers.CharField()
    confidential = serializers.BooleanField()
    subject = serializers.CharField()
    unit = serializers.CharField()
    unit_id = serializers.IntegerField()
    department = serializers.CharField(allow_null=True)
    return_to = serializers.CharField(allow_null=True)
    handler = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    answer_due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField(help_text="past its reply deadline, not replied to yet")
    answer_text = serializers.CharField(allow_blank=True, help_text="the second tier's answer")
    reply_text = serializers.CharField(allow_blank=True)
    replied_at = serializers.DateTimeField(allow_null=True)
    checklist = ChecklistStepOut(many=True, help_text="the case type's steps, in order")
    field_incident = serializers.CharField(allow_null=True, help_text="its field job's reference")
    raised_by = serializers.CharField(allow_null=True, help_text="the field job that raised it")
    identity_visible = serializers.BooleanField()
    may_handle = serializers.BooleanField()
    caller = serializers.CharField()
    url = serializers.CharField()


# A key PostgreSQL can hold (bigint): a larger number is refused as input, not sent to the
# database to fail there.
ID_MAX = 2**63 - 1


class OpenIn(serializers.Serializer):
    call = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, help_text="the stored call (POST /api/calls/) to open it for"
    )


class StepIn(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    note = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=ID_MAX)
    department = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=ID_MAX
    )
    handler = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=ID_MAX
    )
    step = serializers.IntegerField(required=False, min_value=0, max_value=1000)
    done = serializers.BooleanField(required=False, default=True)
    category = serializers.CharField(required=False)


class RaiseIn(serializers.Serializer):
    category = serializers.CharField(help_text="an office case type")
    text = serializers.CharField(help_text="what the case is about")


ACTIONS = ("assign", "start", "send-up", "answer", "reply", "check", "close", "field-job")


def _case(reference: str, request: Request) -> Case:
    case = get_object_or_404(
        Case.objects.select_related("call", "unit", "department", "return_to", "handler"),
        reference=reference,
    )
    if not user_may_see_case(request_user(request), case):
        raise ForbiddenError(_("%(reference)s is another desk's case") % {"reference": reference})
    return case


@extend_schema(
    methods=["POST"], operation_id="desk_case_open", request=OpenIn, responses={201: CaseOut}
)
@extend_schema(
    methods=["GET"],
    operation_id="desk_case_list",
    parameters=[OpenApiParameter("status", str, description="one status, or 'open'")],
    responses={200: CaseOut(many=True)},
)
@api_view(["GET", "POST"])
@permission_classes([permission_for(Capability.DESK)])
def case_create_or_list(request: Request) -> Response:
    if request.method == "GET":
        return _case_list(request)
    return _case_create(request)


def _case_create(request: Request) -> Response:
    """Open a desk case for a stored call of an office case type (a complaint, a 举报, an
    account service) or a consultation for the second tier."""
    user = request_user(request)
    payload = OpenIn(data=request.data)
    payload.is_valid(raise_exception=True)
    case = steps.case_open(call_id=payload.validated_data["call"], actor=user)
    return Response(case_out(case, user), status=status.HTTP_201_CREATED)


def _case_list(request: Request) -> Response:
    user = request_user(request)
    wanted = request.query_params.get("status", "open")
    rows = cases_visible(user).select_related("call", "unit", "department", "handler")
    if wanted == "open":
        rows = rows.filter(status__in=Case.OPEN_STATUSES)
    elif wanted in CaseStatus.values:
        rows = rows.filter(status=wanted)
    else:
        raise DispatchError(
            _("status is 'open' or one of: %(values)s") % {"values": ", ".join(CaseStatus.values)},
            field="status",
        )
    return Response([case_out(c, user) for c in rows.order_by("due_at", "created_at")[:200]])


@extend_schema(operation_id="desk_case_read", responses={200: CaseOut})
@api_view(["GET"])
@permission_classes([permission_for(Capability.DESK)])
def case_detail(request: Request, reference: str) -> Response:
    return Response(case_out(_case(reference, request), request_user(request)))


@extend_schema(
    operation_id="desk_case_identity",
    summary="The caller of a case: 403 unless the handling desk or its supervisors; logged",
    responses={
        200: inline_serializer(
            "DeskCaseIdentity",
            {
                "name": serializers.CharField(),
                "phone": serializers.CharField(),
                "email": serializers.CharField(),
                "account": serializers.CharField(),
                "address": serializers.CharField(),
            },
        )
    },
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.DESK)])
def case_identity(request: Request, reference: str) -> Response:
    identity = case_identity_read(case=_case(reference, request), user=request_user(request))
    return Response(identity.__dict__)


def step_take(case: Case, action: str, user: Any, data: dict[str, Any]) -> None:
    """One step of the case by name, as the API and the case page both take them."""
    if action == "assign":
        steps.case_assign(
            case_id=case.pk,
            actor=user,
            unit_id=data.get("unit"),
            department_id=data.get("department"),
            handler_id=data.get("handler"),
        )
    elif action == "start":
        steps.case_start(case_id=case.pk, actor=user)
    elif action == "send-up":
        if not data.get("unit"):
            raise DispatchError(_("choose the desk to send it to"), field="unit")
        steps.case_send_up(case_id=case.pk, actor=user, unit_id=data["unit"])
    elif action == "answer":
        steps.case_answer(case_id=case.pk, actor=user, text=data.get("text", ""))
    elif action == "reply":
        steps.case_reply(case_id=case.pk, actor=user, text=data.get("text", ""))
    elif action == "check":
        if data.get("step") is None:
            raise DispatchError(_("say which checklist step"), field="step")
        steps.case_check(
            case_id=case.pk, actor=user, step=data["step"], done=data.get("done", True)
        )
    elif action == "close":
        steps.case_close(case_id=case.pk, actor=user, note=data.get("note", ""))
    elif action == "field-job":
        if not data.get("category"):
            raise DispatchError(_("choose the field job's case type"), field="category")
        case_field_job(case_id=case.pk, actor=user, category=data["category"])
    else:
        raise DispatchError(
            _("unknown step: one of %(steps)s") % {"steps": ", ".join(ACTIONS)}, field="action"
        )


@extend_schema(operation_id="desk_case_step", request=StepIn, responses={200: CaseOut})
@api_view(["POST"])
@permission_classes([permission_for(Capability.DESK)])
def case_step(request: Request, reference: str, action: str) -> Response:
    """assign {unit|department|handler}, start, send-up {unit}, answer {text}, reply {text},
    check {step, done}, close {note}, field-job {category}."""
    user = request_user(request)
    case = _case(reference, request)
    payload = StepIn(data=request.data)
    payload.is_valid(raise_exception=True)
    step_take(case, action, user, dict(payload.validated_data))
    case.refresh_from_db()
    return Response(case_out(case, user))


@extend_schema(
    operation_id="desk_case_raise",
    request=RaiseIn,
    responses={201: CaseOut},
)
@api_view(["POST"])
@permission_classes([permission_for(Capability.DESK)])
def incident_case_raise(request: Request, incident_id: int) -> Response:
    """A field job raises an office case for its first caller."""
    user = request_user(request)
    payload = RaiseIn(data=request.data)
    payload.is_valid(raise_exception=True)
    case = case_raise(
        incident_id=incident_id,
        actor=user,
        category=payload.validated_data["category"],
        text=payload.validated_data["text"],
    )
    return Response(case_out(case, user), status=status.HTTP_201_CREATED)
