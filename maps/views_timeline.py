"""The timeline replay page `/incidents/<ref>/timeline` and its CSV, XLSX, JSON and PDF exports.

The page is drawn on the server: the event list, the stages against the SLA and the crews are
HTML (so it prints and reads without script), the map is folium's with the roads, the tracks
and every event placed where it happened. replay.js then moves the vans along their tracks
with the clock and lights the events as the replay passes them.
"""

import json
import logging
from datetime import datetime
from html import escape
from typing import Any

import folium
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from dispatch.access import Capability
from dispatch.choices import Hazard
from dispatch.models import User
from gis.selectors import org_unit_bounds, road_list_in_bbox
from maps.access import TIMELINE, incident_visible, page_for
from maps.exports import (
    file_name,
    station_names,
    timeline_csv_file,
    timeline_json,
    timeline_pdf,
    timeline_xlsx,
)
from maps.folium_kit import map_create, map_parts
from maps.timeline import Timeline, incident_get_by_reference, timeline_bounds, timeline_get
from maps.timeline_words import clock, duration_text
from telephony.access import leg_allowed
from telephony.services.recordings import legs_recorded

log = logging.getLogger(__name__)

HAZARDS = dict(Hazard.choices)
DUE_LABELS = {
    "work_order": gettext_lazy("work order due"),
    "on_site": gettext_lazy("on site due"),
    "made_safe": gettext_lazy("made safe due"),
}
SPEEDS = (1, 10, 30, 60, 120, 300, 600)
REPLAY_TARGET_S = 90  # the default speed plays the whole incident in about this long
MAP_MARGIN_M = 250.0  # around the track and the events: the streets they are on
ROADS_MARGIN_M = 2500.0  # roads further out, for a wide screen and a zoom out
ROADS_MAX = 1500
TRACK_COLOURS = ("#4fc3ff", "#ffb020", "#c58cff", "#3ecf8e")
EXPORT_FORMATS = ("csv", "xlsx", "json", "pdf")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FAMILY_COLOURS = {
    "call": "#4fc3ff",
    "incident": "#ffb020",
    "crews": "#c58cff",
    "work_order": "#3ecf8e",
    "sla": "#ff5a5f",
}
ROAD_STYLE = {
    "arterial": {"color": "#5b6b80", "weight": 5},
    "collector": {"color": "#4a576a", "weight": 3.5},
    "local": {"color": "#3a4556", "weight": 2.5},
}


def _timeline_for(request: HttpRequest, reference: str) -> Timeline:
    """The incident's timeline, if it is in the user's organisation: else the same 404 as for
    a reference that does not exist, so none can be probed."""
    incident = incident_get_by_reference(reference)
    user = request.user
    assert isinstance(user, User)  # page_for has signed them in
    if incident is None or not incident_visible(user, incident):
        raise Http404(
            _("No incident %(reference)s in your organisation.") % {"reference": reference}
        )
    return timeline_get(incident, viewer=user)


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _tip(text: str) -> str:
    """folium writes tooltips into a JavaScript template literal: no backtick or ${ may pass."""
    return escape(text).replace("`", "&#96;").replace("${", "&#36;{")


def _roads(fmap: folium.Map, bounds: list[float]) -> None:
    west, south, east, north = bounds
    features = [
        {
            "type": "Feature",
            # `line` is the selector's simplified geometry (an annotation the stubs cannot see).
            "geometry": json.loads(road.line.geojson),  # type: ignore[attr-defined]
            "properties": {"road_class": road.road_class},
        }
        for road in road_list_in_bbox((west, south, east, north))[:ROADS_MAX]
    ]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=_("Roads"),
        interactive=False,
        control=False,
        style_function=lambda f: {
            **ROAD_STYLE.get(f["properties"]["road_class"], ROAD_STYLE["local"]),
            "opacity": 0.9,
        },
    ).add_to(fmap)


