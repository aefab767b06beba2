"""The desk's reads of customers: who a user may see, the customer's whole story for the
screen pop, the search by name, account or address, and the arrears work list."""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case as SqlCase
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from desk.billing.models import AccountBalance, MonthlyUsage
from desk.models import Case
from dispatch.models import Call, Customer, Incident, User
from gis.address import search_key
from gis.geocoding.selectors import premise_list_similar
from gis.models import OrgUnit, Premise
from gis.selectors import org_unit_list_within

STORY_ROWS = 20  # cases and calls listed, newest first
USAGE_MONTHS = 12
PREMISES_MAX = 20  # a landlord's forty flats: the story of the first twenty
SEARCH_RESULTS = 10
SEARCH_MAX = 100  # characters: an address is under 100, a pasted paragraph is no query
ARREARS_LIST = 200
ACCOUNT_LIKE = re.compile(r"[A-Z0-9][A-Z0-9\-_/.]*")


# ---- who may see what ---------------------------------------------------------------------


def premise_list_visible(user: User) -> QuerySet[Premise]:
    """Premises inside the territory of the user's unit or a unit beneath it (a station's
    call taker sees the station's, the group centre everything its companies serve)."""
    units = org_unit_list_within(user.org_unit)
    covering = OrgUnit.objects.filter(pk__in=units, territory__intersects=OuterRef("geom"))
    return Premise.objects.filter(Exists(covering))


def customer_list_visible(user: User) -> QuerySet[Customer]:
    """Customers supplied at a premise the user sees. An account whose address matched no
    premise is seen by everyone who takes calls: the screen pop finds it by phone anyway."""
    visible = premise_list_visible(user).filter(customers=OuterRef("pk"))
    linked = Customer.premises.through.objects.filter(customer_id=OuterRef("pk"))
    return Customer.objects.filter(Exists(visible) | ~Exists(linked))


def case_list_visible(user: User) -> QuerySet[Case]:
    """Cases held by the user's units, or sent from them to the second tier."""
    units = org_unit_list_within(user.org_unit)
    return Case.objects.filter(Q(unit__in=units) | Q(return_to__in=units))


# ---- the building unit ------------------------------------------------------------------


def building_unit_premises(premise: Premise) -> QuerySet[Premise]:
    """The premises on the same staircase (同一单元): same road, number, building and unit.
    A premise without a building (a house, a shop) is its own unit."""
    if not premise.building:
        return Premise.objects.filter(pk=premise.pk)
    # The premise_address btree: road, number, building, unit.
    return Premise.objects.filter(
        road_name=premise.road_name,
        house_number=premise.house_number,
        building=premise.building,
        unit=premise.unit,
        district=premise.district,
    )


def building_unit_label(premise: Premise) -> str:
    parts = [premise.road_name, premise.house_number and f"{premise.house_number}号"]
    if premise.building:
        parts.append(f"{premise.building}号楼")
    if premise.unit:
        parts.append(f"{premise.unit}单元")
    return "".join(p for p in parts if p)


# ---- the story ------------------------------------------------------------------------------


@dataclass
class Story:
    customers: list[Customer]
    premises: list[Premise]  # the ones asked about: the premise, or the customers'
    neighbours: dict[int, list[int]]  # premise id -> ids of its building unit (itself too)
    cases: list[Case] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    confidential_calls: set[int] = field(default_factory=set)

    @property
    def premise_ids(self) -> set[int]:
        return {p.id for p in self.premises}

    @property
    def unit_ids(self) -> set[int]:
        return {i for ids in self.neighbours.values() for i in ids}


