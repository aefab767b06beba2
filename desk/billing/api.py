"""The desk's customer API: the whole story for the screen pop, and the search by name,
account number or address. Both for those who answer the phone (CUSTOMER_DATA), within their
organisation's territory."""

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from config.openapi import answer
from desk.billing.importing import money
from desk.billing.models import AccountBalance
from desk.billing.schemas import SearchHitOut, StoryOut
from desk.billing.selectors import (
    SEARCH_MAX,
    Story,
    building_unit_label,
    customer_list_visible,
    customer_search,
    premise_list_visible,
    story_get,
)
from desk.models import Case, CaseStatus
from dispatch.access import Capability, permission_for
from dispatch.api.console import request_user
from dispatch.categories import category_names
from dispatch.errors import DispatchError, ForbiddenError
from dispatch.models import Call, Customer
from gis.models import Premise

ID_MAX = 2**63 - 1


def _id(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= ID_MAX):
        raise DispatchError(_("%(name)s must be a record's id, a whole number") % {"name": name})
    return int(raw)


def premise_json(p: Premise) -> dict[str, Any]:
    return {
        "id": p.id,
        "address": p.full_text,
        "address_en": p.full_text_en,
        "building_unit": building_unit_label(p) if p.building else "",
        "point": {"lon": round(p.geom.x, 7), "lat": round(p.geom.y, 7)} if p.geom else None,
    }


def _billing(customer: Customer) -> dict[str, Any] | None:
    try:
        b: AccountBalance = customer.balance  # type: ignore[attr-defined]
    except AccountBalance.DoesNotExist:
        return None
    return {
        "balance": money(b.balance),
        "arrears": money(b.arrears),
        "arrears_since": b.arrears_since,
        "last_payment_at": b.last_payment_at,
        "last_payment_amount": money(b.last_payment_amount),
        "supply_status": b.supply_status,
        "supply_status_label": b.get_supply_status_display(),
        "as_of": b.as_of,
        "imported_at": b.imported_at,
        "reminded_at": b.reminded_at,
    }


def _where(story: Story, premise_id: int | None) -> str:
    if premise_id in story.premise_ids:
        return "premise"
    return "building_unit" if premise_id in story.unit_ids else "account"


def _case_json(case: Case, story: Story, names: dict[str, str]) -> dict[str, Any]:
    hidden = case.confidential
    return {
        "reference": case.reference,
        "category": case.category,
        "category_label": names.get(case.category, case.category),
        "status": case.status,
        "status_label": CaseStatus(case.status).label,
        "unit": case.unit.name,
        "created_at": case.created_at,
        "address": case.premise.full_text if case.premise else "",
        "where": _where(story, case.premise_id),
        "confidential": hidden,
        # Whoever reported a confidential case (a 举报) is not named to the next call taker,
        # who may be speaking to the person reported.
        "caller_name": "" if hidden else case.call.caller_name,
        "caller_phone": "" if hidden else case.call.caller_phone,
    }


def _call_json(call: Call, story: Story, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": call.id,
        "received_at": call.received_at,
        "category": call.category,
        "category_label": names.get(call.category, call.category),
        "outcome": call.outcome,
        "outcome_label": Call.Outcome(call.outcome).label,
        "address": call.premise.full_text if call.premise else call.address_text,
        "where": _where(story, call.premise_id),
        "incident": call.incident.reference if call.incident else "",
        "caller_phone": "" if call.id in story.confidential_calls else call.caller_phone,
    }


def _story_subject(request: Request) -> tuple[Customer | None, Premise | None]:
    user = request_user(request)
    customer_id, premise_id = _id(request, "customer"), _id(request, "premise")
    account = request.query_params.get("account", "").strip()[:32]
    if "\x00" in account:  # no account number holds one, and PostgreSQL refuses to look
        raise Http404
    if sum(bool(x) for x in (customer_id, premise_id, account)) != 1:
        raise DispatchError(_("give one of customer (an id), account (its number) or premise"))
    if premise_id:
        premise = get_object_or_404(Premise, pk=premise_id)
        if not premise_list_visible(user).filter(pk=premise.pk).exists():
            raise ForbiddenError(_("this premise is outside your organisation's territory"))
        return None, premise
    if customer_id:
        customer = get_object_or_404(Customer, pk=customer_id)
    else:
        customer = get_object_or_404(Customer, account_no__in={account, account.upper()})
    if not customer_list_visible(user).filter(pk=customer.pk).exists():
        raise ForbiddenError(_("this customer is outside your organisation's territory"))
    return customer, None


