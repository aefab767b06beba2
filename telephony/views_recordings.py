"""Recordings: a recorded leg's page (its audio, its quality reviews and the form for a new
one), the audio itself, and the recorded legs of a call record for other pages to show.

Who listens: Capability.RECORDINGS (supervisors, safety managers, administrators), and of
those below administrator only the legs their unit covers: its phone system's unit or the
agent's. Who reviews: Capability.QUALITY_REVIEW, the same way."""

import logging
import mimetypes

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.counters import counter_increment
from dispatch.access import Capability, user_may
from dispatch.models import Call, User
from telephony.access import leg_allowed
from telephony.models import CallLeg
from telephony.services.recordings import ReviewError, legs_recorded, recording_file, review_add

log = logging.getLogger(__name__)
ID_MAX = 2**63 - 1  # PostgreSQL's bigint: a larger id in the path names no row (a 404, not a 500)


def _id_or_404(value: int) -> int:
    if value > ID_MAX:
        raise Http404
    return value


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required
    return user


def _refused(request: HttpRequest) -> HttpResponse:
    counter_increment("telephony.recording.refused")
    return render(request, "telephony/recording_refused.html", status=403)


@require_GET
@login_required
def leg_recording(request: HttpRequest, leg_id: int) -> HttpResponseBase:
    if not user_may(_user(request), Capability.RECORDINGS):  # before any lookup: no probing
        return _refused(request)
    leg = get_object_or_404(
        CallLeg.objects.select_related("system", "agent"), pk=_id_or_404(leg_id)
    )
    if not leg_allowed(_user(request), leg, Capability.RECORDINGS):
        return _refused(request)
    found = recording_file(leg)
    if found is None:
        return JsonResponse(
            {
                "detail": _(
                    "This recording is not on this server: ask the administrator to mount the "
                    "phone system's recordings and set where they are on the phone system."
                )
            },
            status=404,
        )
    kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
    log.info("recording of leg %s played by %s", leg.pk, request.user)
    return FileResponse(found.open("rb"), content_type=kind)


@require_http_methods(["GET", "POST"])
@login_required
def leg_page(request: HttpRequest, leg_id: int) -> HttpResponse:
    user = _user(request)
    wanted = Capability.QUALITY_REVIEW if request.method == "POST" else Capability.RECORDINGS
    if not user_may(user, wanted):  # before any lookup: no probing for which legs exist
        return _refused(request)
    leg = get_object_or_404(
        CallLeg.objects.select_related("system", "agent", "call"), pk=_id_or_404(leg_id)
    )
    if not leg_allowed(user, leg, Capability.RECORDINGS):
        return _refused(request)
    may_review = leg_allowed(user, leg, Capability.QUALITY_REVIEW)
    error = ""
    if request.method == "POST":
        if not may_review:
            return _refused(request)
        try:
            score = int(request.POST.get("score", ""))
            review_add(
                leg=leg, reviewer=user, score=score, comments=request.POST.get("comments", "")
            )
            return redirect(reverse("telephony-leg", args=[leg.pk]))
        except ValueError as refused:  # ReviewError, or a score that is not a number
            error = str(refused) if isinstance(refused, ReviewError) else _("the score is 0 to 100")
            log.warning("review of leg %s refused for %s: %s", leg.pk, user, error)
            counter_increment("telephony.recording.review_refused")
    context = {
        "leg": leg,
        "audio": reverse("telephony-leg-recording", args=[leg.pk]) if leg.recording else "",
        "reviews": leg.reviews.select_related("reviewer"),
        "may_review": may_review,
        "error": error,
    }
    return render(request, "telephony/leg.html", context, status=400 if error else 200)


@require_GET
@login_required
def call_legs_json(request: HttpRequest, call_id: int) -> JsonResponse:
    """The recorded legs of a call record the user may listen to (the case page shows them)."""
    user = _user(request)
    if not user_may(user, Capability.RECORDINGS):
        return JsonResponse({"detail": _("recordings are for supervisors")}, status=403)
    get_object_or_404(Call, pk=_id_or_404(call_id))
    return JsonResponse(
        {
            "legs": [
                {
                    "id": leg.pk,
                    "role": leg.role,
                    "extension": leg.extension,
                    "rang_at": leg.rang_at.isoformat() if leg.rang_at else None,
                    "page": reverse("telephony-leg", args=[leg.pk]),
                    "audio": reverse("telephony-leg-recording", args=[leg.pk]),
                }
                for leg in legs_recorded([call_id])
                if leg_allowed(user, leg, Capability.RECORDINGS)
            ]
        }
    )
