"""The desk's clocks, run by the beat: urge (督办) a case before its reply is due, escalate it
once overdue, each once per case. The alerts app tells the people (its listeners on
`case.urged` and `case.overdue`)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from desk.models import Case
from desk.services.cases import desk_rule_for
from desk.services.timeline import case_event_record


def _due_clock(case: Case) -> tuple[str, datetime | None]:
    """The clock that runs now: the second tier's answer while it is there, else the reply."""
    if case.return_to_id is not None and case.answer_due_at is not None:
        return "answer", case.answer_due_at
    return "reply", case.due_at


@transaction.atomic
def cases_clocks_check(*, now: datetime) -> dict[str, int]:
    """Urge the cases whose clock falls due within their rule's warning, escalate the overdue."""
    counts = {"urged": 0, "overdue": 0}
    waiting = Case.objects.select_for_update(skip_locked=True).filter(
        status__in=Case.AWAITING_REPLY
    )
    for case in waiting.filter(overdue_at__isnull=True).filter(
        Q(due_at__isnull=False) | Q(answer_due_at__isnull=False)
    ):
        milestone, due = _due_clock(case)
        if due is None:
            continue
        if due <= now:
            case.overdue_at = now
            case.save(update_fields=["overdue_at"])
            case_event_record(
                case=case,
                kind="case.overdue",
                actor=None,
                at=now,
                data={"milestone": milestone, "due_at": due.isoformat(), "unit": case.unit.code},
            )
            counts["overdue"] += 1
            continue
        hours = desk_rule_for(case.category).urge_before_hours
        if case.urged_at is None and hours and due - timedelta(hours=hours) <= now:
            case.urged_at = now
            case.save(update_fields=["urged_at"])
            case_event_record(
                case=case,
                kind="case.urged",
                actor=None,
                at=now,
                data={"milestone": milestone, "due_at": due.isoformat(), "unit": case.unit.code},
            )
            counts["urged"] += 1
    return counts
