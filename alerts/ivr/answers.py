"""The IVR's answers: one sentence or a few, in the caller's language, for text-to-speech.

Each answer reuses the words the caller would read elsewhere: a report's status is the
Open311 status note (alerts.open311.wording), an outage at a premise is the console's
sentence for the caller (alerts.supply_status), an area-wide fault is the public CAP
message's description (alerts.cap). What the caller cannot be told (an unknown reference or
account) is a sentence too, saying what to do, never an error.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alerts.cap.document import cap_read
from alerts.cap.place import incident_public_place
from alerts.cap.selectors import cap_message_list_current
from alerts.models import CapMessage, SupplyInterruption
from alerts.open311.wording import language_from, status_note
from alerts.outages import _interruption_context, outages_at_premise
from alerts.supply_status import _sentence as outage_sentence
from desk.models import Case, CaseStatus
from dispatch.categories import category_name
from dispatch.choices import Language
from dispatch.errors import DispatchError
from dispatch.models import Customer, Incident, WorkOrder
from dispatch.selectors import phone_normalise
from gis.selectors import org_unit_station_for_point

# A reference as printed (GX-20261122-0042), or its digits keyed on a phone (202611220042).
REFERENCE = re.compile(r"[A-Z]{1,8}-\d{8}-\d{4,6}")
REFERENCE_DIGITS = re.compile(r"\d{12,14}")
ACCOUNT = re.compile(r"[\w-]{1,32}", re.ASCII)
PHONE_DIGITS = (5, 20)  # an extension to an international number
PREMISES_SPOKEN = 3  # a landlord with forty flats hears of three; the agent has the rest
ANNOUNCEMENTS_SPOKEN = 3
CAP_LANGUAGE: dict[str, str] = {Language.ZH: "zh-CN", Language.EN: "en-US"}


@dataclass(frozen=True)
class Answer:
    """What the IVR reads out, and what it may branch on."""

    text: str
    found: bool
    language: str
    reference: str = ""
    status: str = ""
    interrupted: bool = False
    planned: bool = False
    count: int = 0


def django_language(language: str) -> str:
    return "zh-hans" if language == Language.ZH else "en"


def speech_language(raw: str, *, default: str) -> str:
    """zh or en from what the IVR sent (zh, zh-CN, en_US...); `default` when nothing was."""
    if not raw.strip():
        return default
    found = language_from(raw, default="")
    if not found:
        raise DispatchError(_("lang must be zh or en"), field="lang")
    return found


def _joined(parts: list[str], language: str) -> str:
    # Chinese sentences run on without spaces; English ones are separated by one.
    return ("" if language == Language.ZH else " ").join(p for p in parts if p)


def _local(moment: object) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"  # type: ignore[arg-type]


# ---- the status of a report -------------------------------------------------------------


def reference_normalise(raw: str) -> str:
    """The reference asked about, as stored; keyed digits get the dashes and the prefix."""
    text = re.sub(r"\s+", "", raw).upper()
    if REFERENCE_DIGITS.fullmatch(text):
        prefix = settings.INCIDENT_REFERENCE_PREFIX
        return f"{prefix}-{text[:8]}-{int(text[8:]):04d}"
    if REFERENCE.fullmatch(text):
        return text
    raise DispatchError(
        _("ref must be a report's reference, such as GX-20261122-0042, or its 12 digits"),
        field="ref",
    )


def _incident_text(incident: Incident, language: str) -> str:
    if incident.status == Incident.Status.MERGED and incident.merged_into is not None:
        survivor = incident.merged_into
        head = _("Your report %(reference)s was joined to report %(survivor)s.") % {
            "reference": incident.reference,
            "survivor": survivor.reference,
        }
        return _joined([head, _incident_text(survivor, language)], language)
    parts = [
        _("Report %(reference)s: %(status)s")
        % {"reference": incident.reference, "status": status_note(incident.status, language)}
    ]
    if incident.status in Incident.OPEN_STATUSES:
        eta = (
            incident.work_orders.filter(
                status__in=WorkOrder.ACTIVE_STATUSES, eta__gt=timezone.now()
            )
            .order_by("eta")
            .values_list("eta", flat=True)
            .first()
        )
        if eta is not None:
            parts.append(
                _("The crew is expected at %(time)s.")
                % {"time": f"{timezone.localtime(eta):%H:%M}"}
            )
    return _joined(parts, language)


def _case_text(case: Case, language: str) -> str:
    # A confidential case (a report on someone) is not named to whoever holds the reference.
    name = _("case") if case.confidential else category_name(case.category)
    what = {
        "reference": case.reference,
        "type": name.lower() if language == Language.EN else name,
    }
    if case.status in Case.AWAITING_REPLY:
        if case.due_at is None:
            return _("Your %(type)s (reference %(reference)s) is being handled.") % what
        return _(
            "Your %(type)s (reference %(reference)s) is being handled; we will reply to you "
            "by %(due)s."
        ) % {**what, "due": _local(case.due_at)}
    if case.status in (CaseStatus.REPLIED, CaseStatus.CALLED_BACK):
        return _("We replied to your %(type)s (reference %(reference)s) on %(date)s.") % {
            **what,
            "date": _local(case.replied_at or case.created_at),
        }
    return _("Your %(type)s (reference %(reference)s) is closed.") % what


def report_status(*, ref: str, lang: str) -> Answer:
    """A report's status by its reference: an incident's, else a desk case's."""
    reference = reference_normalise(ref)
    language = speech_language(lang, default=Language.ZH)
    with translation.override(django_language(language)):
        incident = (
            Incident.objects.select_related("merged_into").filter(reference=reference).first()
        )
        if incident is not None:
            text = _incident_text(incident, language)
            return Answer(text, True, language, reference, incident.status)
        case = Case.objects.filter(reference=reference).first()
        if case is not None:
            return Answer(_case_text(case, language), True, language, reference, case.status)
        text = _(
            "We could not find a report with the reference %(reference)s. Please check the "
            "number in the message we sent you, or press 0 to speak to an agent."
        ) % {"reference": reference}
        return Answer(text, False, language, reference)


