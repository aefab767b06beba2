"""An outage's calls pointed at their common cause, as each joins: a gas main upstream of
their service pipes (gis.supply), a heat substation, primary main or plant
(dispatch.heat_outages), a power device (dispatch.power_outages). A change of cause, and the
call that confirms it (settings.OUTAGE_CONFIRM_CALLS), writes `incident.supply_cause`, whose
listener tells the customers it leaves without heat or power (alerts.outages)."""

from datetime import datetime

from django.conf import settings

from dispatch.choices import Utility
from dispatch.heat_outages import HeatCause, heat_cause
from dispatch.models import Call, Incident, User
from dispatch.power_outages import power_cause
from dispatch.services.timeline import event_record
from gis.models import PowerDevice
from gis.supply import upstream_common_segment


def supply_cause_first(incident: Incident, call: Call, utility: str) -> None:
    """The cause an outage's first call points to (the caller saves the incident)."""
    if utility == Utility.POWER:
        cause = power_cause([call])
        incident.suspected_device_id = cause.device_id if cause else None
    elif utility == Utility.HEAT:
        _heat_cause_set(incident, heat_cause([call]))
    elif incident.segment_id:
        incident.suspected_cause_id = upstream_common_segment([incident.segment_id])


def supply_regroup(incident: Incident, call: Call, utility: str, actor: User, at: datetime) -> None:
    """A call joined the outage: the cause its calls share now (the caller saves)."""
    if utility == Utility.POWER:
        _regroup_power(incident, call, actor, at)
    elif utility == Utility.HEAT:
        _regroup_heat(incident, call, actor, at)
    else:
        _regroup_supply(incident, call, actor, at)


def _regroup_supply(incident: Incident, call: Call, actor: User, at: datetime) -> None:
    segments = [
        c.premise.service_segment_id
        for c in incident.calls.select_related("premise")
        if c.premise and c.premise.service_segment_id
    ]
    cause = upstream_common_segment(segments) if segments else None
    if cause and cause != incident.suspected_cause_id:
        incident.suspected_cause_id = cause
        event_record(
            kind="incident.supply_cause",
            incident=incident,
            call=call,
            actor=actor,
            at=at,
            data={"suspected_segment_id": cause, "calls": len(segments)},
        )


def _confirmed_now(calls: list[Call]) -> bool:
    """This call is the one that makes the outage's cause confirmed (its customers are told,
    alerts.outages): the cause is written again, with the calls behind it."""
    return len(calls) == settings.OUTAGE_CONFIRM_CALLS


def _heat_cause_set(incident: Incident, cause: HeatCause | None) -> bool:
    """Point the incident at the cause; whether it changed."""
    main = cause.cause_id if cause and cause.cause == "main" else None
    station = cause.cause_id if cause and cause.cause in ("substation", "heat_source") else None
    changed = (main, station) != (incident.suspected_cause_id, incident.suspected_station_id)
    incident.suspected_cause_id, incident.suspected_station_id = main, station
    return changed


def _regroup_heat(incident: Incident, call: Call, actor: User, at: datetime) -> None:
    """The substation, main or plant every no-heat call of the incident points to."""
    calls = list(incident.calls.all())
    cause = heat_cause(calls)
    if cause and (_heat_cause_set(incident, cause) or _confirmed_now(calls)):
        event_record(
            kind="incident.supply_cause",
            incident=incident,
            call=call,
            actor=actor,
            at=at,
            data={
                "heat_cause": cause.cause,
                "suspected_segment_id": incident.suspected_cause_id,
                "suspected_station_id": incident.suspected_station_id,
                # A main's asset id or a station's name, as the timeline says it.
                "suspected_station": cause.name if cause.cause != "main" else "",
                "suspected_main": cause.name if cause.cause == "main" else "",
                "calls": len(calls),
            },
        )


def _regroup_power(incident: Incident, call: Call, actor: User, at: datetime) -> None:
    """The device every outage call of the incident points to, once they agree on one."""
    calls = list(incident.calls.all())
    cause = power_cause(calls)
    moved = cause and cause.device_id and cause.device_id != incident.suspected_device_id
    if cause and cause.device_id and (moved or _confirmed_now(calls)):
        incident.suspected_device_id = cause.device_id
        device = PowerDevice.objects.filter(pk=cause.device_id).first()
        event_record(
            kind="incident.supply_cause",
            incident=incident,
            call=call,
            actor=actor,
            at=at,
            data={
                "suspected_device_id": cause.device_id,
                "suspected_device": str(device) if device else "",
                "device_kind": cause.kind,
                "calls": len(calls),
                "premises_out": cause.premises_out,
            },
        )
