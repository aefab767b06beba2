"""The map wall page, its delta feed and the network tiles behind every map."""

import hashlib
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from config.counters import counter_increment
from dispatch.categories import category_names
from dispatch.models import Crew, Incident, Milestone, User, WorkOrder
from dispatch.selectors import DISPATCHES
from dispatch.words import incident_words
from gis.models import OrgUnit
from gis.selectors import org_unit_bounds, org_unit_list_within
from maps.access import INCIDENT_MAP, NETWORK_MAP, TIMELINE, WALL, feed_for, page_for
from maps.feed import CursorAheadError
from maps.feed_log import feed_log
from maps.folium_kit import map_parts
from maps.network_map import network_legend, utilities_seen_by
from maps.queue_words import label_words, queue_words
from maps.scope import BadParameterError, stations_for
from maps.tiles import TileAddress, network_tile
from maps.wall import wall_map

logger = logging.getLogger(__name__)

POLL_MS = 1000  # the wall asks every second, so a change shows within two
STALE_AFTER_S = 120  # a van silent this long is greyed: its position may be wrong
# The dispatch queue is asked again whenever the feed brings a changed incident, and this
# often in any case (a waiting time passing its alarm changes no row).
QUEUE_EVERY_MS = 15000


@page_for(WALL, gettext_noop("map wall"))
def wall(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    try:
        chosen, _ids = stations_for(user, request.GET.get("station"))
    except (BadParameterError, PermissionError) as error:
        context = {"screen": gettext_noop("map wall"), "message": str(error)}
        return render(request, "maps/forbidden.html", context, status=400)
    # The networks of the station chosen, else of the viewer's unit (all three above any).
    utilities = utilities_seen_by(chosen or user.org_unit)
    fmap, layers = wall_map(org_unit_bounds(chosen or user.org_unit), utilities)
    units = org_unit_list_within(user.org_unit).filter(tier=OrgUnit.Tier.STATION)
    config: dict[str, Any] = {
        "map": None,  # filled by the template from `parts.name`
        "layers": layers.__dict__,
        "feed": "/maps/feed",
        "station": chosen.pk if chosen else None,
        "poll_ms": POLL_MS,
        "stale_after_s": STALE_AFTER_S,
        "can_dispatch": user.has_role(*DISPATCHES),
        "can_replay": user.has_role(*TIMELINE),
        "queue_every_ms": QUEUE_EVERY_MS,
        "queue_text": queue_words(),
        "labels": {
            "incident_status": label_words(Incident.Status.choices),
            "work_order_status": label_words(WorkOrder.Status.choices),
            "crew_status": label_words(Crew.Status.choices),
            "milestone": label_words(Milestone.choices),
            "category": category_names(),
            "text": incident_words(),
        },
    }
    return render(
        request,
        "maps/wall.html",
        {
            "parts": map_parts(fmap),
            "config": config,
            "units": units.order_by("name"),
            "chosen": chosen,
            # The map's own words for the classes ("Low pressure" is a complaint elsewhere).
            "network_legend": network_legend(utilities),
        },
    )


@require_GET
@feed_for(WALL)
def feed(request: HttpRequest) -> HttpResponse:
    """GET /maps/feed?since=<cursor>&station=<unit id>: GeoJSON of what changed (everything
    without `since`); 304 when nothing did and If-None-Match names the cursor sent."""
    user = request.user
    assert isinstance(user, User)
    raw_since = request.GET.get("since")
    try:
        since = None if raw_since in (None, "") else int(raw_since)
        if since is not None and since < 0:
            raise ValueError
        _unit, station_ids = stations_for(user, request.GET.get("station"))
    except ValueError:
        return JsonResponse(
            {"detail": _("since must be the cursor of the last answer, station a unit id")},
            status=400,
        )
    except PermissionError as error:
        return JsonResponse({"detail": str(error)}, status=403)
    try:
        result = feed_log.get(since=since, station_ids=station_ids)
    except CursorAheadError:
        logger.warning("map feed: cursor %s from the future refused", since)
        counter_increment("maps.feed.cursor_ahead")
        return JsonResponse(
            {
                "detail": _(
                    "since is ahead of every cursor this server has given (made up, or "
                    "kept from before a database restore): poll again without since"
                )
            },
            status=400,
        )
    etag = f'"{request.GET.get("station") or "all"}.{result.cursor}"'
    if result.body is None:
        if request.headers.get("If-None-Match") == etag:
            response = HttpResponse(status=304)
        else:  # a poller that does not send the ETag still learns nothing changed
            response = JsonResponse(
                {"type": "FeatureCollection", "cursor": str(result.cursor), "features": []}
            )
    else:
        response = HttpResponse(result.body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
@feed_for(WALL | INCIDENT_MAP | NETWORK_MAP)
def network_tiles(request: HttpRequest, z: int, x: int, y: int) -> HttpResponse:
    tile = TileAddress(z, x, y)
    if not tile.is_valid():
        return JsonResponse(
            {"detail": _("no tile %(tile)s: x and y run 0 to 2^z - 1") % {"tile": f"{z}/{x}/{y}"}},
            status=400,
        )
    body = network_tile(tile)
    etag = f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/vnd.mapbox-vector-tile")
    response["ETag"] = etag
    # The network changes by import, rarely: a minute's reuse spares the database a wall's
    # worth of tiles on every pan, and revalidation after it costs one query, no transfer.
    response["Cache-Control"] = "private, max-age=60"
    return response
