"""What the call-taker and dispatcher API answers, declared for the OpenAPI document.

Response only: the views gather their answers from services and selectors (dispatch.api.console)
and answer through these serializers (config.openapi.answer), which say field by field what a
client gets: the document and the answer cannot part, and schemathesis holds both to it.
Categories and hazards are plain strings, not enums: case types and their hazard questions are
data an administrator adds to without a deploy.
"""

from rest_framework import serializers

from config.openapi import InstantField
from dispatch.choices import Priority
from dispatch.models import Call, Incident, WorkOrder
from dispatch.models.rules import Milestone

# Free-form on purpose (tests/test_api_schema.py, FREE_FORM): a dispatcher's made-safe or
# completed transition merges its own `details` in too.
FINDINGS_HELP = (
    "what the crew reported, merged by device time: from the tablet leak_grade (1-3), cause,"
    " actions_taken, valves_operated [{asset_id, action, operable}], materials [{item,"
    " quantity, unit}] and notes; plus any details a made-safe or completed transition carried"
)


class PointOut(serializers.Serializer):
    lon = serializers.FloatField()
    lat = serializers.FloatField()


class DeadlineOut(serializers.Serializer):
    milestone = serializers.ChoiceField(choices=Milestone.choices)
    due_at = InstantField()
    met_at = InstantField(allow_null=True)
    breached_at = InstantField(allow_null=True)
    not_applicable_at = InstantField(
        allow_null=True, help_text="the incident ended (cancelled, merged...): the clock stopped"
    )


class IncidentOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="e.g. GX-20261122-0042")
    category = serializers.CharField()
    category_label = serializers.CharField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    status = serializers.ChoiceField(choices=Incident.Status.choices)
    point = PointOut()
    address = serializers.CharField(allow_blank=True)
    station = serializers.CharField(help_text="the code of the station whose territory holds it")
    segment_id = serializers.IntegerField(allow_null=True, help_text="the main it was snapped to")
    segment_asset_id = serializers.CharField(allow_null=True)
    segment_distance_m = serializers.FloatField(allow_null=True)
    suspected_cause_id = serializers.IntegerField(
        allow_null=True, help_text="gas: the upstream main; heat: the primary main suspected"
    )
    suspected_station_id = serializers.IntegerField(
        allow_null=True, help_text="heat: the substation or plant a no-heat outage points to"
    )
    suspected_device_id = serializers.IntegerField(
        allow_null=True, help_text="power: the device the outage calls point to"
    )
    area_class = serializers.CharField(help_text="urban, rural or remote: its clocks")
    hazards = serializers.ListField(child=serializers.CharField())
    report_count = serializers.IntegerField(help_text="every call about it")
    created_at = InstantField()
    deadlines = DeadlineOut(many=True)


class WorkOrderOut(serializers.Serializer):
    id = serializers.IntegerField()
    incident = serializers.IntegerField()
    crew = serializers.IntegerField()
    crew_name = serializers.CharField()
    status = serializers.ChoiceField(choices=WorkOrder.Status.choices)
    eta = InstantField(allow_null=True)
    distance_m = serializers.FloatField(allow_null=True)
    findings = serializers.DictField(help_text=FINDINGS_HELP)


class IncidentCallOut(serializers.Serializer):
    id = serializers.IntegerField()
    received_at = InstantField()
    category = serializers.CharField()
    caller_phone = serializers.CharField(
        allow_blank=True, help_text="blank for roles that do not call customers back"
    )
    address = serializers.CharField(allow_blank=True)
    point = PointOut(allow_null=True)
    description = serializers.CharField(
        allow_blank=True, help_text="what the caller said, as the call taker wrote it down"
    )


class NoteOut(serializers.Serializer):
    id = serializers.IntegerField(help_text="the timeline event that holds it")
    at = InstantField()
    actor = serializers.CharField(allow_blank=True, help_text="who wrote it")
    text = serializers.CharField()


class IncidentDetailOut(IncidentOut):
    work_orders = WorkOrderOut(many=True)
    calls = IncidentCallOut(many=True, help_text="in the order they came")
    notes = NoteOut(many=True, help_text="staff notes, oldest first")


class PremiseOut(serializers.Serializer):
    id = serializers.IntegerField()
    address = serializers.CharField()
    address_en = serializers.CharField(allow_blank=True)
    point = PointOut()


class CustomerOut(serializers.Serializer):
    account_no = serializers.CharField()
    name = serializers.CharField()
    phones = serializers.ListField(child=serializers.CharField())
    vulnerable = serializers.BooleanField()
    premises = PremiseOut(many=True)


class IncidentBriefOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=Incident.Status.choices)
    category = serializers.CharField()


class RecentCallOut(serializers.Serializer):
    id = serializers.IntegerField()
    received_at = InstantField()
    category = serializers.CharField()
    outcome = serializers.ChoiceField(choices=Call.Outcome.choices)


class ScreenPopOut(serializers.Serializer):
    phone = serializers.CharField(allow_blank=True, help_text="the number as searched")
    customers = CustomerOut(many=True)
    open_incidents = IncidentBriefOut(many=True)
    recent_calls = RecentCallOut(many=True)