# ---- the caller's account and premises ---------------------------------------------------


def customer_find(*, account: str = "", phone: str = "") -> Customer | None:
    """The account asked about, by its number (as written or upper-cased, both by the unique
    index) or by the number the caller rings from. Raises DispatchError for malformed input."""
    account, phone = account.strip(), phone.strip()
    if account:
        if not ACCOUNT.fullmatch(account):
            raise DispatchError(_("account must be an account number"), field="account")
        return (
            Customer.objects.filter(account_no__in={account, account.upper()})
            .order_by("pk")
            .first()
        )
    if phone:
        digits = phone_normalise(phone)
        if not PHONE_DIGITS[0] <= len(digits) <= PHONE_DIGITS[1]:
            raise DispatchError(_("phone must be a telephone number"), field="phone")
        return Customer.objects.filter(phones__contains=[digits]).order_by("pk").first()
    return None


def _not_found_text(account: str) -> str:
    if account:
        return _(
            "We could not find that account number. Please check it on your gas bill, or "
            "press 0 to speak to an agent."
        )
    return _(
        "We could not find an account for the number you are calling from. Please enter "
        "your account number, or press 0 to speak to an agent."
    )


def premise_status(*, account: str = "", phone: str = "", lang: str = "") -> Answer:
    """Is the gas off, or will it be, at the premises of the caller's account?"""
    if bool(account.strip()) == bool(phone.strip()):
        raise DispatchError(_("give either account or phone"), field="account")
    customer = customer_find(account=account, phone=phone)
    language = speech_language(
        lang, default=customer.language if customer is not None else Language.ZH
    )
    with translation.override(django_language(language)):
        if customer is None:
            return Answer(_not_found_text(account), False, language)
        premises = list(customer.premises.order_by("id"))
        now, spoken, interrupted, planned = timezone.now(), [], False, False
        for premise in premises:
            outages = outages_at_premise(premise=premise, now=now, language=language)
            if not outages:
                continue
            interrupted |= any(o.kind == "interruption" for o in outages)
            planned |= any(o.kind == "planned" for o in outages)
            sentence = outage_sentence(outages)
            if len(premises) > 1:
                address = premise.full_text_en if language == Language.EN else ""
                sentence = _("At %(address)s: %(sentence)s") % {
                    "address": address or premise.full_text,
                    "sentence": sentence,
                }
            spoken.append(sentence)
        text = _joined(spoken[:PREMISES_SPOKEN], language) or outage_sentence([])
        return Answer(text, True, language, interrupted=interrupted, planned=planned)


