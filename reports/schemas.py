"""The reports API's answers, declared once (config.openapi.answer sends only these keys)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gis.schemas import FeatureCollectionTypeOut, FeatureTypeOut, geometry_schema


class RowOut(serializers.Serializer):
    key = serializers.CharField(allow_null=True, help_text="the breakdown's value; null: all")
    label = serializers.CharField()  # type: ignore[assignment]  # see gis.schemas
    count = serializers.IntegerField(help_text="rows counted (the denominator of a share)")
    hits = serializers.IntegerField(help_text="rows that met the mark")
    over = serializers.IntegerField(help_text="rows over a preset's longest")
    share = serializers.FloatField(allow_null=True)
    mean = serializers.FloatField(allow_null=True)
    median = serializers.FloatField(allow_null=True)
    p90 = serializers.FloatField(allow_null=True)
    p97 = serializers.FloatField(allow_null=True)
    longest = serializers.FloatField(allow_null=True)


class FigureOut(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # see gis.schemas
    kind = serializers.ChoiceField(choices=["count", "share", "distribution", "mean"])
    measure = serializers.CharField(
        help_text="calls, cases, incidents, share, minutes, seconds, hours or score"
    )
    better = serializers.ChoiceField(choices=["higher", "lower"])
    note = serializers.CharField(allow_blank=True)
    value = serializers.FloatField(allow_null=True, help_text="the headline figure")
    target = serializers.FloatField(allow_null=True)
    average_max = serializers.FloatField(allow_null=True)
    longest_max = serializers.FloatField(allow_null=True)
    meets_target = serializers.BooleanField(allow_null=True)
    not_applicable = serializers.CharField(allow_blank=True)
    total = RowOut()
    rows = RowOut(many=True)


class ScopeOut(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    by = serializers.CharField()
    category = serializers.CharField(allow_blank=True)
    priority = serializers.IntegerField(allow_null=True)
    channel = serializers.CharField(allow_blank=True)


class FiguresOut(serializers.Serializer):
    scope = ScopeOut()
    empty = serializers.BooleanField(help_text="nothing at all happened in the scope")
    message = serializers.CharField(allow_blank=True, help_text="what an empty scope means")
    figures = FigureOut(many=True)


class ItemOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["incidents", "calls", "cases", "callbacks", "phone"])
    id = serializers.IntegerField()
    reference = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    unit = serializers.CharField()
    category = serializers.CharField()
    hit = serializers.BooleanField(allow_null=True)
    value = serializers.FloatField(allow_null=True)
    link = serializers.CharField(allow_null=True, help_text="its timeline or case page")


class ItemsOut(serializers.Serializer):
    figure = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # see gis.schemas
    which = serializers.CharField()
    count = serializers.IntegerField(help_text="how many rows there are in all")
    items = ItemOut(many=True, help_text="the first 500, misses and the longest first")


@extend_schema_field(geometry_schema("Point"))
class PointOut(serializers.JSONField):
    pass


class BreachPropertiesOut(serializers.Serializer):
    reference = serializers.CharField()
    priority = serializers.IntegerField()
    category = serializers.CharField()
    station = serializers.CharField()
    late_minutes = serializers.FloatField(help_text="after its clock; still waiting: until now")
    link = serializers.CharField(help_text="its timeline")


class BreachOut(serializers.Serializer):
    type = FeatureTypeOut()
    geometry = PointOut()
    properties = BreachPropertiesOut()


class BreachesOut(serializers.Serializer):
    type = FeatureCollectionTypeOut()
    features = BreachOut(many=True)