def _replay_map(timeline: Timeline, user: User) -> tuple[folium.Map, dict[int, str], list[float]]:
    """The folium map, per event drawn on it the JavaScript name of its marker, and the
    bounds it opens on."""
    bounds = timeline_bounds(timeline, margin_m=MAP_MARGIN_M) or org_unit_bounds(user.org_unit)
    fmap = map_create(bounds, zoom_control="topleft")
    _roads(fmap, timeline_bounds(timeline, margin_m=ROADS_MARGIN_M) or bounds)
    incident = timeline.incident
    folium.Marker(
        [incident.point.y, incident.point.x],
        icon=folium.DivIcon(html='<div class="rp-incident">!</div>', icon_size=(30, 30)),
        tooltip=_tip(
            f"{incident.reference}: {incident.address_text}"
            if incident.address_text
            else incident.reference
        ),
    ).add_to(fmap)
    tracks = folium.FeatureGroup(name=_("Vans' tracks")).add_to(fmap)
    for n, track in enumerate(timeline.tracks):
        if len(track.fixes) > 1:
            folium.PolyLine(
                [[f.lat, f.lon] for f in track.fixes],
                color=TRACK_COLOURS[n % len(TRACK_COLOURS)],
                weight=4,
                opacity=0.35,
                dash_array="2 8",
                tooltip=_tip(
                    _("%(crew)s (%(van)s), dispatch to arrival")
                    % {"crew": track.crew, "van": track.vehicle}
                ),
            ).add_to(tracks)
    marks = folium.FeatureGroup(name=_("Events where they happened")).add_to(fmap)
    layers = {}
    for e in timeline.events:
        if e.lat is None or e.lon is None:
            continue
        marker = folium.CircleMarker(
            [e.lat, e.lon],
            radius=7,
            color=FAMILY_COLOURS.get(e.family, "#9aa7b6"),
            weight=2,
            fill=True,
            fill_color="#10151c",
            fill_opacity=0.9,
            tooltip=_tip(f"{clock(e.at, day_of=timeline.first_call_at)} {e.label}"),
        ).add_to(marks)
        layers[e.id] = marker.get_name()
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    return fmap, layers, bounds


