"""/callbacks/: the call-back agents' work list (due and overdue first, the number to call,
what the call was about, every attempt so far, a form to log the next one, the scores per
station); /callback/<token>/: the customer's own answer through the SMS link, no login."""

from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alerts.callback_attempts import AttemptInput, callback_attempt_record, callback_link_answer
from alerts.callback_selectors import callback_scores, callbacks_for
from alerts.models import AttemptOutcome, CallBack
from config.counters import counter_increment
from config.throttles import AddressRateThrottle
from dispatch.access import Capability, user_may
from dispatch.choices import Language
from dispatch.errors import DispatchError
from dispatch.models import User
from gis.selectors import org_unit_list_within

SCORES_DAYS_BACK = 30  # the scores table: call-backs due in the last month...
SCORES_DAYS_AHEAD = 7  # ...and those falling due this coming week, already being called


def _page(request: HttpRequest, user: User, *, error: str = "", status: int = 200) -> HttpResponse:
    show = "done" if request.GET.get("show") == "done" else "open"
    now = timezone.now()
    today = timezone.localdate(now)
    since, until = (
        today - timedelta(days=SCORES_DAYS_BACK),
        today + timedelta(days=SCORES_DAYS_AHEAD),
    )
    return render(
        request,
        "alerts/callbacks.html",
        {
            "rows": callbacks_for(user, show=show, now=now),
            "show": show,
            "now": now,
            "outcomes": AttemptOutcome.choices,
            "scores": callback_scores(org_unit_list_within(user.org_unit), since, until),
            "scores_from": since,
            "scores_to": until,
            "error": error,
            "logged": request.GET.get("logged", ""),
        },
        status=status,
    )


def _refused(request: HttpRequest) -> HttpResponse:
    return render(request, "alerts/callbacks.html", {"refused": True}, status=403)


@require_GET
@login_required
def callback_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required: never anonymous here
    if not user_may(user, Capability.CALL_BACKS):
        return _refused(request)
    return _page(request, user)


def _score(value: str) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


@require_POST
@login_required
def callback_attempt_post(request: HttpRequest, callback_id: int) -> HttpResponse:
    """The work list's form: the attempt through the service; a refusal re-shows the list with
    the reason, nothing changed."""
    user = request.user
    assert isinstance(user, User)
    if not user_may(user, Capability.CALL_BACKS):
        return _refused(request)
    data = AttemptInput(
        outcome=request.POST.get("outcome", ""),
        reason=request.POST.get("reason", ""),
        score=_score(request.POST.get("score", "")),
        comment=request.POST.get("comment", ""),
    )
    try:
        callback_attempt_record(callback_id=callback_id, actor=user, data=data)
    except DispatchError as error:
        return _page(request, user, error=error.message, status=error.status)
    return redirect(f"/callbacks/?logged={callback_id}")


class CallBackLinkThrottle(AddressRateThrottle):
    """The public answer page, per address: a token cannot be guessed, nor the page flooded.
    THROTTLE_RATES["callback_link"] sets it; without one, 30 a minute."""

    scope = "callback_link"

    def get_rate(self) -> str | None:
        return super().get_rate() or "30/minute"


def _throttled(request: HttpRequest) -> HttpResponse | None:
    throttle = CallBackLinkThrottle()
    if throttle.allow_request(request, None):  # type: ignore[arg-type]
        return None
    counter_increment("callback_link.throttled")
    wait = throttle.wait()
    response = HttpResponse(status=429)
    response["Retry-After"] = str(max(1, round(wait)) if wait is not None else 60)
    return response


def _public(response: HttpResponse, code: str) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["Content-Language"] = code
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to other sites
    return response


@require_http_methods(["GET", "POST"])
def callback_answer(request: HttpRequest, token: str) -> HttpResponse:
    """In the caller's language (the call's): the link came in a message in that language."""
    throttled = _throttled(request)
    if throttled is not None:
        return throttled
    callback = CallBack.objects.select_related("call").filter(link_token=token).first()
    code = "en" if callback and callback.call.language == Language.EN else "zh-hans"
    with translation.override(code):
        context: dict[str, Any] = {"scale": range(1, 6)}
        if callback is None:
            context["gone"] = "unknown"
            status = 404
        elif callback.link_expires_at is None or callback.link_expires_at < timezone.now():
            context["gone"] = "expired"
            status = 410
        elif callback.is_finished and request.method == "GET":
            context["gone"] = "answered"
            status = 200
        elif request.method == "POST":
            try:
                callback_link_answer(
                    token=token,
                    score=request.POST.get("score", ""),
                    comment=request.POST.get("comment", ""),
                )
                context["thanks"], status = True, 200
            except DispatchError as error:
                context["error"], status = error.message, error.status
                if error.status == 409:
                    context["gone"] = "answered"
        else:
            status = 200
        response = render(request, "alerts/callback_answer.html", context, status=status)
    return _public(response, code)
