"""What the desk's screens and API read of a case."""

from typing import Any

from django.utils import timezone

from desk.access import user_may_handle, user_may_read_identity
from desk.models import Case
from desk.services.cases import desk_rule_for
from dispatch.models import User
from dispatch.redaction import hidden_text


def case_out(case: Case, user: User) -> dict[str, Any]:
    """A case as `user` may read it: the caller's identity only when desk.access allows (the
    identity itself is read through desk.services.identity, which logs the read)."""
    rule = desk_rule_for(case.category)
    steps = rule.checklist()
    return {
        "id": case.pk,
        "reference": case.reference,
        "category": case.category,
        "category_label": case.category_label,
        "status": case.status,
        "status_label": case.get_status_display(),
        "confidential": case.confidential,
        "subject": case.subject,
        "unit": case.unit.name,
        "unit_id": case.unit_id,
        "department": str(case.department) if case.department else None,
        "return_to": case.return_to.name if case.return_to else None,
        "handler": case.handler.get_full_name() or case.handler.get_username()
        if case.handler
        else None,
        "created_at": case.created_at,
        "due_at": case.due_at,
        "answer_due_at": case.answer_due_at,
        "overdue": case.due_at is not None
        and case.status in Case.AWAITING_REPLY
        and case.due_at < timezone.now(),
        "answer_text": case.answer_text,
        "reply_text": case.reply_text,
        "replied_at": case.replied_at,
        "checklist": [
            {"step": i, "label": label, "done": i in case.checklist_done}
            for i, label in enumerate(steps)
        ],
        "field_incident": case.field_incident.reference if case.field_incident else None,
        "raised_by": case.raised_by.reference if case.raised_by else None,
        "identity_visible": user_may_read_identity(user, case),
        "may_handle": user_may_handle(user, case),
        "caller": hidden_text() if case.confidential else case.call.caller_name,
        "url": f"/desk/cases/{case.reference}/",
    }