def _plus(seconds: float) -> str:
    sign, total = ("−" if seconds < 0 else "+"), round(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes = f"{rest // 60:02d}" if hours else f"{rest // 60}"
    return f"{sign}{f'{hours}:' if hours else ''}{minutes}:{rest % 60:02d}"


def _rows(timeline: Timeline) -> dict[str, Any]:
    """What the template shows, in words and local times (with the day when it is a later one
    than the first call's)."""
    first = timeline.first_call_at

    def at(moment: datetime | None) -> str:
        return clock(moment, day_of=first)

    stations = station_names(timeline)
    colours = {
        t.work_order_id: TRACK_COLOURS[n % len(TRACK_COLOURS)]
        for n, t in enumerate(timeline.tracks)
    }
    return {
        "events": [
            {
                "e": e,
                "t": _ms(e.at),
                "time": at(e.at),
                "plus": _plus(e.since_call_s),
                "device": at(e.device_time) if e.device_offset_s is not None else "",
                "device_offset": f"{e.device_offset_s or 0:+.0f} s",
                "on_map": e.lat is not None,
            }
            for e in timeline.events
        ],
        "stages": [
            {
                "s": s,
                "span": f"{at(s.start)} – {at(s.end) or '…'}",
                "took": duration_text(s.seconds) or "—",
                "due": at(s.due_at),
                "allowed": duration_text(s.allowed_s),
                "verdict": s.verdict_text,
                "margin": _margin(s.verdict, s.margin_s),
                "css": s.verdict.replace(" ", "-")
                + (" unverified" if s.arrival_verified is False else ""),
            }
            for s in timeline.stages
        ],
        "crews": [
            {
                "c": c,
                "assigned": at(c.assigned_at),
                "eta": duration_text(c.offered_eta_s),
                "arrived": at(c.arrived_at),
                "drive": duration_text(c.travel_s),
                "colour": colours.get(c.work_order_id),
            }
            for c in timeline.crews
        ],
        "offers": [
            {
                "o": o,
                "time": at(o.at),
                "crews": [
                    {
                        **c,
                        "eta": duration_text(c.get("eta_seconds")),
                        "km": (c.get("distance_m") or 0) / 1000,
                        "station": stations.get(c.get("station_code", ""), c.get("station_code")),
                    }
                    for c in o.crews
                ],
            }
            for o in timeline.offers
        ],
        "hazards": [HAZARDS.get(h, h) for h in timeline.incident.hazards],
        "first_call": clock(first, date=True),
    }


def _margin(verdict: str, seconds: float | None) -> str:
    if seconds is None:
        return ""
    words = {
        "on time": _("%(time)s to spare"),
        "late": _("%(time)s late"),
        "running": _("%(time)s left"),
    }
    return words.get(verdict, _("%(time)s past due")) % {"time": duration_text(abs(seconds))}


def _config(
    timeline: Timeline, map_name: str, layers: dict[int, str], bounds: list[float]
) -> dict[str, Any]:
    span_s = (timeline.end - timeline.start).total_seconds()
    speed = next((s for s in SPEEDS if span_s / s <= REPLAY_TARGET_S), SPEEDS[-1])
    due = [
        {"t": _ms(s.due_at), "label": str(DUE_LABELS.get(s.milestone, s.milestone))}
        for s in timeline.stages
        if s.due_at and timeline.start <= s.due_at <= timeline.end
    ]
    return {
        "map": map_name,
        "bounds": [[bounds[1], bounds[0]], [bounds[3], bounds[2]]],
        "tz": settings.TIME_ZONE,
        "start": _ms(timeline.start),
        "end": _ms(timeline.end),
        "call": _ms(timeline.first_call_at),
        "speed": speed,
        "events": [
            {"id": e.id, "t": _ms(e.at), "layer": layers.get(e.id)} for e in timeline.events
        ],
        "marks": due,
        "tracks": [
            {
                "crew": t.crew,
                "vehicle": t.vehicle,
                "colour": TRACK_COLOURS[n % len(TRACK_COLOURS)],
                "fixes": [[_ms(f.at), f.lat, f.lon, f.course_deg] for f in t.fixes],
            }
            for n, t in enumerate(timeline.tracks)
        ],
    }


@page_for(TIMELINE, gettext_noop("timeline replay"))
def timeline_page(request: HttpRequest, reference: str) -> HttpResponse:
    timeline = _timeline_for(request, reference)
    assert isinstance(request.user, User)
    fmap, layers, bounds = _replay_map(timeline, request.user)
    parts = map_parts(fmap)
    exports = {
        fmt: reverse(f"maps-timeline-{fmt}", kwargs={"reference": reference})
        for fmt in EXPORT_FORMATS
    }
    context = {
        "t": timeline,
        "incident": timeline.incident,
        "recordings": _recordings(timeline, request.user),
        "map": parts,
        "config": _config(timeline, parts.name, layers, bounds),
        "speeds": SPEEDS,
        "exports": exports,
        **_rows(timeline),
    }
    return render(request, "maps/timeline.html", context)


def _recordings(timeline: Timeline, user: User) -> list[dict[str, Any]]:
    """The incident's calls' recorded legs the user may listen to (telephony)."""
    call_ids = list(timeline.incident.calls.values_list("pk", flat=True))
    return [
        {
            "leg": leg,
            "page": reverse("telephony-leg", args=[leg.pk]),
            "audio": reverse("telephony-leg-recording", args=[leg.pk]),
        }
        for leg in legs_recorded(call_ids)
        if leg_allowed(user, leg, Capability.RECORDINGS)
    ]


@page_for(TIMELINE, gettext_noop("timeline export"))
def timeline_export(request: HttpRequest, reference: str, fmt: str) -> HttpResponse:
    """The same timeline as a file named after the incident: CSV, XLSX, JSON or PDF."""
    timeline = _timeline_for(request, reference)
    user = request.user
    assert isinstance(user, User)
    now, by = timezone.now(), f"{user.get_full_name() or user.username} ({user.username})"
    log.info("timeline %s exported as %s by %s", reference, fmt, user.username)
    if fmt == "csv":
        response = HttpResponse(timeline_csv_file(timeline), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(timeline_xlsx(timeline), content_type=XLSX_TYPE)
    elif fmt == "json":
        body = timeline_json(timeline, exported_by=by, exported_at=now)
        response = JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 1})
    else:
        pdf = timeline_pdf(timeline, exported_by=by, exported_at=now)
        response = HttpResponse(pdf, content_type="application/pdf")
    # The PDF opens in the browser, ready to print; the data files are saved.
    how = "inline" if fmt == "pdf" else "attachment"
    response["Content-Disposition"] = f'{how}; filename="{file_name(timeline, fmt)}"'
    response["Cache-Control"] = "private, no-store"  # callers' numbers and addresses
    return response
