"""/desk/arrears/: the desk's outbound work list of accounts in arrears (over an amount, for
some days), with a "reminded" action that records the reminder on the timeline."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from desk.billing.selectors import arrears_list
from desk.billing.services import arrears_remind
from dispatch.access import Capability, user_may
from dispatch.errors import DispatchError
from dispatch.models import User

DEFAULT_MINIMUM = Decimal("100")  # yuan owed before a reminder is worth a call
DEFAULT_DAYS = 30  # one billing cycle unpaid
TEMPLATE = "billing/arrears.html"


def _filters(request: HttpRequest) -> tuple[Decimal, int, list[str]]:
    problems = []
    try:
        minimum = Decimal(request.GET.get("min", "") or DEFAULT_MINIMUM)
        if not minimum.is_finite() or minimum < 0 or minimum > Decimal("1e9"):
            raise InvalidOperation
    except InvalidOperation:
        minimum = DEFAULT_MINIMUM
        problems.append(_("The amount must be a number of yuan, 0 or more."))
    days_text = request.GET.get("days", "") or str(DEFAULT_DAYS)
    if days_text.isascii() and days_text.isdigit() and int(days_text) <= 3650:
        days = int(days_text)
    else:
        days = DEFAULT_DAYS
        problems.append(_("The days must be a whole number from 0 to 3650."))
    return minimum, days, problems


@require_GET
@login_required
def arrears_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required: never anonymous here
    if not user_may(user, Capability.DESK):
        return render(request, TEMPLATE, {"refused": True}, status=403)
    minimum, days, problems = _filters(request)
    rows = list(arrears_list(user=user, minimum=minimum, days=days))
    return render(
        request,
        TEMPLATE,
        {"rows": rows, "minimum": minimum, "days": days, "problems": problems},
        status=400 if problems else 200,
    )


@require_POST
@login_required
def arrears_reminded(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not user_may(user, Capability.DESK):
        return render(request, TEMPLATE, {"refused": True}, status=403)
    try:
        balance = arrears_remind(
            customer_id=customer_id, actor=user, note=request.POST.get("note", "")
        )
    except DispatchError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("Reminder for account %(account)s recorded.")
            % {"account": balance.customer.account_no},
        )
    back = request.POST.get("back", "")
    return redirect(back if back.startswith("/desk/arrears/") else "billing-arrears")
