"""/escalations/: the breached clocks taken to supervisors, for a supervisor's own stations:
the incident, the clock, when it was breached and escalated, to whom, and whether each message
reached them. The list a supervisor checks when a breach was meant to reach them."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from alerts.escalation_list import RECENT_DAYS, escalation_list_for, escalations_may_see
from dispatch.models import User


@require_GET
@login_required
def escalation_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required: never anonymous here
    if not escalations_may_see(user):
        return render(request, "alerts/escalations.html", {"refused": True}, status=403)
    breached_only = request.GET.get("show") == "breached"
    rows, more = escalation_list_for(user, breached_only=breached_only, now=timezone.now())
    return render(
        request,
        "alerts/escalations.html",
        {
            "rows": rows,
            "more": more,
            "show": "breached" if breached_only else "recent",
            "recent_days": RECENT_DAYS,
        },
    )
