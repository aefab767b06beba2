"""Reading the caller behind a case: allowed or refused by desk.access, every read that is
allowed written on the case's timeline, every refusal logged and counted."""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.counters import counter_increment
from desk.access import user_may_read_identity
from desk.models import Case
from desk.services.timeline import case_event_record
from dispatch.errors import ForbiddenError
from dispatch.models import User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    name: str
    phone: str
    email: str
    account: str
    address: str


@transaction.atomic
def case_identity_read(*, case: Case, user: User) -> Identity:
    if not user_may_read_identity(user, case):
        counter_increment("desk.identity_refused")
        log.warning(
            "identity of %s refused to %s (%s)", case.reference, user.get_username(), user.role
        )
        raise ForbiddenError(
            _(
                "the caller of %(reference)s is known only to the desk handling it and its"
                " supervisors"
            )
            % {"reference": case.reference}
        )
    call = case.call
    if case.confidential:
        case_event_record(case=case, kind="case.identity_read", actor=user, at=timezone.now())
    return Identity(
        name=call.caller_name or (case.customer.name if case.customer else ""),
        phone=call.caller_phone,
        email=call.caller_email,
        account=case.customer.account_no if case.customer else "",
        address=call.address_text,
    )
