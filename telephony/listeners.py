"""Where telephony hears of the call taker's records: a call stored from a screen pop names
its phone leg (`phone_leg` in call.received), which is linked to it here, and the call takes
the phone system's moments (rang in, answered)."""

import logging

from dispatch.models import IncidentEvent
from dispatch.services.listeners import event_listen
from dispatch.services.moments import call_phone_moments_note
from telephony.models import CallLeg

log = logging.getLogger(__name__)


@event_listen("call.received")
def leg_link(event: IncidentEvent) -> None:
    named = (event.data or {}).get("phone_leg")
    if not named or event.call_id is None:
        return
    system, _, leg_uid = str(named).partition(":")
    if not system.isdigit():
        return  # the API checked its shape; a timeline written otherwise names no leg
    system_id = int(system)
    leg = CallLeg.objects.filter(system_id=system_id, leg_uid=leg_uid).first()
    if leg is None:
        log.warning(
            "call %s names phone leg %s, which no phone system reported", event.call_id, named
        )
        return
    CallLeg.objects.filter(pk=leg.pk).update(call_id=event.call_id)
    caller = CallLeg.objects.filter(system_id=system_id, leg_uid=leg.call_uid).first() or leg
    call_phone_moments_note(
        call_id=event.call_id, rang_at=caller.rang_at, answered_at=leg.answered_at
    )