@extend_schema(
    operation_id="desk_story",
    summary="The customer's whole story: accounts, billing, cases and calls on the staircase",
    request=None,
    parameters=[
        OpenApiParameter("customer", int, description="a customer's id"),
        OpenApiParameter("account", str, description="or an account number"),
        OpenApiParameter("premise", int, description="or a premise's id"),
    ],
    responses={200: StoryOut},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.CUSTOMER_DATA)])
def story(request: Request) -> Response:
    """Accounts, premises, billing and arrears, monthly usage, and the cases, calls and open
    field jobs at the premises and on the same staircase, newest first."""
    customer, premise = _story_subject(request)
    found = story_get(user=request_user(request), customer=customer, premise=premise)
    names = category_names()
    return answer(
        StoryOut,
        {
            "customers": [
                {
                    "id": c.id,
                    "account_no": c.account_no,
                    "name": c.name,
                    "phones": c.phones,
                    "vulnerable": c.vulnerable,
                    "address": c.address,
                    "premises": [premise_json(p) for p in c.premises.all()],
                    "billing": _billing(c),
                    "usage": [
                        {
                            "month": f"{u.month:%Y-%m}",
                            "volume_m3": f"{u.volume_m3:.1f}",
                            "amount": money(u.amount),
                        }
                        for u in c.recent_usage  # type: ignore[attr-defined]
                    ],
                }
                for c in found.customers
            ],
            "premises": [premise_json(p) for p in found.premises],
            "building_unit_premises": len(found.unit_ids),
            "cases": [_case_json(c, found, names) for c in found.cases],
            "calls": [_call_json(c, found, names) for c in found.calls],
            "incidents": [
                {
                    "id": i.id,
                    "reference": i.reference,
                    "category": i.category,
                    "category_label": names.get(i.category, i.category),
                    "status": i.status,
                    "priority": i.priority,
                    "address": i.address_text,
                }
                for i in found.incidents
            ],
        },
    )


@extend_schema(
    operation_id="desk_customer_search",
    summary="Find customers by name, account number or address",
    request=None,
    parameters=[
        OpenApiParameter(
            "q", str, required=True, description="a name, an account number or an address"
        )
    ],
    responses={200: SearchHitOut(many=True)},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.CUSTOMER_DATA)])
def customer_search_api(request: Request) -> Response:
    """The best ten customers the user may see: account number exact or prefix, name, or an
    address written with a slip (trigram similarity)."""
    q = request.query_params.get("q", "").strip()
    if not q:
        raise DispatchError(_("type a name, an account number or an address"), field="q")
    if "\x00" in q:  # PostgreSQL refuses to look for it: no name or address holds one
        raise DispatchError(_("type a name, an account number or an address"), field="q")
    if len(q) > SEARCH_MAX:
        raise DispatchError(
            _("that is too long to search for: at most %d characters") % SEARCH_MAX, field="q"
        )
    hits = customer_search(user=request_user(request), q=q)
    return answer(
        SearchHitOut,
        [
            {
                "id": h.customer.id,
                "account_no": h.customer.account_no,
                "name": h.customer.name,
                "phones": h.customer.phones,
                "address": h.customer.address,
                "premises": [premise_json(p) for p in h.customer.premises.all()],
                "matched_by": h.matched_by,
                "score": h.score,
                "in_arrears": bool(_billing(h.customer) and h.customer.balance.arrears > 0),  # type: ignore[attr-defined]
            }
            for h in hits
        ],
        many=True,
    )
