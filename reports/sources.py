"""Where each figure's rows come from: the record's own tables, read by SQL the reports
compose (reports.figures). A source names its time and unit columns, the expression of each
breakdown (None where it has none: a call has no crew), and the columns its filters read.

All SQL here is module constants; every value is bound (%(name)s), never formatted in."""

import re
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The unit a row counts for (`ou`: the station, or the desk's unit), and its company.
_COMPANY = "CASE WHEN ou.tier = 3 THEN ou.parent_id WHEN ou.tier = 2 THEN ou.id END"


def _periods(column: str) -> dict[str, str]:
    local = f"({column} AT TIME ZONE %(tz)s)"
    return {
        "day": f"to_char({local}, 'YYYY-MM-DD')",
        "month": f"to_char({local}, 'YYYY-MM')",
        "year": f"to_char({local}, 'YYYY')",
    }


@dataclass(frozen=True)
class Source:
    name: str
    noun: str | Promise  # what its rows are, in the reader's words
    table: str  # FROM ...: the rows and the unit they count for (aliases the SQL reads)
    time: str  # the moment a row falls in a date range by
    unit: str  # the unit it counts for
    dims: dict[str, str | None]
    category: str
    priority: str | None  # None: filtered through its incident
    channel: str
    base: str = "TRUE"  # rows that never count (a merged incident's calls went elsewhere)
    # Joins to (alias, JOIN ...) that no row is lost or repeated by, made only when the
    # statement reads the alias: a call-back's call is a scan of a year of calls, wanted only
    # when a filter or breakdown asks for a call's case type or channel.
    joins: tuple[tuple[str, str], ...] = field(default=())

    def from_clause(self, reads: str) -> str:
        """FROM with the joins that the rest of the statement (`reads`) refers to."""
        wanted = [join for alias, join in self.joins if re.search(rf"\b{alias}\.", reads)]
        return " ".join([self.table, *wanted])


INCIDENTS = Source(
    name="incidents",
    noun=_("repair jobs"),
    table="dispatch_incident i JOIN network_orgunit ou ON ou.id = i.station_id",
    time="i.first_call_at",
    unit="i.station_id",
    dims={
        "station": "i.station_id::text",
        "company": f"({_COMPANY})::text",
        # The crew that got there first (or was sent first, if none got there).
        "crew": "(SELECT w.crew_id FROM dispatch_workorder w WHERE w.incident_id = i.id "
        "ORDER BY w.arrived_at NULLS LAST, w.created_at, w.id LIMIT 1)::text",
        "taker": "(SELECT c.taker_id FROM dispatch_call c WHERE c.incident_id = i.id "
        "ORDER BY c.received_at, c.id LIMIT 1)::text",
        "category": "i.category",
        "priority": "i.priority::text",
        "channel": "i.channel",
        **_periods("i.first_call_at"),
    },
    category="i.category",
    priority="i.priority",
    channel="i.channel",
    base="i.status <> 'merged'",
)

CALLS = Source(
    name="calls",
    noun=_("calls"),
    table="dispatch_call c JOIN network_orgunit ou ON ou.id = c.unit_id",
    time="c.received_at",
    unit="c.unit_id",
    dims={
        "station": "c.unit_id::text",
        "company": f"({_COMPANY})::text",
        "crew": None,
        "taker": "c.taker_id::text",
        "category": "c.category",
        "priority": "(SELECT p.priority FROM dispatch_incident p WHERE p.id = c.incident_id)::text",
        "channel": "c.channel",
        **_periods("c.received_at"),
    },
    category="c.category",
    priority=None,
    channel="c.channel",
)

CASES = Source(
    name="cases",
    noun=_("desk cases"),
    table="desk_case k JOIN network_orgunit ou ON ou.id = k.unit_id",
    time="k.created_at",
    unit="k.unit_id",
    dims={
        "station": "k.unit_id::text",
        "company": f"({_COMPANY})::text",
        "crew": None,
        "taker": "kc.taker_id::text",
        "category": "k.category",
        "priority": None,
        "channel": "kc.channel",
        **_periods("k.created_at"),
    },
    category="k.category",
    priority=None,
    channel="kc.channel",
    joins=(("kc", "JOIN dispatch_call kc ON kc.id = k.call_id"),),
)

# A call-back counts for its incident's station or its case's desk (b.unit, written with
# it); its taker is the agent who made it.
CALLBACKS = Source(
    name="callbacks",
    noun=_("call-backs"),
    table="alerts_callback b JOIN network_orgunit ou ON ou.id = b.unit_id",
    time="b.due_at",
    unit="b.unit_id",
    dims={
        "station": "b.unit_id::text",
        "company": f"({_COMPANY})::text",
        "crew": None,
        "taker": "b.done_by_id::text",
        "category": "bc.category",
        "priority": "bi.priority::text",
        "channel": "bc.channel",
        **_periods("b.due_at"),
    },
    category="bc.category",
    priority="bi.priority",
    channel="bc.channel",
    joins=(
        ("bi", "LEFT JOIN dispatch_incident bi ON bi.id = b.incident_id"),
        ("bk", "LEFT JOIN desk_case bk ON bk.id = b.case_id"),
        ("bc", "JOIN dispatch_call bc ON bc.id = b.call_id"),
    ),
)

# A phone call as the phone system saw it (telephony): the caller's own leg, counted for the
# unit its phone system answers for; its taker is the first agent who answered it.
PHONE = Source(
    name="phone",
    noun=_("phone calls"),
    table="telephony_callleg l JOIN telephony_phonesystem ps ON ps.id = l.system_id "
    "JOIN network_orgunit ou ON ou.id = ps.unit_id",
    time="l.rang_at",
    unit="ps.unit_id",
    dims={
        "station": "ps.unit_id::text",
        "company": f"({_COMPANY})::text",
        "crew": None,
        "taker": "(SELECT a.agent_id FROM telephony_callleg a WHERE a.system_id = l.system_id "
        "AND a.call_uid = l.call_uid AND a.role = 'agent' AND a.answered_at IS NOT NULL "
        "ORDER BY a.answered_at, a.id LIMIT 1)::text",
        "category": "(SELECT lc.category FROM dispatch_call lc WHERE lc.id = l.call_id)",
        "priority": None,
        "channel": "'phone'",
        **_periods("l.rang_at"),
    },
    category="(SELECT lc.category FROM dispatch_call lc WHERE lc.id = l.call_id)",
    priority=None,
    channel="'phone'",
    base="l.role = 'caller'",
)
