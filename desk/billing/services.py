"""The desk's writes on billing data: an arrears reminder given (the imports are in
importing.py, their runs recorded there)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from desk.billing.models import AccountBalance
from desk.billing.selectors import customer_list_visible
from dispatch.errors import ConflictError, ForbiddenError, NotFoundError
from dispatch.models import User
from dispatch.services.timeline import event_record

NOTE_MAX = 500


@transaction.atomic
def arrears_remind(*, customer_id: int, actor: User, note: str = "") -> AccountBalance:
    """The customer was reminded of their arrears (by phone or message): kept on the account
    and on the timeline, so the work list moves them to its end."""
    balance = (
        AccountBalance.objects.select_for_update()
        .select_related("customer")
        .filter(customer_id=customer_id)
        .first()
    )
    if balance is None:
        raise NotFoundError(_("this account has no billing data"), field="customer")
    if not customer_list_visible(actor).filter(pk=customer_id).exists():
        raise ForbiddenError(_("this account is outside your organisation"))
    if balance.arrears <= 0:
        raise ConflictError(
            _("account %s owes nothing now: the latest import cleared its arrears")
            % balance.customer.account_no
        )
    now = timezone.now()
    balance.reminded_at = now
    balance.save(update_fields=["reminded_at"])
    event_record(
        kind="arrears.reminded",
        actor=actor,
        at=now,
        data={
            "account": balance.customer.account_no,
            "arrears": f"{balance.arrears:.2f}",
            "since": balance.arrears_since.isoformat() if balance.arrears_since else None,
            "as_of": balance.as_of.isoformat(),
            "note": note.strip()[:NOTE_MAX],
        },
    )
    return balance
