"""/outages/: anyone looks up, by address or account number, whether their gas, heat or
power is off or will be (an interruption in force, or published planned works). No login.
The answer names the premise's own address and the outage, nothing about the account
holder."""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
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

# What the page says when the question cannot be answered (keys are _problem's and _premises').
MESSAGES = {
    "empty": _("Enter an address or an account number."),
    "both": _("Enter an address or an account number, not both."),
    "too_long": _("That is too long: check what you entered."),
    "not_found": _(
        "We could not find that address. Enter it in full (road, number, building, unit, flat) "
        "or use your account number."
    ),
    "ambiguous": _("Several addresses match. Add the building, unit and flat."),
    "no_account": _("We could not find that account number: check it on your bill."),
}
# The page's own switch (?lang=zh or en) as Django's language codes.
PAGE_LANGUAGES = {Language.ZH: "zh-hans", "zh-hans": "zh-hans", Language.EN: "en"}
DEFAULT_LANGUAGE = "zh-hans"  # the public's language when nothing says otherwise


@dataclass(frozen=True)
class PremiseAnswer:
    address: str
    outages: list[OutageFound]


def page_language(request: HttpRequest) -> str:
    """The Django language code of a public page: its own switch (?lang=), else the browser's
    (the language cookie or Accept-Language, as LocaleMiddleware read it), else Chinese."""
    asked = request.GET.get("lang", "")
    if asked in PAGE_LANGUAGES:
        return PAGE_LANGUAGES[asked]
    if request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or request.headers.get("Accept-Language"):
        return translation.get_language_from_request(request)
    return DEFAULT_LANGUAGE


def data_language(code: str) -> str:
    """The Language of stored texts (reasons, addresses) for a Django language code."""
    return Language.ZH if code.lower().startswith("zh") else Language.EN


def _problem(address: str, account: str) -> str:
    """What is wrong with the question, as a key of MESSAGES; "" when nothing."""
    if not address and not account:
        return "empty"
    if address and account:
        return "both"
    if len(address) > ADDRESS_MAX or len(account) > ACCOUNT_MAX:
        return "too_long"
    return ""


def _premises(address: str, account: str) -> tuple[list[Premise], str]:
    """The premises asked about, or why there are none (a key of MESSAGES)."""
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
    code = page_language(request)
    with translation.override(code):
        response = _lookup(request, data_language(code))
    response["Content-Language"] = code
    response["Cache-Control"] = "no-store"  # an outage can end at any minute
    return response


def _lookup(request: HttpRequest, language: str) -> HttpResponse:
    asked = "address" in request.GET or "account" in request.GET
    address = request.GET.get("address", "").strip()
    account = request.GET.get("account", "").strip()
    context: dict[str, object] = {
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
            context["message"], status = MESSAGES[problem], 400
        else:
            premises, why = _premises(address, account)
            if why:
                context["message"] = MESSAGES[why]
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
    return render(request, "alerts/outage_lookup.html", context, status=status)
