"""Outage notices: customers whose gas or heat an isolation cuts off, or whose heat or power an
outage's calls show off, are told, and told again when it is back; planned works
(alerts.planned_works) are published ahead to the customers in their area.

Notices are queued in the transaction of the change (the outbox sends them). One notice per
recipient (a phone or an e-mail address: a family's shared number hears once) and change:
the idempotency key names the interruption, the trace that changed it, and the recipient, so
a replayed event tells nobody twice, while a newer trace tells only those it newly cuts off
(and those it no longer cuts off that their gas is back).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alerts.models import Channel, PlannedWork, SupplyInterruption
from alerts.services.notifications import notification_queue
from dispatch.choices import Language
from dispatch.errors import ConflictError, DispatchError, NotFoundError
from dispatch.models import Customer, Incident, IncidentEvent, IncidentIsolation, User
from dispatch.services.listeners import event_listen
from dispatch.services.timeline import event_record
from gis.heat.grouping import premise_ids_without_heat_for_cause
from gis.models import PipeSegment, Premise, Utility
from gis.power.calls import device_customers

REASON_REPAIR = gettext_lazy("emergency repairs")  # an incident's interruption, in its notices
ADDRESSES_IN_ONE_NOTICE = 3  # a landlord with forty flats gets a short message, not a list


def _in_each_language(text: Promise) -> dict[str, str]:
    """A translated text in each language a customer is told in."""
    found = {}
    for language in Language.values:
        with translation.override("zh-hans" if language == Language.ZH else "en"):
            found[language] = str(text)
    return found


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


# ---- who to tell ------------------------------------------------------------------------


@dataclass
class Reach:
    """One recipient and the addresses they are told about, in their language."""

    channel: str
    recipient: str
    language: str
    addresses: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        shown = "; ".join(self.addresses[:ADDRESSES_IN_ONE_NOTICE])
        return shown + (" …" if len(self.addresses) > ADDRESSES_IN_ONE_NOTICE else "")


def customers_reached(premise_ids: Iterable[int] | QuerySet[Premise, int]) -> list[Reach]:
    """Every phone and e-mail address of the customers supplied at these premises."""
    links = list(
        Customer.premises.through.objects.filter(premise_id__in=premise_ids)
        .order_by("customer_id", "premise_id")
        .values_list("customer_id", "premise_id")
    )
    customers = Customer.objects.only("phones", "email", "language").in_bulk({c for c, _p in links})
    premises = Premise.objects.only("full_text", "full_text_en").in_bulk({p for _c, p in links})
    found: dict[tuple[str, str], Reach] = {}
    for customer_id, premise_id in links:
        customer, premise = customers[customer_id], premises[premise_id]
        english = customer.language == Language.EN and premise.full_text_en
        text = premise.full_text_en if english else premise.full_text
        ways = [(Channel.SMS, phone) for phone in customer.phones if phone]
        if customer.email:
            ways.append((Channel.EMAIL, customer.email))
        for channel, recipient in ways:
            reach = found.setdefault(
                (channel, recipient), Reach(channel, recipient, customer.language)
            )
            if text not in reach.addresses:
                reach.addresses.append(text)
    return list(found.values())


def _tell(
    reaches: list[Reach],
    *,
    template: str,
    key: str,
    context: dict[str, dict[str, Any]],
    incident: Incident | None = None,
) -> int:
    """Queue the template to each recipient (context per language); returns how many were
    queued (those told under this key before are not)."""
    queued = 0
    for reach in reaches:
        language = reach.language if reach.language in context else Language.ZH
        notification = notification_queue(
            channel=reach.channel,
            recipient=reach.recipient,
            template=template,
            language=language,
            context={**context[language], "address": reach.address},
            idempotency_key=f"{key}:{reach.channel}:{reach.recipient}",
            incident=incident,
        )
        queued += notification is not None
    return queued


# ---- interruptions from an isolation trace ------------------------------------------------


def _interruption_context(interruption: SupplyInterruption) -> dict[str, dict[str, Any]]:
    incident = interruption.incident
    if incident is not None:
        reference = incident.reference
        reason = _in_each_language(REASON_REPAIR)
    else:
        work = interruption.planned_work
        reference = work.reference if work else ""
        reason = _planned_reason(work) if work else _in_each_language(REASON_REPAIR)
    return {lang: {"reference": reference, "reason": reason[lang]} for lang in Language.values}


def outage_template(utility: str, name: str) -> str:
    """The template of an outage notice for a utility: gas's are supply.interrupted,
    supply.restored and planned.notice; heat's and power's carry their utility first
    (heat_supply.interrupted, power_planned.notice), worded for a cold home or a dark one."""
    return name if utility == Utility.GAS else f"{utility}_{name}"


def supply_interruption_set(
    *,
    incident: Incident,
    premise_ids: Iterable[int],
    utility: str,
    basis: str,
    actor: User | None,
    at: datetime,
    isolation: IncidentIsolation | None = None,
) -> SupplyInterruption | None:
    """The incident's premises without supply are now these: the interruption in force takes
    them; only the newly cut off are told, and those no longer cut off are told their supply
    is back. `basis` names what found them (a trace, the calls' cause): it keys the notices,
    so a replayed event tells nobody twice. Call inside the change's transaction."""
    cut_off = sorted(set(premise_ids))
    current = (
        SupplyInterruption.objects.select_for_update()
        .filter(incident=incident, planned_work__isnull=True, restored_at__isnull=True)
        .order_by("-started_at", "-id")
        .first()
    )
    before = set(current.premise_ids) if current else set()
    if current is not None and (
        current.isolation_id == isolation.pk if isolation is not None else before == set(cut_off)
    ):
        return current  # the same trace again, or the same premises
    added = [p for p in cut_off if p not in before]
    back_on = sorted(before - set(cut_off))
    replaced = current.isolation_id if current else None
    if current is None:
        if not cut_off:
            return None
        current = SupplyInterruption.objects.create(
            incident=incident,
            isolation=isolation,
            premise_ids=cut_off,
            utility=utility,
            started_at=at,
        )
    else:
        current.isolation = isolation or current.isolation
        current.premise_ids = cut_off
        current.restored_at = None if cut_off else at  # nothing left cut off: it is over
        current.save(update_fields=["isolation", "premise_ids", "restored_at"])
    context = _interruption_context(current)
    key = f"outage:{current.pk}:{basis}"
    told_off = _tell(
        customers_reached(added),
        template=outage_template(current.utility, "supply.interrupted"),
        key=f"{key}:off",
        context=context,
        incident=incident,
    )
    told_on = _tell(
        customers_reached(back_on),
        template=outage_template(current.utility, "supply.restored"),
        key=f"{key}:on",
        context=context,
        incident=incident,
    )
    event_record(
        kind="supply.restored" if current.restored_at else "supply.interrupted",
        incident=incident,
        actor=actor,
        at=at,
        data={
            "interruption": current.pk,
            "utility": current.utility,
            "isolation": isolation.pk if isolation is not None else None,
            "replaces": replaced,
            "premises": len(cut_off),
            "newly_cut_off": len(added),
            "no_longer_cut_off": len(back_on),
            "notices": told_off + told_on,
        },
    )
    return current


def _isolation_premises(isolation: IncidentIsolation) -> list[int]:
    """Who the trace left without supply, as stored with it (traces kept before the list
    was: read back from the isolated mains, as gis.selectors.premise_ids_cut_off counted)."""
    if isolation.premise_ids or not isolation.premises_cut_off:
        return list(isolation.premise_ids)
    return list(
        Premise.objects.filter(service_segment_id__in=isolation.isolated_segments)
        .order_by("id")
        .values_list("id", flat=True)
    )


def supply_interruption_trace(
    *, isolation: IncidentIsolation, actor: User | None, at: datetime
) -> SupplyInterruption | None:
    """The isolation's premises are cut off (the newer trace's premises replace the older's).
    Call inside the trace's transaction (the incident is locked)."""
    utility = (
        PipeSegment.objects.filter(pk=isolation.segment_id)
        .values_list("utility", flat=True)
        .first()
    )
    return supply_interruption_set(
        incident=isolation.incident,
        premise_ids=_isolation_premises(isolation),
        utility=utility or Utility.GAS,
        basis=str(isolation.pk),
        actor=actor,
        at=at,
        isolation=isolation,
    )


@event_listen("incident.isolation_traced")
def outage_on_trace(event: IncidentEvent) -> None:
    isolation = IncidentIsolation.objects.select_related("incident").get(pk=event.data["isolation"])
    supply_interruption_trace(isolation=isolation, actor=event.actor, at=event.at)


def _premises_out(data: dict[str, Any]) -> tuple[str, list[int]] | None:
    """The utility and the premises an outage's cause leaves without supply, from the
    `incident.supply_cause` event (the incident's row is saved after it)."""
    if data.get("suspected_device_id"):
        return Utility.POWER, device_customers(device_id=data["suspected_device_id"])
    cause = data.get("heat_cause")
    cause_id = data.get("suspected_station_id") or data.get("suspected_segment_id")
    if cause and cause_id:
        return Utility.HEAT, premise_ids_without_heat_for_cause(cause, cause_id)
    return None  # gas: its customers are told from the isolation trace


@event_listen("incident.supply_cause")
def outage_on_cause(event: IncidentEvent) -> None:
    """Heat and power: once OUTAGE_CONFIRM_CALLS calls agree on a substation, main or device,
    everyone it leaves without supply is told that it is known and being repaired (a single
    call may be one home's own fault); a cause further up tells the newly reached."""
    if event.incident is None or event.data.get("calls", 0) < settings.OUTAGE_CONFIRM_CALLS:
        return
    found = _premises_out(event.data)
    if found is None:
        return
    utility, premise_ids = found
    supply_interruption_set(
        incident=event.incident,
        premise_ids=premise_ids,
        utility=utility,
        basis=f"cause{event.pk}",
        actor=event.actor,
        at=event.at,
    )


@transaction.atomic
def supply_restore(
    *, interruption_id: int, actor: User | None, at: datetime | None = None
) -> SupplyInterruption:
    """Supply is back: every recipient still cut off hears so, once; the interruption ends."""
    at = at or timezone.now()
    interruption = (
        SupplyInterruption.objects.select_for_update(of=("self",))
        .select_related("incident", "planned_work")
        .filter(pk=interruption_id)
        .first()
    )
    if interruption is None:
        raise NotFoundError(_("no supply interruption %s") % interruption_id)
    if interruption.restored_at is not None:
        raise ConflictError(
            _("supply interruption %(id)s was restored at %(at)s")
            % {"id": interruption_id, "at": _when(interruption.restored_at)}
        )
    if at < interruption.started_at:
        raise DispatchError(_("supply cannot be back before it was cut off"), field="at")
    interruption.restored_at = at
    interruption.save(update_fields=["restored_at"])
    told = _tell(
        customers_reached(interruption.premise_ids),
        template=outage_template(interruption.utility, "supply.restored"),
        key=f"outage:{interruption.pk}:on",
        context=_interruption_context(interruption),
        incident=interruption.incident,
    )
    event_record(
        kind="supply.restored",
        incident=interruption.incident,
        actor=actor,
        at=at,
        data={
            "interruption": interruption.pk,
            "premises": len(interruption.premise_ids),
            "notices": told,
        },
    )
    return interruption


@event_listen("work_order.completed")
def outage_on_completed(event: IncidentEvent) -> None:
    """The repair is done: the incident's gas is back."""
    if event.incident_id is None:
        return
    open_ids = SupplyInterruption.objects.filter(
        incident_id=event.incident_id, restored_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(open_ids):
        supply_restore(interruption_id=pk, actor=event.actor, at=event.at)


def _planned_reason(work: PlannedWork) -> dict[str, str]:
    return {Language.ZH: work.reason_zh or work.reason, Language.EN: work.reason}


# ---- the public lookup ------------------------------------------------------------------


@dataclass(frozen=True)
class OutageFound:
    kind: Literal["interruption", "planned"]
    reference: str
    reason: str
    starts_at: datetime
    ends_at: datetime | None
    utility: str = Utility.GAS


def outages_at_premise(*, premise: Premise, now: datetime, language: str) -> list[OutageFound]:
    """Interruptions in force and published planned works not yet over at a premise."""
    found = []
    interruptions = (
        SupplyInterruption.objects.filter(
            restored_at__isnull=True, premise_ids__contains=[premise.pk]
        )
        .select_related("incident", "planned_work")
        .order_by("started_at")
    )
    for interruption in interruptions:
        context = _interruption_context(interruption)[language]
        found.append(
            OutageFound(
                "interruption",
                context["reference"],
                context["reason"],
                interruption.started_at,
                None,
                interruption.utility,
            )
        )
    works = PlannedWork.objects.filter(
        published_at__isnull=False,
        cancelled_at__isnull=True,
        ends_at__gt=now,
        area__intersects=premise.geom,
    ).order_by("starts_at")
    for work in works:
        reason = _planned_reason(work)[language]
        found.append(
            OutageFound(
                "planned", work.reference, reason, work.starts_at, work.ends_at, work.utility
            )
        )
    return found
