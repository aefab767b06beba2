"""Reads of the call-backs: whose they are (an incident's station, a case's desk unit), the
work list of a user's units, and the scores per station for the work list and the reports."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from alerts.models import CallBack, CallBackAttempt, CallBackStatus
from dispatch.access import Capability, user_may
from dispatch.models import User
from gis.models import OrgUnit
from gis.selectors import org_unit_list_within

DONE_SHOWN_DAYS = 7
LIST_MAX = 200


def _owned_by(units: QuerySet[OrgUnit]) -> Q:
    """An incident's call-back belongs to its station; a case's to the desk unit holding it."""
    return Q(incident__station__in=units) | Q(case__unit__in=units)


def user_may_see_callback(user: User, callback: CallBack) -> bool:
    if not user_may(user, Capability.CALL_BACKS):
        return False
    units = org_unit_list_within(user.org_unit)
    return CallBack.objects.filter(_owned_by(units), pk=callback.pk).exists()


def callbacks_for(user: User, *, show: str = "open", now: datetime | None = None) -> list[CallBack]:
    """The user's units' call-backs: open ones with the due and overdue first; or those
    finished in the last DONE_SHOWN_DAYS days, newest first. Each with its attempt history."""
    if not user_may(user, Capability.CALL_BACKS):
        return []
    now = now or timezone.now()
    rows = CallBack.objects.filter(_owned_by(org_unit_list_within(user.org_unit)))
    if show == "done":
        rows = rows.exclude(status=CallBackStatus.PENDING).filter(
            done_at__gte=now - timedelta(days=DONE_SHOWN_DAYS)
        )
        order = ["-done_at", "-id"]
    else:
        rows = rows.filter(status=CallBackStatus.PENDING)
        order = ["next_attempt_at", "due_at", "id"]
    history = CallBackAttempt.objects.select_related("by").order_by("at", "id")
    return list(
        rows.select_related("incident__station", "case__unit", "call")
        .prefetch_related(Prefetch("attempt_log", queryset=history))
        .order_by(*order)[:LIST_MAX]
    )


@dataclass(frozen=True)
class StationScores:
    unit: str
    due: int
    attempted: int
    reached: int
    declined: int
    not_reached: int
    open: int
    on_time: int
    average_score: float | None


def callback_scores(
    units: QuerySet[OrgUnit], date_from: date, date_to: date
) -> list[StationScores]:
    """Per station (an incident's station, a case's desk unit), the call-backs falling due from
    `date_from` to `date_to` inclusive (local days): how many were tried, reached, declined,
    given up as not reached and still open; how many were first tried by their due time
    (within one working day); the average score of those reached. A caller not reached never
    counts towards the score."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone)
    rows = (
        CallBack.objects.filter(_owned_by(units), due_at__gte=start, due_at__lt=end)
        .annotate(owner=Coalesce("incident__station__name", "case__unit__name"))
        .values("owner")
        .annotate(
            due=Count("id"),
            attempted=Count("id", filter=Q(first_attempt_at__isnull=False)),
            reached=Count("id", filter=Q(status=CallBackStatus.REACHED)),
            declined=Count("id", filter=Q(status=CallBackStatus.DECLINED)),
            not_reached=Count("id", filter=Q(status=CallBackStatus.NOT_REACHED)),
            open=Count("id", filter=Q(status=CallBackStatus.PENDING)),
            on_time=Count("id", filter=Q(first_attempt_at__lte=F("due_at"))),
            average_score=Avg("satisfaction", filter=Q(status=CallBackStatus.REACHED)),
        )
        .order_by("owner")
    )
    return [
        StationScores(
            unit=row["owner"],
            due=row["due"],
            attempted=row["attempted"],
            reached=row["reached"],
            declined=row["declined"],
            not_reached=row["not_reached"],
            open=row["open"],
            on_time=row["on_time"],
            average_score=(
                round(float(row["average_score"]), 2) if row["average_score"] is not None else None
            ),
        )
        for row in rows
    ]