class CallStoredOut(serializers.Serializer):
    id = serializers.IntegerField()
    received_at = InstantField()
    point = PointOut(allow_null=True)
    customer = serializers.CharField(allow_null=True, help_text="the account number, if known")


class AdviceOut(serializers.Serializer):
    en = serializers.CharField(allow_blank=True)
    zh = serializers.CharField(allow_blank=True)


class TriageOut(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
    reasons = serializers.ListField(child=serializers.CharField())
    hazards = serializers.ListField(child=serializers.CharField())
    advice = AdviceOut(help_text="safety advice to read out to the caller")
    needs_incident = serializers.BooleanField()


class DuplicateOut(serializers.Serializer):
    incident = serializers.IntegerField()
    reference = serializers.CharField()
    category = serializers.CharField()
    distance_m = serializers.FloatField()
    minutes_ago = serializers.FloatField()
    reports = serializers.IntegerField()
    reason = serializers.CharField()


class CallCreatedOut(serializers.Serializer):
    call = CallStoredOut()
    triage = TriageOut()
    duplicates = DuplicateOut(many=True, help_text="open incidents it may belong to, nearest first")


class CallClosedOut(serializers.Serializer):
    id = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=Call.Outcome.choices)


class LackOut(serializers.Serializer):
    """One thing that keeps a crew from being the ideal one; which keys come with it depends on
    `kind`: skill (`skill`), busy (`work_order_id`, `until`), off_shift (`from`)."""

    kind = serializers.ChoiceField(
        choices=[
            ("skill", "lacks a skill the case type asks for"),
            ("busy", "busy on another job, or on a break"),
            ("off_shift", "off shift"),
        ]
    )
    skill = serializers.CharField(required=False, help_text="kind skill: the skill's code")
    work_order_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="kind busy: the job it is on (null: on a break, or no job on record)",
    )
    until = InstantField(
        required=False,
        allow_null=True,
        help_text="kind busy: about when it is free again, an estimate (null: not known)",
    )
    text = serializers.CharField(help_text="in words: 'lacks PE welding', 'off shift until 07:00'")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # `from` is a Python keyword: it cannot be declared as a class attribute.
        fields["from"] = InstantField(
            required=False,
            allow_null=True,
            help_text="kind off_shift: when its next shift starts (null: not known)",
        )
        return fields


class RecommendationOut(serializers.Serializer):
    rank = serializers.IntegerField()
    crew_id = serializers.IntegerField()
    crew_name = serializers.CharField()
    station_code = serializers.CharField()
    eta_seconds = serializers.FloatField()
    distance_m = serializers.FloatField()
    method = serializers.CharField(help_text="how the ETA was found: by road or straight line")
    preempts_work_order_id = serializers.IntegerField(
        allow_null=True, help_text="the lower-priority job the crew would leave"
    )
    reason = serializers.CharField(help_text="why it ranks there, and what it lacks, in words")
    ideal = serializers.BooleanField(
        help_text="on shift, free (or preemptable for a P1) and every skill the case type asks "
        "for; ideal crews come first, and only one of them is ever sent automatically"
    )
    lacks = LackOut(
        many=True,
        help_text="what keeps it from being ideal (empty when ideal); such crews follow the "
        "ideal ones when these are fewer than asked for: free crews lacking skills (fewest "
        "missing first), then busy crews, then off-shift ones. Their ETA is the drive from "
        "where the van is now, after `until` or `from`",
    )
    can_make_safe = serializers.BooleanField(
        help_text="has the make-safe skill: a first responder while a specialist follows"
    )


class TimelineEventOut(serializers.Serializer):
    id = serializers.IntegerField()
    at = InstantField()
    kind = serializers.CharField(help_text="e.g. call.received, work_order.on_site")
    actor = serializers.CharField(allow_blank=True)
    device_time = InstantField(allow_null=True, help_text="on the tablet's clock")
    # DRF's metaclass takes declared fields off the class, so this `data` does not hide
    # Serializer.data at run time; only the type checker sees the clash.
    data = serializers.DictField(  # type: ignore[assignment]
        help_text="what the event records; its keys depend on the kind"
    )
    point = PointOut(allow_null=True)
    call = serializers.IntegerField(allow_null=True)
    work_order = serializers.IntegerField(allow_null=True)


class EndedDeadlineOut(DeadlineOut):
    not_applicable_at = InstantField(
        allow_null=True, help_text="stopped when the incident ended: neither met nor breached"
    )


class IncidentEndedOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=Incident.Status.choices)
    end_reason = serializers.ChoiceField(choices=Incident.EndReason.choices)
    end_note = serializers.CharField(allow_blank=True)
    ended_at = InstantField()
    merged_into = serializers.IntegerField(allow_null=True)
    merged_into_reference = serializers.CharField(allow_null=True)
    referred_to = serializers.CharField(allow_blank=True)
    report_count = serializers.IntegerField()
    deadlines = EndedDeadlineOut(many=True)
