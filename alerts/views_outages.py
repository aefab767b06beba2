"""/outages/: anyone looks up, by address or account number, whether their gas is off or
will be (an interruption in force, or published planned works). No login. The answer names
the premise's own address and the outage, nothing about the account holder."""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from alerts.outages import OutageFound, outages_at_premise
from dispatch.choices import Language
from dispatch.models import Customer
from gis.geocoding import geocode
from gis.models import Premise

ADDRESS_MAX = 300  # as long as Premise.full_text
ACCOUNT_MAX = 32  # as long as Customer.account_no
PREMISES_SHOWN = 20
SURE = 0.9  # the geocoder's score for one premise fitting what was written

WORDS: dict[str, dict[str, str]] = {
    Language.ZH: {
        "title": "停气查询",
        "intro": "输入地址（含楼号、单元、门牌）或燃气户号，"
        "查询是否受当前停气或已公布的计划停气影响。",
        "address": "地址",
        "account": "户号",
        "search": "查询",
        "interruption": "正在停气",
        "planned": "计划停气",
        "since": "自",
        "from": "从",
        "to": "至",
        "none": "目前没有影响该地址的停气或计划停气。",
        "empty": "请输入地址或户号。",
        "both": "请只输入地址或户号其中一项。",
        "too_long": "输入过长，请检查后重试。",
        "not_found": "未找到该地址。请输入完整地址（路名、门牌号、楼号、单元、房号），"
        "或使用户号查询。",
        "ambiguous": "有多个地址与输入相符。请补充楼号、单元和房号。",
        "no_account": "未找到该户号，请核对燃气账单上的户号。",
        "other": "English",
    },
    Language.EN: {
        "title": "Gas outage lookup",
        "intro": "Enter your address (with building, unit and flat) or your gas account number "
        "to see whether a current interruption or published planned works affect you.",
        "address": "Address",
        "account": "Account number",
        "search": "Look up",
        "interruption": "Gas is off",
        "planned": "Planned interruption",
        "since": "since",
        "from": "from",
        "to": "to",
        "none": "No current interruption or planned works affect this address.",
        "empty": "Enter an address or an account number.",
        "both": "Enter an address or an account number, not both.",
        "too_long": "That is too long: check what you entered.",
        "not_found": "We could not find that address. Enter it in full (road, number, building, "
        "unit, flat) or use your account number.",
        "ambiguous": "Several addresses match. Add the building, unit and flat.",
        "no_account": "We could not find that account number: check it on your gas bill.",
        "other": "中文",
    },
}


@dataclass(frozen=True)
class PremiseAnswer:
    address: str
    outages: list[OutageFound]


def _language(query: QueryDict) -> str:
    asked = query.get("lang", "")
    return asked if asked in WORDS else Language.ZH


def _problem(address: str, account: str) -> str:
    """What is wrong with the question, as a key of WORDS; "" when nothing."""
    if not address and not account:
        return "empty"
    if address and account:
        return "both"
    if len(address) > ADDRESS_MAX or len(account) > ACCOUNT_MAX:
        return "too_long"
    return ""


def _premises(address: str, account: str) -> tuple[list[Premise], str]:
    """The premises asked about, or why there are none (a key of WORDS)."""
    if account:
        # As written or upper-cased (GX00000001 typed as gx...): both use the unique index,
        # where a case-insensitive match would read every account.
        customer = Customer.objects.filter(account_no__in={account, account.upper()}).first()
        if customer is None:
            return [], "no_account"
        return list(customer.premises.order_by("id")[:PREMISES_SHOWN]), ""
    candidates = geocode(address, limit=5)
    best = candidates[0] if candidates else None
    if best is not None and best.kind == "premise" and best.id and best.score >= SURE:
        return list(Premise.objects.filter(pk=best.id)), ""
    if any(c.kind == "premise" for c in candidates):
        return [], "ambiguous"
    return [], "not_found"


@require_GET
def outage_lookup(request: HttpRequest) -> HttpResponse:
    language = _language(request.GET)
    words = WORDS[language]
    asked = "address" in request.GET or "account" in request.GET
    address = request.GET.get("address", "").strip()
    account = request.GET.get("account", "").strip()
    context: dict[str, object] = {
        "words": words,
        "language": language,
        "other_language": Language.EN if language == Language.ZH else Language.ZH,
        "address": address[:ADDRESS_MAX],
        "account": account[:ACCOUNT_MAX],
        "asked": asked,
    }
    status = 200
    if asked:
        problem = _problem(address, account)
        if problem:
            context["message"], status = words[problem], 400
        else:
            premises, why = _premises(address, account)
            if why:
                context["message"] = words[why]
            now = timezone.now()
            context["answers"] = [
                PremiseAnswer(
                    premise.full_text_en
                    if language == Language.EN and premise.full_text_en
                    else premise.full_text,
                    outages_at_premise(premise=premise, now=now, language=language),
                )
                for premise in premises
            ]
    response = render(request, "alerts/outage_lookup.html", context, status=status)
    response["Cache-Control"] = "no-store"  # an outage can end at any minute
    return response
