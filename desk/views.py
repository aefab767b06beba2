"""The desk's screens: /desk/ (the cases of my desks, due first) and /desk/cases/<reference>/
(one case: its caller when allowed, its steps, its timeline). Each button posts one step, taken
by desk.api.step_take (the same services as the API), and comes back with what happened."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from desk.access import cases_visible, user_may_handle, user_may_read_identity, user_may_see_case
from desk.api import step_take
from desk.models import Case, CaseStatus, Department
from desk.selectors import case_out
from desk.services.identity import case_identity_read
from desk.services.timeline import case_events
from desk.words import case_sentence
from dispatch.access import Capability, user_may
from dispatch.categories import category_names
from dispatch.choices import Handling
from dispatch.errors import DispatchError
from dispatch.models import CategoryRule, User
from gis.models import OrgUnit
from gis.selectors import org_unit_list_within

SHOWS = ("open", "overdue", "closed")


def _refused(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/refused.html", status=403)


@require_GET
@login_required
def case_list_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not user_may(user, Capability.DESK):
        return _refused(request)
    show = request.GET.get("show", "open")
    show = show if show in SHOWS else "open"
    rows = cases_visible(user).select_related("call", "unit", "department", "handler")
    if show == "open":
        rows = rows.filter(status__in=Case.OPEN_STATUSES).order_by("due_at", "created_at")
    elif show == "overdue":
        rows = rows.filter(status__in=Case.AWAITING_REPLY, due_at__lt=timezone.now()).order_by(
            "due_at"
        )
    else:
        rows = rows.filter(status=CaseStatus.CLOSED).order_by("-closed_at")
    return render(
        request,
        "desk/cases.html",
        {"cases": [case_out(c, user) for c in rows[:200]], "show": show, "now": timezone.now()},
    )


def _units_for(user: User) -> list[OrgUnit]:
    return list(org_unit_list_within(user.org_unit).order_by("tier", "name"))


@require_GET
@login_required
def case_page(request: HttpRequest, reference: str) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    case = get_object_or_404(
        Case.objects.select_related(
            "call", "unit", "department", "return_to", "handler", "customer"
        ),
        reference=reference,
    )
    if not user_may(user, Capability.DESK) or not user_may_see_case(user, case):
        return _refused(request)
    identity = None
    if request.GET.get("identity") and user_may_read_identity(user, case):
        identity = case_identity_read(case=case, user=user)  # logged on the timeline
    may_read = user_may_read_identity(user, case)
    events = [
        {"at": e.at, "sentence": case_sentence(e, identity=may_read)} for e in case_events(case)
    ]
    names = category_names()
    field_types = sorted(
        (code, names.get(code, code))
        for code in CategoryRule.objects.filter(handling=Handling.FIELD_JOB).values_list(
            "category", flat=True
        )
    )
    return render(
        request,
        "desk/case.html",
        {
            "case": case_out(case, user),
            # Its phone call's recordings are fetched by the page (telephony, a layer beside),
            # for those who may listen.
            "call_id": case.call_id,
            "may_listen": user_may(user, Capability.RECORDINGS),
            "identity": identity,
            "may_read": may_read,
            "may_handle": user_may_handle(user, case),
            "events": events,
            "units": _units_for(user),
            "departments": Department.objects.filter(unit__in=org_unit_list_within(user.org_unit)),
            "field_types": field_types,
            "with_second_tier": case.return_to_id is not None,
        },
    )


@require_POST
@login_required
def case_step_page(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    case = get_object_or_404(Case, reference=reference)
    if not user_may(user, Capability.DESK) or not user_may_see_case(user, case):
        return _refused(request)
    form = request.POST
    data: dict[str, object] = {
        "text": form.get("text", ""),
        "note": form.get("note", ""),
        "category": form.get("category", ""),
        "done": form.get("done", "1") == "1",
    }
    for key in ("unit", "department", "handler", "step"):
        value = form.get(key, "").strip()
        if value.isascii() and value.isdigit() and len(value) <= 18:  # a key bigint holds
            data[key] = int(value)
    try:
        step_take(case, action, user, data)
    except DispatchError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Done: %(reference)s") % {"reference": reference})
        case.refresh_from_db()
        if not user_may_see_case(user, case):  # answered back, or passed to another desk
            return HttpResponseRedirect("/desk/")
    return HttpResponseRedirect(f"/desk/cases/{reference}/")