# ---- the announcement of an area-wide fault ---------------------------------------------


def _stations_of(customer: Customer) -> set[int]:
    found = set()
    for premise in customer.premises.order_by("id")[:PREMISES_SPOKEN]:
        station = org_unit_station_for_point(premise.geom)
        if station is not None:
            found.add(station.pk)
    return found


def _cap_texts(messages: list[CapMessage], language: str) -> list[str]:
    """What each public alert in force tells the public."""
    texts = []
    for message in messages:
        issued = cap_read(message.xml)
        text = issued.descriptions.get(CAP_LANGUAGE[language], "")
        if text:
            texts.append(text)
    return texts


def _interruption_text(interruption: SupplyInterruption, language: str) -> str:
    context = _interruption_context(interruption)[language]
    if interruption.incident is not None:
        local, english = incident_public_place(interruption.incident)
        return _(
            "Because of %(reason)s, the gas supply around %(place)s is interrupted "
            "(%(reference)s). Our crews are working on it; you do not need to report it again."
        ) % {**context, "place": (english if language == Language.EN else local) or "-"}
    return (
        _(
            "Planned works %(reference)s (%(reason)s) have interrupted the gas supply in their "
            "area; we will tell the customers affected when it is back."
        )
        % context
    )


def announcement(*, account: str = "", phone: str = "", lang: str = "") -> Answer:
    """The announcement of area-wide faults (突发故障自动语音答复): the public alerts in force
    and the interruptions no alert covers, those of the caller's stations when the caller is
    known, newest first."""
    customer = customer_find(account=account, phone=phone)
    language = speech_language(
        lang, default=customer.language if customer is not None else Language.ZH
    )
    stations = _stations_of(customer) if customer is not None else set()
    # A Cancel tells of no fault: the gas may still be off after the site was made safe,
    # and then the interruption is read instead.
    messages = [m for m in cap_message_list_current() if m.msg_type != CapMessage.MsgType.CANCEL]
    station_of = dict(
        Incident.objects.filter(pk__in={m.incident_id for m in messages}).values_list(
            "pk", "station_id"
        )
    )
    if stations:
        messages = [m for m in messages if station_of.get(m.incident_id) in stations]
    interruptions = (
        SupplyInterruption.objects.filter(restored_at__isnull=True)
        .exclude(incident_id__in=[m.incident_id for m in messages])
        .select_related("incident", "planned_work")
        .order_by("-started_at")
    )
    if stations:
        interruptions = interruptions.filter(
            Q(incident__station_id__in=stations) | Q(planned_work__station_id__in=stations)
        )
    with translation.override(django_language(language)):
        texts = _cap_texts(messages, language)
        texts += [_interruption_text(i, language) for i in interruptions[:ANNOUNCEMENTS_SPOKEN]]
        texts = texts[:ANNOUNCEMENTS_SPOKEN]
        text = _joined(texts, language) or _(
            "There is no announcement of an area-wide gas fault at the moment."
        )
        return Answer(text, bool(texts), language, count=len(texts))
