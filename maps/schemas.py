"""What the dispatch queue's JSON API answers (maps.api_queue), declared for the OpenAPI
document: the views answer through these serializers (config.openapi.answer), so the document
and the answer cannot part."""

from rest_framework import serializers

from config.openapi import InstantField
from dispatch.api.schemas import DeadlineOut, PointOut
from dispatch.choices import Priority
from dispatch.models import Incident, WorkOrder
from maps.queue import Sla

SLA_CHOICES = [
    (Sla.NONE, "no clock running"),
    (Sla.ON_TIME, "on time"),
    (Sla.AT_RISK, "in the last quarter of its time"),
    (Sla.BREACHED, "past its deadline"),
]


class QueueCallOut(serializers.Serializer):
    id = serializers.IntegerField()
    received_at = InstantField()
    description = serializers.CharField(allow_blank=True, help_text="the caller's words")
    caller_name = serializers.CharField(allow_blank=True, help_text='"(hidden)" without rights')
    caller_phone = serializers.CharField(allow_blank=True, help_text='"(hidden)" without rights')


class QueueWorkOrderOut(serializers.Serializer):
    id = serializers.IntegerField()
    crew_id = serializers.IntegerField()
    crew_name = serializers.CharField()
    status = serializers.ChoiceField(choices=WorkOrder.Status.choices)
    created_at = InstantField()
    eta = InstantField(allow_null=True)


class QueueItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    category = serializers.CharField()
    category_name = serializers.CharField()
    status = serializers.ChoiceField(choices=Incident.Status.choices)
    created_at = InstantField()
    waiting_seconds = serializers.IntegerField(help_text="since the incident was opened")
    waiting_for_crew = serializers.BooleanField(help_text="open, and no crew on it")
    sla = serializers.ChoiceField(choices=SLA_CHOICES, help_text="the earliest running clock")
    next_deadline = DeadlineOut(allow_null=True)
    deadlines = DeadlineOut(many=True)
    address = serializers.CharField(allow_blank=True)
    station = serializers.CharField(help_text="the station's code")
    station_name = serializers.CharField()
    point = PointOut()
    report_count = serializers.IntegerField()
    hazards = serializers.ListField(child=serializers.CharField())
    callers = QueueCallOut(many=True, help_text="the first calls, oldest first")
    work_orders = QueueWorkOrderOut(many=True, help_text="the live ones, oldest first")
    alarm = serializers.BooleanField(help_text="waited longer for a crew than its queue alarm")
    alarm_at = InstantField(
        allow_null=True, help_text="when it sets off the queue alarm if still without a crew"
    )
    alarm_sound = serializers.BooleanField()


class QueueCountsOut(serializers.Serializer):
    open = serializers.IntegerField()
    waiting = serializers.IntegerField(help_text="without a crew")
    at_risk = serializers.IntegerField()
    breached = serializers.IntegerField()
    alarms = serializers.IntegerField()


class QueueAlarmOut(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
    after_seconds = serializers.IntegerField()
    sound = serializers.BooleanField()


class DispatchQueueOut(serializers.Serializer):
    server_time = InstantField(help_text="clocks on screen run on it")
    station = serializers.IntegerField(allow_null=True, help_text="the unit chosen, if one")
    may_dispatch = serializers.BooleanField(help_text="this user may act on the queue")
    more = serializers.BooleanField(help_text="more incidents than the queue shows")
    counts = QueueCountsOut()
    alarm_rules = QueueAlarmOut(many=True)
    items = QueueItemOut(many=True, help_text="priority first, then the one waiting longest")


class QueueEventOut(serializers.Serializer):
    id = serializers.IntegerField()
    at = InstantField()
    kind = serializers.CharField()
    title = serializers.CharField(help_text="the kind, in words")
    text = serializers.CharField(allow_blank=True, help_text="what it says, in words")
    actor = serializers.CharField(allow_blank=True)


class QueueIncidentOut(QueueItemOut):
    may_dispatch = serializers.BooleanField()
    end_reason = serializers.CharField(allow_blank=True)
    end_note = serializers.CharField(allow_blank=True)
    merged_into_reference = serializers.CharField(allow_null=True)
    referred_to = serializers.CharField(allow_blank=True)
    timeline = QueueEventOut(many=True, help_text="the newest lines, newest first")
