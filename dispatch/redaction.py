"""Callers' personal details taken out of what a role that takes no calls reads.

Issue 15: customer data only for roles that take calls (`Capability.CUSTOMER_DATA`). A safety
manager reviews every incident, its timeline and its exports, but a caller's number, name,
e-mail and account are for those who call back. The incident's address stays: where the gas
was is the operational record, and the review cannot be done without it.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from dispatch.access import Capability, user_may

# The keys under which events and call records keep a caller's details: `call.received`
# (dispatch/services/intake.py) writes phone and customer (the account number), `call.open311`
# (alerts/open311/intake.py) the citizen's account_id and device_id, the timeline's call list
# phone, caller and email. Only the top level: nested values are crews, fixes and evidence.
CUSTOMER_KEYS = frozenset(
    {
        "phone",
        "caller",
        "caller_name",
        "caller_phone",
        "caller_email",
        "email",
        "customer",
        "account",
        "account_id",
        "account_no",
        "device_id",
    }
)


def hidden_text() -> str:
    """What stands where a detail was withheld, in the reader's language."""
    return _("(hidden)")


def customer_data_redact(data: Mapping[str, Any], *, user: Any) -> dict[str, Any]:
    """`data` as `user` may read it: whole for those who take calls; else every caller's
    detail present replaced by "(hidden)", so a reader sees that something is withheld."""
    if user_may(user, Capability.CUSTOMER_DATA):
        return dict(data)
    return {
        key: hidden_text() if key in CUSTOMER_KEYS and value not in (None, "", [], {}) else value
        for key, value in data.items()
    }
