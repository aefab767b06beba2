"""The billing and story API's answers, declared (the OpenAPI document is made from these)."""

from rest_framework import serializers

from config.openapi import InstantField
from desk.billing.models import SupplyStatus
from desk.models import CaseStatus
from dispatch.api.schemas import PointOut
from dispatch.models import Call, Incident


class StoryPremiseOut(serializers.Serializer):
    id = serializers.IntegerField()
    address = serializers.CharField()
    address_en = serializers.CharField(allow_blank=True)
    building_unit = serializers.CharField(
        allow_blank=True, help_text="road, number, building and unit (同一单元)"
    )
    point = PointOut(allow_null=True)


class BillingOut(serializers.Serializer):
    balance = serializers.CharField(help_text="yuan, two decimals; negative: owed")
    arrears = serializers.CharField(help_text="yuan, two decimals; 0.00: nothing owed")
    arrears_since = serializers.DateField(allow_null=True)
    last_payment_at = InstantField(allow_null=True)
    last_payment_amount = serializers.CharField(allow_null=True)
    supply_status = serializers.ChoiceField(choices=SupplyStatus.choices)
    supply_status_label = serializers.CharField()
    as_of = InstantField(help_text="when the company's system drew these figures")
    imported_at = InstantField()
    reminded_at = InstantField(allow_null=True)


class UsageOut(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    volume_m3 = serializers.CharField()
    amount = serializers.CharField()


class StoryCustomerOut(serializers.Serializer):
    id = serializers.IntegerField()
    account_no = serializers.CharField()
    name = serializers.CharField()
    phones = serializers.ListField(child=serializers.CharField())
    vulnerable = serializers.BooleanField()
    address = serializers.CharField(allow_blank=True, help_text="as the billing system holds it")
    premises = StoryPremiseOut(many=True)
    billing = BillingOut(allow_null=True, help_text="null: no billing data imported")
    usage = UsageOut(many=True, help_text="the last 12 months, newest first")


class StoryCaseOut(serializers.Serializer):
    reference = serializers.CharField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    status_label = serializers.CharField()
    unit = serializers.CharField()
    created_at = InstantField()
    address = serializers.CharField(allow_blank=True)
    where = serializers.ChoiceField(
        choices=["premise", "building_unit", "account"],
        help_text="at the premise asked about, elsewhere on its staircase, or the account's",
    )
    confidential = serializers.BooleanField()
    caller_name = serializers.CharField(allow_blank=True, help_text="empty when confidential")
    caller_phone = serializers.CharField(allow_blank=True, help_text="empty when confidential")


class StoryCallOut(serializers.Serializer):
    id = serializers.IntegerField()
    received_at = InstantField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    outcome = serializers.ChoiceField(choices=Call.Outcome.choices)
    outcome_label = serializers.CharField()
    address = serializers.CharField(allow_blank=True)
    where = serializers.ChoiceField(choices=["premise", "building_unit", "account"])
    incident = serializers.CharField(allow_blank=True, help_text="its incident's reference")
    caller_phone = serializers.CharField(allow_blank=True, help_text="empty when confidential")


class StoryIncidentOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    status = serializers.ChoiceField(choices=Incident.Status.choices)
    priority = serializers.IntegerField()
    address = serializers.CharField(allow_blank=True)


class StoryOut(serializers.Serializer):
    customers = StoryCustomerOut(many=True)
    premises = StoryPremiseOut(many=True, help_text="the premises asked about")
    building_unit_premises = serializers.IntegerField(
        help_text="how many premises the staircases hold, those asked about included"
    )
    cases = StoryCaseOut(many=True, help_text="newest first")
    calls = StoryCallOut(many=True, help_text="newest first")
    incidents = StoryIncidentOut(many=True, help_text="open field jobs there, most urgent first")


class SearchHitOut(serializers.Serializer):
    id = serializers.IntegerField()
    account_no = serializers.CharField()
    name = serializers.CharField()
    phones = serializers.ListField(child=serializers.CharField())
    address = serializers.CharField(allow_blank=True)
    premises = StoryPremiseOut(many=True)
    matched_by = serializers.ChoiceField(choices=["account", "name", "address"])
    score = serializers.FloatField()
    in_arrears = serializers.BooleanField()
