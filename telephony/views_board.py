"""The phone board (supervisors: agents' states, queues waiting) and an agent's presence."""

import json
import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.counters import counter_increment
from dispatch.access import Capability, user_may
from dispatch.models import User
from telephony.services.agents import PresenceError, board, presence_set
from telephony.services.outbound import DialError, call_place

log = logging.getLogger(__name__)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required
    return user


@require_GET
@login_required
def board_page(request: HttpRequest) -> HttpResponse:
    if not user_may(_user(request), Capability.PHONE_BOARD):
        return render(request, "telephony/refused.html", status=403)
    return render(request, "telephony/board.html")


@require_GET
@login_required
def board_json(request: HttpRequest) -> JsonResponse:
    if not user_may(_user(request), Capability.PHONE_BOARD):
        return JsonResponse({"detail": _("the phone board is for supervisors")}, status=403)
    now = timezone.now()
    agents, queues = board(now)
    return JsonResponse(
        {
            "now": now.isoformat(),
            "agents": [
                {
                    "name": a.name,
                    "extension": a.extension,
                    "state": a.state,
                    "reason": a.reason,
                    "since": a.since.isoformat() if a.since else None,
                    "caller": a.caller,
                }
                for a in agents
            ],
            "queues": [
                {"queue": q.queue, "waiting": q.waiting, "longest_wait_s": round(q.longest_wait_s)}
                for q in queues
            ],
        }
    )


@require_POST
@login_required
def presence_post(request: HttpRequest) -> JsonResponse:
    """POST {"ready": true} or {"ready": false, "reason": "..."}: the signed-in agent's own."""
    user = _user(request)
    if not user_may(user, Capability.CALL_INTAKE):
        return JsonResponse({"detail": _("only those who take calls have a presence")}, status=403)
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict) or not isinstance(body.get("ready"), bool):
            raise PresenceError(_('send {"ready": true} or {"ready": false, "reason": "..."}'))
        presence = presence_set(user=user, ready=body["ready"], reason=str(body.get("reason", "")))
    except (ValueError, PresenceError) as error:  # JSONDecodeError is a ValueError
        log.warning("presence of %s refused: %s", user, error)
        counter_increment("telephony.presence.refused")
        detail = str(error) if isinstance(error, PresenceError) else _("the body is not JSON")
        return JsonResponse({"detail": detail}, status=400)
    return JsonResponse({"ready": presence.ready, "reason": presence.reason})


DIALLERS = (Capability.CALL_INTAKE, Capability.CALL_BACKS, Capability.DESK)


@require_POST
@login_required
def dial_post(request: HttpRequest) -> JsonResponse:
    """POST {"number": "138..."}: ring the agent's own phone, which then dials the number."""
    user = _user(request)
    if not any(user_may(user, c) for c in DIALLERS):
        return JsonResponse({"detail": _("only those who call customers place calls")}, status=403)
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict) or not isinstance(body.get("number"), str):
            raise DialError(_('send {"number": "..."}'))
        extension = call_place(user=user, number=body["number"])
    except ValueError as error:  # DialError, or a body that is not JSON
        log.warning("click-to-call by %s refused: %s", user, error)
        counter_increment("telephony.dial.refused")
        detail = str(error) if isinstance(error, DialError) else _("the body is not JSON")
        return JsonResponse({"detail": detail}, status=400)
    return JsonResponse(
        {"extension": extension.number, "detail": _("Your phone rings: pick it up to call.")}
    )


@require_GET
@login_required
def summary_json(request: HttpRequest) -> JsonResponse:
    """The wall's line of the phone: callers waiting, the longest wait, and how many agents
    are in each state; no names (Capability.WALL, the control room)."""
    if not user_may(_user(request), Capability.WALL):
        return JsonResponse({"detail": _("the phone summary is for the control room")}, status=403)
    agents, queues = board()
    states: dict[str, int] = {}
    for agent in agents:
        states[agent.state] = states.get(agent.state, 0) + 1
    return JsonResponse(
        {
            "waiting": sum(q.waiting for q in queues),
            "longest_wait_s": round(max((q.longest_wait_s for q in queues), default=0.0)),
            "agents": states,
        }
    )