def _customers_with_billing(query: QuerySet[Customer]) -> list[Customer]:
    today = timezone.localdate()
    months = today.year * 12 + today.month - 1 - (USAGE_MONTHS - 1)
    since = date(months // 12, months % 12 + 1, 1)
    return list(
        query.select_related("balance").prefetch_related(
            Prefetch("premises", queryset=Premise.objects.order_by("asset_id")),
            Prefetch(
                "usage",
                queryset=MonthlyUsage.objects.filter(month__gte=since).order_by("-month"),
                to_attr="recent_usage",
            ),
        )
    )


def story_get(
    *, user: User, customer: Customer | None = None, premise: Premise | None = None
) -> Story:
    """The customer's (or the premise's) accounts, premises, billing, and the cases, calls and
    open field jobs at those premises and on the same staircase. The caller checked that the
    user may see the customer or the premise."""
    if premise is not None:
        premises = [premise]
        customers = _customers_with_billing(
            customer_list_visible(user).filter(premises=premise).order_by("account_no")[:10]
        )
    else:
        assert customer is not None
        customers = _customers_with_billing(Customer.objects.filter(pk=customer.pk))
        visible = set(
            premise_list_visible(user).filter(customers=customer).values_list("id", flat=True)
        )
        premises = [p for p in customers[0].premises.all() if p.id in visible][:PREMISES_MAX]
    neighbours = {
        p.id: list(building_unit_premises(p).values_list("id", flat=True)[:500]) for p in premises
    }
    story = Story(customers=customers, premises=premises, neighbours=neighbours)
    ids = story.unit_ids
    accounts = [c.id for c in customers]
    story.cases = list(
        case_list_visible(user)
        .filter(Q(premise_id__in=ids) | Q(customer_id__in=accounts))
        .select_related("unit", "premise", "call", "customer")
        .order_by("-created_at")[:STORY_ROWS]
    )
    units = org_unit_list_within(user.org_unit)
    story.calls = list(
        Call.objects.filter(Q(premise_id__in=ids) | Q(customer_id__in=accounts))
        .select_related("premise", "incident")
        .order_by("-received_at")[:STORY_ROWS]
    )
    # A confidential case's caller is not shown, on the case nor on the call that opened it.
    story.confidential_calls = set(
        Case.objects.filter(call__in=[c.id for c in story.calls], confidential=True).values_list(
            "call_id", flat=True
        )
    )
    story.incidents = list(
        Incident.objects.filter(
            status__in=Incident.OPEN_STATUSES, station__in=units, calls__premise_id__in=ids
        )
        .distinct()
        .order_by("priority", "created_at")[:STORY_ROWS]
    )
    return story


# ---- search ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    customer: Customer
    matched_by: str  # "account", "name" or "address"
    score: float


def customer_search(*, user: User, q: str) -> list[Found]:
    """Customers by account number (exact, then prefix), name (exact, prefix, then containing)
    or address (the premise's trigram index: a mistyped character still finds it); the best
    ten the user may see."""
    q = q.strip()
    visible = customer_list_visible(user)
    found: dict[int, Found] = {}

    def add(rows: QuerySet[Customer], how: str, score: float) -> None:
        for customer in rows[:SEARCH_RESULTS]:
            if customer.pk not in found:
                found[customer.pk] = Found(customer, how, score)

    account = q.replace(" ", "").upper()
    if ACCOUNT_LIKE.fullmatch(account) and any(ch.isdigit() for ch in account):
        # Latin letters, digits and dashes: an account number, not a name nor an address.
        add(visible.filter(account_no__in={q, account}), "account", 1.0)
        if not found:
            add(
                visible.filter(account_no__startswith=account).order_by("account_no"),
                "account",
                0.9,
            )
        return _loaded(found)
    add(visible.filter(name=q), "name", 1.0)
    if len(found) < SEARCH_RESULTS:
        add(visible.filter(name__startswith=q).order_by("name", "account_no"), "name", 0.85)
    if len(found) < SEARCH_RESULTS and len(q) >= 2:
        add(visible.filter(name__contains=q).order_by("name", "account_no"), "name", 0.7)
    key = search_key(q)
    # Words that are nobody's name may be an address (a name found is what was meant).
    if not found and len(key) >= 3:
        similar = premise_list_similar(key=key, limit=SEARCH_RESULTS * 2)
        scores = {row.id: score for row, score in similar}
        if scores:
            links = Customer.premises.through.objects.filter(premise_id__in=scores)
            by_customer: dict[int, float] = {}
            for customer_id, premise_id in links.values_list("customer_id", "premise_id"):
                by_customer[customer_id] = max(by_customer.get(customer_id, 0), scores[premise_id])
            for customer in visible.filter(pk__in=by_customer):
                if customer.pk not in found:
                    found[customer.pk] = Found(customer, "address", by_customer[customer.pk] * 0.8)
    return _loaded(found)


def _loaded(found: dict[int, Found]) -> list[Found]:
    """The best ten, with their premises and billing for the answer."""
    best = sorted(found.values(), key=lambda f: (-f.score, f.customer.account_no))
    best = best[:SEARCH_RESULTS]
    if not best:
        return []
    premises = Prefetch("premises", queryset=Premise.objects.order_by("asset_id"))
    loaded = Customer.objects.prefetch_related(premises).select_related("balance")
    rows = loaded.in_bulk([f.customer.pk for f in best])
    return [Found(rows[f.customer.pk], f.matched_by, round(f.score, 3)) for f in best]


# ---- arrears --------------------------------------------------------------------------------


def arrears_list(
    *, user: User, minimum: Decimal, days: int, today: date | None = None
) -> QuerySet[AccountBalance]:
    """Accounts the user sees owing at least `minimum` for at least `days` days, oldest debt
    first; those reminded during this debt come last."""
    today = today or timezone.localdate()
    return (
        AccountBalance.objects.filter(
            arrears__gt=0,
            arrears__gte=minimum,
            arrears_since__lte=today - timedelta(days=days),
            customer__in=customer_list_visible(user),
        )
        .select_related("customer")
        # Reminded since this debt began: to the end of the list (a reminder for an earlier
        # debt does not count).
        .annotate(
            reminded=SqlCase(
                When(reminded_at__date__gte=F("arrears_since"), then=Value(1)),
                default=Value(0),
            )
        )
        .order_by("reminded", "arrears_since", "customer__account_no")[:ARREARS_LIST]
    )
