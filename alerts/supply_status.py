"""GET /api/supply-status/?premise=<id>: is the gas, heat or power off at this premise, or
will it be? The interruptions in force and the published planned works not yet over there
(alerts.outages), with a sentence to read to the caller in their language, for the call
console. A call about it is answered as a consultation: the crews already know."""

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from alerts.outages import OutageFound, outages_at_premise
from config.openapi import InstantField, answer
from desk.billing.selectors import premise_list_visible
from dispatch.access import Capability, permission_for
from dispatch.api.console import request_user
from dispatch.choices import Language
from dispatch.errors import DispatchError, ForbiddenError
from dispatch.models import Customer
from gis.models import Premise, Utility


class OutageOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["interruption", "planned"])
    utility = serializers.ChoiceField(choices=Utility.choices)
    reference = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)
    starts_at = InstantField()
    ends_at = InstantField(allow_null=True, help_text="null: until restored")


class SupplyStatusOut(serializers.Serializer):
    premise = serializers.IntegerField()
    address = serializers.CharField()
    interrupted = serializers.BooleanField(help_text="an interruption is in force there now")
    planned = serializers.BooleanField(help_text="published planned works there, not yet over")
    consultation = serializers.BooleanField(
        help_text="answer the call as a consultation: the outage is known and being handled"
    )
    outages = OutageOut(many=True)
    banner = serializers.CharField(allow_blank=True, help_text="for the call taker's screen")
    language = serializers.ChoiceField(choices=Language.choices)
    sentence = serializers.CharField(
        allow_blank=True, help_text="to read to the caller, in the caller's language"
    )


def _local(moment: Any) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _interrupted(outage: OutageFound) -> str:
    """An interruption in force, for the caller, in their utility's words."""
    values = {"reason": outage.reason, "reference": outage.reference or "-"}
    if outage.utility == Utility.HEAT:
        return (
            _(
                "The heating at your address is off because of %(reason)s (%(reference)s). Our "
                "crews are working on it and we will tell you when it is back; please keep windows "
                "shut and keep the elderly and infants warm."
            )
            % values
        )
    if outage.utility == Utility.POWER:
        return (
            _(
                "The power at your address is off because of %(reason)s (%(reference)s). Our "
                "crews are working on it and we will tell you when it is back; please keep away "
                "from fallen wires and switch off large appliances."
            )
            % values
        )
    if not outage.reference:  # an interruption entered by hand, with no job behind it
        return (
            _(
                "The gas supply at your address is interrupted because of %(reason)s. Our "
                "crews are working on it and we will tell you when it is back; please keep all "
                "gas appliances switched off until then."
            )
            % values
        )
    return (
        _(
            "The gas supply at your address is interrupted because of %(reason)s "
            "(%(reference)s). Our crews are working on it and we will tell you when it is "
            "back; please keep all gas appliances switched off until then."
        )
        % values
    )


def _planned(outage: OutageFound) -> str:
    values = {
        "reference": outage.reference,
        "reason": outage.reason,
        "start": _local(outage.starts_at),
        "end": _local(outage.ends_at) if outage.ends_at else "",
    }
    if outage.utility == Utility.HEAT:
        return (
            _(
                "Planned works (%(reference)s, %(reason)s) will interrupt the heating at your "
                "address from %(start)s to %(end)s."
            )
            % values
        )
    if outage.utility == Utility.POWER:
        return (
            _(
                "Planned works (%(reference)s, %(reason)s) will cut the power at your address "
                "from %(start)s to %(end)s."
            )
            % values
        )
    return (
        _(
            "Planned works (%(reference)s, %(reason)s) will interrupt the gas supply at your "
            "address from %(start)s to %(end)s."
        )
        % values
    )


def _sentence(outages: list[OutageFound]) -> str:
    """One sentence for the caller (in the active language)."""
    now = [o for o in outages if o.kind == "interruption" or o.starts_at <= timezone.now()]
    if now:
        return _interrupted(now[0])
    if outages:
        return _planned(outages[0])
    return _("There is no interruption or planned works known at your address.")


def _caller_language(request: Request, premise: Premise) -> str:
    asked = request.query_params.get("lang", "")
    if asked in Language.values:
        return asked
    found = (
        Customer.objects.filter(premises=premise)
        .order_by("account_no")
        .values_list("language", flat=True)
        .first()
    )
    return found or Language.ZH


@extend_schema(
    operation_id="supply_status",
    summary="Is the gas, heat or power off at this premise, or will it be?",
    request=None,
    parameters=[
        OpenApiParameter("premise", int, required=True, description="a premise's id"),
        OpenApiParameter(
            "lang",
            str,
            enum=list(Language.values),
            description="the caller's language (default: the account holder's)",
        ),
    ],
    responses={200: SupplyStatusOut},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.CUSTOMER_DATA)])
def supply_status(request: Request) -> Response:
    raw = request.query_params.get("premise", "").strip()
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**63):
        raise DispatchError(_("premise must be a premise's id, a whole number"), field="premise")
    premise = get_object_or_404(Premise, pk=int(raw))
    if not premise_list_visible(request_user(request)).filter(pk=premise.pk).exists():
        raise ForbiddenError(_("this premise is outside your organisation's territory"))
    language = _caller_language(request, premise)
    outages = outages_at_premise(premise=premise, now=timezone.now(), language=language)
    interrupted = any(o.kind == "interruption" for o in outages)
    planned = any(o.kind == "planned" for o in outages)
    banner = ""
    if interrupted:
        banner = _("Interruption at this premise: answer as a consultation.")
    elif planned:
        banner = _("Planned works at this premise: answer as a consultation.")
    with translation.override("zh-hans" if language == Language.ZH else "en"):
        sentence = _sentence(outages)
    return answer(
        SupplyStatusOut,
        {
            "premise": premise.pk,
            "address": premise.full_text_en
            if language == Language.EN and premise.full_text_en
            else premise.full_text,
            "interrupted": interrupted,
            "planned": planned,
            "consultation": bool(outages),
            "outages": [
                {
                    "kind": o.kind,
                    "utility": o.utility,
                    "reference": o.reference,
                    "reason": o.reason,
                    "starts_at": o.starts_at,
                    "ends_at": o.ends_at,
                }
                for o in outages
            ],
            "banner": banner,
            "language": language,
            "sentence": sentence,
        },
    )
