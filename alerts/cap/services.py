"""Issue an incident's public alerts: an Alert, Updates while its zone changes, one Cancel.

Each is decided under the incident's row lock from the messages already stored, so a replayed
or repeated event issues nothing more: an Alert only when the incident has no message, an
Update only when the zone differs from the one last issued, a Cancel only once, and nothing
after it. Each new message cites every earlier one of the incident in <references>, taken from
their stored XML (the record of what was sent, whatever the settings say today).
"""

from django.db import transaction
from django.utils import timezone

from alerts.cap.document import Area, Info, Issued, Message, area_zone, cap_read, cap_xml
from alerts.cap.place import incident_public_place
from alerts.cap.profiles import ALERT_PRIORITY, ZONES, ZoneProfile, cap_sender
from alerts.cap.texts import Situation, circle_area, infos, outline_area
from alerts.cap.zone import zone_circle, zone_polygons
from alerts.models import CapMessage
from dispatch.models import Incident, IncidentIsolation

Series = list[tuple[CapMessage, Issued]]

# An incident in these states has a live danger the public may still need to avoid.
_LIVE = (Incident.Status.OPEN, Incident.Status.DISPATCHED, Incident.Status.ON_SITE)


def _lock(incident_id: int) -> Incident | None:
    return Incident.objects.select_for_update().filter(pk=incident_id).first()


def _series(incident: Incident) -> Series:
    messages = CapMessage.objects.filter(incident=incident).order_by("sent", "id")
    return [(m, cap_read(m.xml)) for m in messages]


def _situation(incident: Incident, profile: ZoneProfile, premises: int = 0) -> Situation:
    local, english = incident_public_place(incident)  # never the flat: the message is public
    return Situation(
        reference=incident.reference,
        place=local,
        place_en=english,
        reported_at=incident.created_at,
        sent=timezone.now().replace(microsecond=0),
        profile=profile,
        premises_cut_off=premises,
    )


def _zone(incident: Incident, s: Situation) -> dict[str, tuple[Area, ...]]:
    """The circle around the site, and the newest isolation's outline once traced."""
    areas = circle_area(s, zone_circle(incident.point, s.profile.radius_km))
    newest = _newest_isolation(incident)
    polygons = zone_polygons(newest.pk) if newest else ()
    if not polygons:
        return {language: (area,) for language, area in areas.items()}
    outline = outline_area(polygons)
    return {language: (area, outline[language]) for language, area in areas.items()}


def _newest_isolation(incident: Incident) -> IncidentIsolation | None:
    return IncidentIsolation.objects.filter(incident=incident).order_by("-traced_at", "-id").first()


def _issue(
    incident: Incident, msg_type: str, s: Situation, blocks: tuple[Info, ...], earlier: Series
) -> CapMessage:
    sender = cap_sender()
    message = Message(
        identifier=f"{sender}-{incident.reference}-{len(earlier) + 1}",
        sender=sender,
        sent=s.sent,
        msg_type=msg_type,
        incident=incident.reference,
        references=tuple(issued.reference for _, issued in earlier),
        infos=blocks,
    )
    return CapMessage.objects.create(
        identifier=message.identifier,
        incident=incident,
        msg_type=msg_type,
        references=earlier[-1][0] if earlier else None,
        sent=s.sent,
        xml=cap_xml(message),
    )


@transaction.atomic
def incident_cap_alert(*, incident_id: int, priority: int | None = None) -> CapMessage | None:
    """Alert the public to a live P1 incident's zone, once. `priority` is the one just set
    when the row is not saved yet (a joining call raises it before the incident is saved)."""
    incident = _lock(incident_id)
    if incident is None or incident.status not in _LIVE:
        return None
    profile = ZONES.get(incident.category)
    if profile is None or (priority or incident.priority) != ALERT_PRIORITY:
        return None
    if CapMessage.objects.filter(incident=incident).exists():
        return None
    s = _situation(incident, profile)
    return _issue(incident, CapMessage.MsgType.ALERT, s, infos(s, "Alert", _zone(incident, s)), [])


@transaction.atomic
def incident_cap_zone_update(*, incident_id: int) -> CapMessage | None:
    """Update an alerted incident's zone to its newest isolation outline, if that changed it."""
    incident = _lock(incident_id)
    if incident is None or incident.status not in _LIVE or incident.category not in ZONES:
        return None
    earlier = _series(incident)
    if not earlier or any(m.msg_type == CapMessage.MsgType.CANCEL for m, _ in earlier):
        return None
    newest = _newest_isolation(incident)
    s = _situation(incident, ZONES[incident.category], newest.premises_cut_off if newest else 0)
    zone = _zone(incident, s)
    if area_zone(next(iter(zone.values()))) == earlier[-1][1].zone():
        return None
    return _issue(incident, CapMessage.MsgType.UPDATE, s, infos(s, "Update", zone), earlier)


@transaction.atomic
def incident_cap_cancel(*, incident_id: int, withdrawn: bool = False) -> CapMessage | None:
    """Lift an alerted incident's zone, once: made safe, or `withdrawn` (cancelled)."""
    incident = _lock(incident_id)
    if incident is None or incident.category not in ZONES:
        return None
    earlier = _series(incident)
    if not earlier or any(m.msg_type == CapMessage.MsgType.CANCEL for m, _ in earlier):
        return None
    s = _situation(incident, ZONES[incident.category])
    last = earlier[-1][1].areas  # the zone being lifted, as it was last described
    blocks = infos(s, "Cancel", last, withdrawn=withdrawn)
    return _issue(incident, CapMessage.MsgType.CANCEL, s, blocks, earlier)
