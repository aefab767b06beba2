"""A call-back left through the IVR: the console's own intake stores it as a call and opens a
desk case for it (a consultation the desk answers by calling back), so it is routed, clocked,
urged and written on the timeline like a case an agent opened."""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from alerts.ivr.answers import PHONE_DIGITS, Answer, customer_find, django_language, speech_language
from desk.models import Case
from desk.services.cases import case_open
from dispatch.choices import Category, Channel, Language
from dispatch.errors import DispatchError
from dispatch.models import User
from dispatch.selectors import phone_normalise
from dispatch.services.intake import CallInput, call_receive

CALLBACK_MARK = "ivr:callback"  # the external_ref of the calls the IVR stored for a call-back
NOTE_MAX = 500


@dataclass(frozen=True)
class CallbackLeft:
    case: Case
    created: bool  # False: this number's earlier request is still waiting


def _description(note: str) -> str:
    # Read by the desk, in the site's language whatever the caller's.
    with translation.override(settings.LANGUAGE_CODE):
        head = _("The caller asked through the phone menu (IVR) to be called back.")
    return f"{head}\n{note}".strip()


@transaction.atomic
def ivr_callback_request(
    *, phone: str, account: str = "", language: str, note: str = "", actor: User
) -> CallbackLeft:
    """Store a caller's request to be called back as a call and a desk case, unless a request
    from this number is still waiting for its reply (a caller who asks twice is called once)."""
    digits = phone_normalise(phone)
    if not PHONE_DIGITS[0] <= len(digits) <= PHONE_DIGITS[1]:
        raise DispatchError(_("phone must be a telephone number"), field="phone")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise DispatchError(_("a note is at most %d characters") % NOTE_MAX, field="note")
    if language not in Language.values:
        raise DispatchError(_("lang must be zh or en"), field="lang")
    customer = customer_find(account=account) if account.strip() else None
    # Two presses of the key arriving together wait for each other here, to the commit.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"ivr-callback:{digits}"]
        )
    waiting = (
        Case.objects.filter(
            call__external_ref=CALLBACK_MARK,
            call__caller_phone=digits,
            status__in=Case.AWAITING_REPLY,
        )
        .order_by("-created_at")
        .first()
    )
    if waiting is not None:
        return CallbackLeft(waiting, False)
    premise = customer.premises.order_by("id").first() if customer is not None else None
    call = call_receive(
        data=CallInput(
            category=Category.CONSULTATION,
            channel=Channel.PHONE,
            caller_phone=digits,
            language=language,
            description=_description(note),
            premise_id=premise.pk if premise is not None else None,
            external_ref=CALLBACK_MARK,
        ),
        taker=actor,
    )
    return CallbackLeft(case_open(call_id=call.pk, actor=actor), True)


def callback_answer(
    *, phone: str, account: str = "", lang: str = "", note: str = "", actor: User
) -> tuple[Answer, bool]:
    """The call-back left, what the caller hears about it, and whether it is new."""
    language = speech_language(lang, default=Language.ZH)
    left = ivr_callback_request(
        phone=phone, account=account, language=language, note=note, actor=actor
    )
    what = {"reference": left.case.reference}
    with translation.override(django_language(language)):
        if left.created:
            text = _(
                "Thank you. We have noted your request to be called back, reference "
                "%(reference)s. An agent will call you back on the number you are calling from."
            )
        else:
            text = _(
                "You have already asked to be called back (reference %(reference)s). An agent "
                "will call you as soon as possible."
            )
    answer = Answer(text % what, True, language, left.case.reference, left.case.status)
    return answer, left.created
