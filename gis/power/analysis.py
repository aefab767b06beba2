"""Trouble-call analysis: which device is open, predicted from the customers' outage calls.

What an outage management system (Oracle NMS, say) does with "my power is off" calls:

1. Each call is placed on the network. A call from a known premise reports the distribution
   transformer the premise is supplied from (Premise.transformer). A call from a place only
   (or from a premise without a transformer) reports the transformer nearest it within
   TRANSFORMER_REACH_M; else the line end nearest it, on a line within LINE_REACH_M; else it
   cannot be placed. A call on a transformer off the network, or on a part of the network no
   substation feeds, cannot be placed either: each is listed with its reason.
2. Every transformer with a call is out; a call placed on a line end counts as one outage
   at that node.
3. Going up from the transformers toward the substation, a protective device (breaker,
   recloser, fuse) is predicted open when at least `rollup_min` (2 unless told) of the outages
   directly beneath it are out, an outage being a transformer, a line-end call or a
   protective device predicted open; "directly beneath": the device is the nearest protective
   device upstream of it. Devices are taken from the bottom up, so a prediction counts for the
   device above it in turn. Switches are not protective: a fault does not open them.
4. The answer is the top of each predicted chain: a predicted device not under another
   predicted device, with every call beneath it, the transformers reporting and every
   transformer it covers (whose premises are the customers out); and each transformer (or
   line end) out that no predicted device covers, as its own outage.

The analysis is a pure function of the network (gis.power.graph) and the placed calls:
the same calls give the same answer, in the same order (predictions by device kind from the
breaker down, then by id). `trouble_calls_analyse` reads the database around it.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from gis.power.graph import TRANSFORMER, PowerNetwork

ROLLUP_MIN = 2
_KIND_ORDER = {"breaker": 0, "recloser": 1, "fuse": 2, "switch": 3, "transformer": 4, "line": 5}
LINE = "line"  # the kind of an outage at a line end, with no device


@dataclass(frozen=True)
class PlacedCall:
    """A call placed on the network: the transformer it reports, or a line end's node."""

    call_id: int
    node: int
    transformer: int | None = None


@dataclass(frozen=True)
class UnplacedCall:
    call_id: int
    reason: str


@dataclass
class PredictedOutage:
    """One predicted open device (or a transformer, or a line end) and what it explains."""

    kind: str  # device kind, or LINE
    device: int | None  # None for a line end
    node: int
    calls: list[int]
    transformers_reporting: list[int]
    transformers_out: list[int]  # every transformer it covers
    premises_out: list[int] = field(default_factory=list)  # filled from the database


@dataclass
class TroubleAnalysis:
    predictions: list[PredictedOutage]
    unplaced: list[UnplacedCall]
    rollup_min: int = ROLLUP_MIN

    @property
    def premises_out(self) -> list[int]:
        return sorted({p for outage in self.predictions for p in outage.premises_out})


# An outage the rule counts: ("transformer", id), ("line", node) or ("device", id).
_Item = tuple[str, int]


def trouble_analysis(
    network: PowerNetwork, calls: list[PlacedCall], *, rollup_min: int = ROLLUP_MIN
) -> TroubleAnalysis:
    """Predict the open devices from placed calls (the rule is in the module docstring)."""
    if rollup_min < 1:
        raise ValueError("rollup_min must be at least 1")
    unplaced: list[UnplacedCall] = []
    calls_at: dict[_Item, list[int]] = defaultdict(list)
    for call in calls:
        if not network.fed(call.node):
            unplaced.append(
                UnplacedCall(call.call_id, _("on a part of the network no substation feeds"))
            )
            continue
        item = (
            ("transformer", call.transformer) if call.transformer is not None else (LINE, call.node)
        )
        calls_at[item].append(call.call_id)  # type: ignore[index]

    def guard_of(item: _Item) -> int | None:
        kind, key = item
        if kind == "device":
            return network.guard_above.get(key)
        node = network.device_node(key) if kind == "transformer" else key
        guard = int(network.guard[node]) if node is not None else -1
        return guard if guard >= 0 else None

    beneath: dict[int, set[_Item]] = defaultdict(set)
    for item in calls_at:
        guard = guard_of(item)
        if guard is not None:
            beneath[guard].add(item)
    predicted: set[int] = set()
    # Bottom up: deeper nodes first, and at one node the lower device of a chain first.
    position = {int(n): i for i, n in enumerate(network.order.tolist())}

    # (A chain at one node is ordered by kind, then id: gis.power.graph.)
    def bottom_up(device: int) -> tuple[int, int, int]:
        node = network.device_node(device)
        assert node is not None  # guard_above holds the devices of the supply tree only
        return (-position[node], -_KIND_ORDER[network.device_kind[device]], -device)

    for device in sorted(network.guard_above, key=bottom_up):
        if len(beneath.get(device, ())) >= rollup_min:
            predicted.add(device)
            above = network.guard_above.get(device)
            if above is not None:
                beneath[above].add(("device", device))

    tops: dict[_Item, list[int]] = defaultdict(list)  # top outage -> calls it explains
    reporting: dict[_Item, set[int]] = defaultdict(set)
    for item, call_ids in calls_at.items():
        top: _Item = item
        guard = guard_of(item)
        while guard is not None:
            if guard in predicted:
                top = ("device", guard)
            guard = network.guard_above.get(guard)
        tops[top].extend(call_ids)
        if item[0] == "transformer":
            reporting[top].add(item[1])

    predictions = [
        _prediction(network, top, sorted(call_ids), sorted(reporting[top]))
        for top, call_ids in tops.items()
    ]
    predictions.sort(key=lambda p: (_KIND_ORDER[p.kind], p.device or -1, p.node))
    unplaced.sort(key=lambda u: u.call_id)
    return TroubleAnalysis(predictions, unplaced, rollup_min)


def _prediction(
    network: PowerNetwork, top: _Item, calls: list[int], reporting: list[int]
) -> PredictedOutage:
    kind, key = top
    if kind == LINE:
        at_node = [
            d for d in network.node_devices.get(key, []) if network.device_kind[d] == TRANSFORMER
        ]
        return PredictedOutage(LINE, None, key, calls, reporting, at_node)
    node = network.device_node(key)
    assert node is not None  # placed and predicted devices are on the network
    return PredictedOutage(
        network.device_kind[key], key, node, calls, reporting, network.transformers_beneath(key)
    )
