"""What the tablet API answers, declared for the OpenAPI document (response only).

The views gather their answers in field_app_api.api and field_app_api.surroundings and answer
through these serializers (config.openapi.answer), which say field by field what a tablet gets:
the document and the answer cannot part, and schemathesis holds both to it.
"""

from rest_framework import serializers

from config.openapi import InstantField
from dispatch.api.schemas import FINDINGS_HELP, PointOut
from dispatch.choices import Priority
from dispatch.models import Crew, Incident, WorkOrder
from dispatch.models.crews import Duty
from gis.models import PipeSegment, PowerDevice, PressureClass, Utility, Valve
from gis.schemas import FeatureCollectionTypeOut, FeatureTypeOut, GeometryOut


class TokenOut(serializers.Serializer):
    token = serializers.CharField(help_text="send it as `Authorization: Token <token>`")


class CrewOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    station = serializers.CharField(help_text="the station's code")
    station_name = serializers.CharField(help_text="the station's name, as the crew reads it")
    status = serializers.ChoiceField(choices=Crew.Status.choices)
    duty = serializers.ChoiceField(choices=Duty.choices)
    skills = serializers.ListField(child=serializers.CharField())


class VehicleOut(serializers.Serializer):
    device_id = serializers.CharField()
    registration = serializers.CharField(allow_blank=True)


class MqttTopicsOut(serializers.Serializer):
    assignments = serializers.CharField(help_text="subscribe: jobs pushed to the crew")
    publish_positions_to = serializers.CharField(
        allow_null=True, help_text="publish OwnTracks positions here; none without a van"
    )


class FieldMeOut(serializers.Serializer):
    user = serializers.CharField()
    crew = CrewOut()
    vehicle = VehicleOut(allow_null=True)
    mqtt = MqttTopicsOut()
    arrival_cancel_window_s = serializers.IntegerField(
        help_text="how long after a detected arrival the crew may say they only drove past"
    )


class ArrivalPendingOut(serializers.Serializer):
    """The fix that raised an arrival the crew may still cancel (dispatch.arrival)."""

    detected_at = InstantField()
    vehicle_id = serializers.IntegerField(required=False)
    fix_at = InstantField(required=False)
    lon = serializers.FloatField(required=False)
    lat = serializers.FloatField(required=False)
    accuracy_m = serializers.FloatField(required=False, allow_null=True)
    distance_m = serializers.FloatField(required=False)
    radius_m = serializers.FloatField(required=False)


class TabletIncidentOut(serializers.Serializer):
    reference = serializers.CharField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    status = serializers.ChoiceField(choices=Incident.Status.choices)
    address = serializers.CharField(allow_blank=True)
    hazards = serializers.ListField(child=serializers.CharField())
    report_count = serializers.IntegerField()
    point = PointOut()


class ContactOut(serializers.Serializer):
    name = serializers.CharField(allow_blank=True)
    phone = serializers.CharField()


class TabletWorkOrderOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=WorkOrder.Status.choices)
    live = serializers.BooleanField(
        help_text="still to be done: not finished, rejected or cancelled"
    )
    created_at = InstantField()
    status_changed_at = InstantField()
    eta = InstantField(allow_null=True)
    distance_m = serializers.FloatField(allow_null=True)
    arrived_at = InstantField(allow_null=True, help_text="on site (device time)")
    arrival_pending = ArrivalPendingOut(allow_null=True)
    findings = serializers.DictField(help_text=FINDINGS_HELP)
    incident = TabletIncidentOut()
    contacts = ContactOut(
        many=True, help_text="who called about a live job, to ring from the door; none after"
    )
    navigate_url = serializers.URLField(allow_null=True)


class TabletWorkOrderListOut(serializers.Serializer):
    results = TabletWorkOrderOut(many=True, help_text="live jobs first, then the last finished")


class NetworkPropertiesOut(serializers.Serializer):
    """A main's, a valve's, a power line's or a power device's properties: `kind` says which,
    and so which fields it has. The job's own utility's network only."""

    kind = serializers.ChoiceField(choices=["main", "valve", "power_line", "power_device"])
    asset_id = serializers.CharField()
    utility = serializers.ChoiceField(choices=Utility.choices, required=False)
    circuit = serializers.CharField(
        required=False, allow_blank=True, help_text="heat: supply/return"
    )
    material = serializers.ChoiceField(choices=PipeSegment.Material.choices, required=False)
    diameter_mm = serializers.IntegerField(required=False, allow_null=True)
    pressure_class = serializers.ChoiceField(choices=PressureClass.choices, required=False)
    status = serializers.ChoiceField(choices=PipeSegment.Status.choices, required=False)
    valve_type = serializers.ChoiceField(choices=Valve.Type.choices, required=False)
    operable = serializers.BooleanField(required=False)
    normally_open = serializers.BooleanField(required=False)
    feeder = serializers.CharField(required=False, allow_blank=True)
    voltage_kv = serializers.FloatField(required=False, allow_null=True)
    construction = serializers.CharField(required=False, allow_blank=True)
    device_kind = serializers.ChoiceField(choices=PowerDevice.Kind.choices, required=False)
    name = serializers.CharField(required=False, allow_blank=True)


class NetworkFeatureOut(serializers.Serializer):
    type = FeatureTypeOut()
    geometry = GeometryOut()
    properties = NetworkPropertiesOut()


class NetworkAroundOut(serializers.Serializer):
    type = FeatureCollectionTypeOut()
    features = NetworkFeatureOut(many=True)


class IsolationPropertiesOut(serializers.Serializer):
    """One part of the isolation trace: `role` says which, and so which fields it has."""

    role = serializers.ChoiceField(
        choices=[
            "valve_to_close",
            "source_to_shut",
            "isolated_mains",
            "premises_cut_off",
            "affected_area",
        ]
    )
    order = serializers.IntegerField(required=False, help_text="valves: close in this order")
    valve_id = serializers.IntegerField(required=False)
    source_id = serializers.IntegerField(required=False)
    asset_id = serializers.CharField(required=False)
    name = serializers.CharField(required=False)
    segments = serializers.IntegerField(required=False)
    premises = serializers.IntegerField(required=False)


class IsolationFeatureOut(serializers.Serializer):
    type = FeatureTypeOut()
    geometry = GeometryOut()
    properties = IsolationPropertiesOut()


class IsolationTraceOut(serializers.Serializer):
    type = FeatureCollectionTypeOut()
    features = IsolationFeatureOut(many=True)


class IsolationOut(serializers.Serializer):
    valves_to_close = IsolationTraceOut()
    premises_cut_off = serializers.IntegerField()


class CallerSaidOut(serializers.Serializer):
    received_at = InstantField()
    text = serializers.CharField(help_text="the caller's words, as the call taker wrote them")


class TabletNoteOut(serializers.Serializer):
    at = InstantField()
    by = serializers.CharField(allow_blank=True)
    text = serializers.CharField()


class TabletWorkOrderDetailOut(TabletWorkOrderOut):
    network_around = NetworkAroundOut(help_text="the job's own network within 300 m")
    isolation = IsolationOut(
        allow_null=True, help_text="for an incident on a main: the valves to close and the cut"
    )
    callers_said = CallerSaidOut(many=True, help_text="each call's description, oldest first")
    notes = TabletNoteOut(many=True, help_text="the control room's notes, oldest first")


class PhotoOut(serializers.Serializer):
    id = serializers.IntegerField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField(help_text="bytes")
    url = serializers.CharField()


class CrewStatusOut(serializers.Serializer):
    crew = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Crew.Status.choices)
    duty = serializers.ChoiceField(choices=Duty.choices)
