"""Every figure the reports show, written once: which rows count (eligible), which of them
met the mark (hit), the measure (value), and what exceeds a limit (over). The dashboard, the
exports, the monthly PDF and the drill-down to the incidents behind a figure all read these
same definitions (reports.figures), so they cannot disagree.

Thresholds are bound parameters from ReportSettings and the presets; "not yet due" rows use
%(now)s, so a clock still running is neither met nor missed."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reports.sources import CALLBACKS, CALLS, CASES, INCIDENTS, PHONE, Source

MINUTES = "EXTRACT(EPOCH FROM ({end} - {start})) / 60"
_WORK_ORDER = "make_interval(mins => %(work_order_minutes)s)"
_SAFE = "make_interval(hours => %(made_safe_hours)s)"
# When an incident stopped needing a crew (completed, or ended without), and a case closed;
# "infinity" while open. Written exactly as the indexes of migrations dispatch 0030 and
# desk 0003 are, so a backlog reads only the rows still open at its date.
INCIDENT_DONE = "COALESCE(LEAST(i.completed_at, i.ended_at), 'infinity'::timestamptz)"
CASE_DONE = "COALESCE(k.closed_at, 'infinity'::timestamptz)"
# An incident's clocks, each at most one row (deadline_unique): LEFT JOINs, so the figures of
# one source can share one pass over its rows (reports.figures).
ON_SITE_CLOCK = (
    "LEFT JOIN dispatch_incidentdeadline d_on ON d_on.incident_id = i.id "
    "AND d_on.milestone = 'on_site'"
)
MADE_SAFE_CLOCK = (
    "LEFT JOIN dispatch_incidentdeadline d_safe ON d_safe.incident_id = i.id "
    "AND d_safe.milestone = 'made_safe'"
)


@dataclass(frozen=True)
class FigureSpec:
    key: str
    label: str | Promise
    source: Source
    kind: str  # count, share (hits of count), distribution (of value), mean (of value)
    measure: (
        str  # what a value is in: calls, incidents, cases, share, minutes, seconds, hours, score
    )
    eligible: str = "TRUE"
    hit: str = "FALSE"
    value: str = "NULL"
    over: str = "FALSE"
    joins: str = ""
    # Higher is better (a share met) or lower (a repeat, a wait): how the screens colour it.
    better: str = "higher"
    # Rows whose time is not in the range but which count at its end (a backlog).
    as_of_end: bool = False
    note: str | Promise = ""


ARRIVAL_MINUTES = MINUTES.format(start="i.first_call_at", end="i.on_site_at")
# A phone call is judged once it was answered or it ended; one still ringing is neither.
_PHONE_DONE = "(l.answered_at IS NOT NULL OR l.ended_at IS NOT NULL)"
_ANSWER_SECONDS = "EXTRACT(EPOCH FROM (l.answered_at - l.rang_at))"

FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec(
        key="calls_received",
        label=_("Calls received"),
        source=CALLS,
        kind="count",
        measure="calls",
    ),
    FigureSpec(
        key="cases_received",
        label=_("Desk cases received"),
        source=CASES,
        kind="count",
        measure="cases",
    ),
    FigureSpec(
        key="incidents_opened",
        label=_("Repair jobs (incidents) opened"),
        source=INCIDENTS,
        kind="count",
        measure="incidents",
    ),
    FigureSpec(
        key="work_order_on_time",
        label=_("Electronic work order within the threshold"),
        source=INCIDENTS,
        kind="share",
        measure="share",
        # Judged once it has a work order or its time is up; one ended without a crew (a
        # false alarm, resolved on the phone) is not a repair job.
        eligible=f"(i.work_order_at IS NOT NULL OR (i.ended_at IS NULL "
        f"AND i.first_call_at + {_WORK_ORDER} < %(now)s))",
        hit=f"i.work_order_at <= i.first_call_at + {_WORK_ORDER}",
        value=MINUTES.format(start="i.first_call_at", end="i.work_order_at"),
        note=_("from the first call to the first work order"),
    ),
    FigureSpec(
        key="dispatch_minutes",
        label=_("Time to dispatch"),
        source=INCIDENTS,
        kind="distribution",
        measure="minutes",
        eligible="i.work_order_at IS NOT NULL",
        value=MINUTES.format(start="i.first_call_at", end="i.work_order_at"),
        better="lower",
        note=_("from the first call to the first work order"),
    ),
    FigureSpec(
        key="arrival_on_clock",
        label=_("Arrival within the SLA clock"),
        source=INCIDENTS,
        kind="share",
        measure="share",
        joins=ON_SITE_CLOCK,
        # An incident with an arrival clock that arrived, or whose clock ran out while it still
        # counted (not stopped as not applicable by a cancellation before anyone got there).
        eligible="d_on.id IS NOT NULL AND (i.on_site_at IS NOT NULL "
        "OR (d_on.not_applicable_at IS NULL AND d_on.due_at < %(now)s))",
        hit="i.on_site_at <= d_on.due_at",
        value=ARRIVAL_MINUTES,
        note=_("each incident against its own priority's clock"),
    ),
    FigureSpec(
        key="arrival_minutes",
        label=_("Time to arrive"),
        source=INCIDENTS,
        kind="distribution",
        measure="minutes",
        eligible="i.on_site_at IS NOT NULL",
        value=ARRIVAL_MINUTES,
        better="lower",
        note=_("from the first call to the first crew on site"),
    ),
    FigureSpec(
        key="arrival_verified",
        label=_("Arrivals backed by the van's positions"),
        source=INCIDENTS,
        kind="share",
        measure="share",
        eligible="i.on_site_at IS NOT NULL",
        hit="i.on_site_verified",
        value=ARRIVAL_MINUTES,
    ),
    FigureSpec(
        key="made_safe_on_time",
        label=_("Made safe within the threshold"),
        source=INCIDENTS,
        kind="share",
        measure="share",
        joins=MADE_SAFE_CLOCK,
        eligible=f"d_safe.id IS NOT NULL AND (i.made_safe_at IS NOT NULL OR "
        f"(d_safe.not_applicable_at IS NULL AND i.first_call_at + {_SAFE} < %(now)s))",
        hit=f"i.made_safe_at <= i.first_call_at + {_SAFE}",
        value=MINUTES.format(start="i.first_call_at", end="i.made_safe_at"),
        note=_("incidents with a made-safe clock, from the first call"),
    ),
    FigureSpec(
        key="complaint_reply_on_time",
        label=_("Complaints replied to on time"),
        source=CASES,
        kind="share",
        measure="share",
        eligible="k.category = 'complaint' AND (k.replied_at IS NOT NULL OR k.due_at < %(now)s)",
        hit="k.replied_at <= k.due_at",
        value="EXTRACT(EPOCH FROM (k.replied_at - k.created_at)) / 3600",
        note=_("against the complaint's reply clock (5 days as shipped)"),
    ),
    FigureSpec(
        key="report_reply_on_time",
        label=_("Reports of misconduct replied to on time"),
        source=CASES,
        kind="share",
        measure="share",
        eligible="k.category = 'report' AND (k.replied_at IS NOT NULL OR k.due_at < %(now)s)",
        hit="k.replied_at <= k.due_at",
        value="EXTRACT(EPOCH FROM (k.replied_at - k.created_at)) / 3600",
        note=_("against the report's reply clock (10 days as shipped)"),
    ),
    FigureSpec(
        key="callback_on_time",
        label=_("Call-backs made on time"),
        source=CALLBACKS,
        kind="share",
        measure="share",
        eligible="(b.first_attempt_at IS NOT NULL OR b.due_at < %(now)s)",
        hit="b.first_attempt_at <= b.due_at",
        note=_("the first attempt within the call-back clock (1 working day as shipped)"),
    ),
    FigureSpec(
        key="callback_score",
        label=_("Call-back satisfaction"),
        source=CALLBACKS,
        kind="mean",
        measure="score",
        eligible="b.satisfaction IS NOT NULL",
        value="b.satisfaction",
        note=_("1 to 5, callers reached who answered"),
    ),
    FigureSpec(
        key="repeat_calls",
        label=_("Repeat calls about the same premise"),
        source=CALLS,
        kind="share",
        measure="share",
        eligible="c.premise_id IS NOT NULL",
        hit="c.premise_previous_at >= c.received_at - make_interval(days => %(repeat_days)s)",
        better="lower",
        note=_("calls about a premise called about within the window"),
    ),
    FigureSpec(
        key="handling_seconds",
        label=_("Handling time per call"),
        source=CALLS,
        kind="distribution",
        measure="seconds",
        eligible="c.closed_at IS NOT NULL AND c.taker_id IS NOT NULL",
        value="EXTRACT(EPOCH FROM (c.closed_at - COALESCE(c.opened_at, c.received_at)))",
        better="lower",
        note=_("from opening the call's form to its outcome"),
    ),
    FigureSpec(
        key="phone_answered",
        label=_("Phone calls answered"),
        source=PHONE,
        kind="share",
        measure="share",
        eligible=_PHONE_DONE,
        hit="l.answered_at IS NOT NULL",
        value=_ANSWER_SECONDS,
        note=_("calls that rang in and were answered by an agent or hung up"),
    ),
    FigureSpec(
        key="phone_abandoned",
        label=_("Phone calls abandoned"),
        source=PHONE,
        kind="share",
        measure="share",
        eligible=_PHONE_DONE,
        hit="l.answered_at IS NULL",
        value="EXTRACT(EPOCH FROM (l.ended_at - l.rang_at))",
        better="lower",
        note=_("the caller hung up before any agent answered; the value is how long they waited"),
    ),
    FigureSpec(
        key="phone_answered_in_time",
        label=_("Phone calls answered in time"),
        source=PHONE,
        kind="share",
        measure="share",
        eligible=_PHONE_DONE,
        hit="l.answered_at <= l.rang_at + make_interval(secs => %(answer_seconds)s)",
        value=_ANSWER_SECONDS,
        note=_("answered within the threshold (four rings as shipped); abandoned calls miss it"),
    ),
    FigureSpec(
        key="phone_answer_seconds",
        label=_("Time to answer"),
        source=PHONE,
        kind="distribution",
        measure="seconds",
        eligible="l.answered_at IS NOT NULL",
        value=_ANSWER_SECONDS,
        better="lower",
        note=_("from the call ringing in to the first agent answering"),
    ),
    FigureSpec(
        key="backlog_incidents",
        label=_("Open repair jobs at the end of the range"),
        source=INCIDENTS,
        kind="distribution",
        measure="hours",
        # Not done by the end: the index incident_done_at finds these among years of rows.
        eligible=f"{INCIDENT_DONE} >= %(as_of)s",
        value="EXTRACT(EPOCH FROM (%(as_of)s - i.first_call_at)) / 3600",
        better="lower",
        as_of_end=True,
        note=_("their age in hours"),
    ),
    FigureSpec(
        key="backlog_cases",
        label=_("Open desk cases at the end of the range"),
        source=CASES,
        kind="distribution",
        measure="hours",
        eligible=f"{CASE_DONE} >= %(as_of)s",  # the index case_done_at
        value="EXTRACT(EPOCH FROM (%(as_of)s - k.created_at)) / 3600",
        better="lower",
        as_of_end=True,
        note=_("their age in hours"),
    ),
)

BY_KEY = {f.key: f for f in FIGURES}


def preset_spec(preset: object, n: int = 0) -> FigureSpec:
    """A regulator preset as a figure: the share attended within its minutes (an incident
    still waiting past them counts as missed), with the mean and longest arrival beside it.
    Its thresholds are the parameters numbered `n` (preset_params), so several presets can
    share one statement."""
    from reports.models import ReportPreset

    assert isinstance(preset, ReportPreset)
    chosen = ["TRUE"]
    if preset.categories:
        chosen.append(f"i.category = ANY(%(preset{n}_categories)s)")
    if preset.priority_max is not None:
        chosen.append(f"i.priority <= %(preset{n}_priority_max)s")
    attend = f"make_interval(mins => %(preset{n}_minutes)s)"
    return FigureSpec(
        key=f"preset:{preset.code}",
        label=preset.name,
        source=INCIDENTS,
        kind="share",
        measure="share",
        eligible=" AND ".join(chosen) + f" AND (i.on_site_at IS NOT NULL OR (i.ended_at IS NULL "
        f"AND i.first_call_at + {attend} < %(now)s))",
        hit=f"i.on_site_at <= i.first_call_at + {attend}",
        value=ARRIVAL_MINUTES,
        # Still waiting counts too: an incident nobody has reached in two hours is over two.
        over=MINUTES.format(start="i.first_call_at", end="COALESCE(i.on_site_at, %(now)s)")
        + f" > %(preset{n}_longest)s",
    )
