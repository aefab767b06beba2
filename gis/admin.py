"""The organisation and the network in the admin, on maps served from our own static files.

`MapAdmin` is the base of every admin with a geometry (here, in dispatch and in alerts): each
geometry field is drawn on the vendored Leaflet (config.admin_widgets), never on GeoDjango's
OpenLayers from a CDN. Territories are drawn here; network assets are read-mostly: they come
from the utility's GIS through `import_network`, whose next run (matched by asset id) would
overwrite a hand edit, and the in-memory network graph only follows the import. The one thing
staff may correct by hand is a valve found seized: traces read that flag from the table.

Who may open each page is dispatch's role table (dispatch/admin_access.py), which this layer
cannot import: dispatch's admin puts these classes on it once they are registered.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.gis.db.models import GeometryField
from django.db.models import Field, Model
from django.forms import Field as FormField
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from config.admin_widgets import LeafletGeometryWidget, geometry_map
from gis.models import (
    Landmark,
    OrgUnit,
    PipeSegment,
    PowerDevice,
    PowerLine,
    PowerSubstation,
    Premise,
    Road,
    ServiceArea,
    Source,
    Utility,
    Valve,
)
from gis.selectors import org_unit_bounds
from gis.services import org_unit_create


def _bounds(request: HttpRequest | None) -> tuple[float, ...]:
    """Where an empty map opens: the signed-in user's territory (or the roads)."""
    unit = getattr(getattr(request, "user", None), "org_unit", None)
    return tuple(org_unit_bounds(unit))


def _network_tiles() -> str:
    """The network's vector tiles, by the route's name: the maps app draws them for every map
    and is a layer above this one, so it is not imported. Empty where maps is not installed."""
    try:
        return reverse("maps-network-tiles", kwargs={"z": 0, "x": 0, "y": 0}).replace(
            "/0/0/0.", "/{z}/{x}/{y}."
        )
    except NoReverseMatch:
        return ""


class MapAdmin(admin.ModelAdmin):
    """Geometry fields on the vendored Leaflet; `geometry_shown` for one that is read-only."""

    map_field = "geom"

    def formfield_for_dbfield(
        self, db_field: "Field[Any, Any]", request: HttpRequest, **kwargs: Any
    ) -> FormField | None:
        if isinstance(db_field, GeometryField):
            kwargs["widget"] = LeafletGeometryWidget(
                bounds=_bounds(request), tiles=_network_tiles()
            )
            return db_field.formfield(**kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @property
    def media(self) -> Any:
        # Also on pages where the map is read-only (no form field brings the widget's media).
        return super().media + LeafletGeometryWidget().media

    @admin.display(description=_("on the map"))
    def geometry_shown(self, obj: Model) -> SafeString:
        return geometry_map(
            getattr(obj, self.map_field), name=self.map_field, tiles=_network_tiles()
        )


class ReadOnlyMapAdmin(MapAdmin):
    """Network assets from the GIS import: looked at, searched, never added or edited here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrgUnitForm(forms.ModelForm):
    # Ticked, not typed: what the unit serves (none ticked: gas, as before heat and power).
    utilities = forms.MultipleChoiceField(
        choices=Utility.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Utilities"),
        help_text=_("the utilities this unit serves"),
    )

    class Meta:
        model = OrgUnit
        fields = ["code", "name", "tier", "parent", "phone", "utilities", "territory"]

    def clean_utilities(self) -> list[str]:
        return list(self.cleaned_data.get("utilities") or [Utility.GAS.value])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        tier, parent = data.get("tier"), data.get("parent")
        if tier is not None and "parent" not in self.errors:
            # The rule org_unit_create keeps: one tier directly under the next.
            above = tier - 1 if tier > OrgUnit.Tier.GROUP else None
            if (parent.tier if parent else None) != above:
                self.add_error(
                    "parent",
                    _("a %(tier)s sits directly under a %(above)s")
                    % {
                        "tier": OrgUnit.Tier(tier).label,
                        "above": OrgUnit.Tier(above).label if above else _("nothing"),
                    },
                )
            elif parent is not None and self.instance.pk and parent.pk == self.instance.pk:
                self.add_error("parent", _("a unit cannot sit under itself"))
        territory = data.get("territory")
        if territory is not None and not territory.valid:
            self.add_error(
                "territory",
                _("the area crosses itself or is not closed (%(reason)s): draw it again")
                % {"reason": territory.valid_reason},
            )
        return data


@admin.register(OrgUnit)
class OrgUnitAdmin(MapAdmin):
    form = OrgUnitForm
    list_display = ("name", "code", "tier", "parent", "utilities", "phone")
    list_filter = ("tier",)
    search_fields = ("name", "code")
    list_select_related = ("parent",)

    def save_model(self, request: HttpRequest, obj: OrgUnit, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        saved = org_unit_create(
            code=data["code"],
            name=data["name"],
            tier=OrgUnit.Tier(data["tier"]),
            parent=data.get("parent"),
            territory=data.get("territory"),
            phone=data.get("phone", ""),
        )
        if data.get("utilities"):
            saved.utilities = data["utilities"]
            saved.save(update_fields=["utilities"])
        obj.pk = saved.pk  # the admin logs and redirects with the object it holds


@admin.register(PipeSegment)
class PipeSegmentAdmin(ReadOnlyMapAdmin):
    list_display = (
        "asset_id",
        "utility",
        "circuit",
        "material",
        "diameter_mm",
        "pressure_class",
        "zone",
        "install_year",
        "status",
        "split_from",
    )
    list_filter = ("utility", "circuit", "pressure_class", "material", "status")
    search_fields = ("asset_id", "zone", "split_from", "twin")
    fields = (
        "asset_id",
        "utility",
        "circuit",
        "twin",
        "split_from",
        "material",
        "diameter_mm",
        "pressure_class",
        "zone",
        "install_year",
        "status",
        "updated_at",
        "geometry_shown",
    )


@admin.register(Valve)
class ValveAdmin(ReadOnlyMapAdmin):
    list_display = (
        "asset_id",
        "utility",
        "circuit",
        "valve_type",
        "diameter_mm",
        "operable",
        "normally_open",
    )
    list_filter = ("utility", "circuit", "operable", "valve_type", "normally_open")
    search_fields = ("asset_id",)
    fields = (
        "asset_id",
        "utility",
        "circuit",
        "valve_type",
        "diameter_mm",
        "normally_open",
        "operable",
        "updated_at",
        "geometry_shown",
    )
    readonly_fields = (
        "asset_id",
        "utility",
        "circuit",
        "valve_type",
        "diameter_mm",
        "normally_open",
        "updated_at",
        "geometry_shown",
    )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Only `operable` (a valve a crew found seized, or freed again): traces read it live.
        # Past ReadOnlyMapAdmin, on to whoever decides for the rest (dispatch's role table).
        return super(ReadOnlyMapAdmin, self).has_change_permission(request, obj)


@admin.register(Source)
class SourceAdmin(ReadOnlyMapAdmin):
    list_display = ("asset_id", "name", "utility", "kind", "pressure_class", "zone")
    list_filter = ("utility", "kind", "pressure_class")
    search_fields = ("asset_id", "name", "zone")
    fields = (
        "asset_id",
        "name",
        "utility",
        "kind",
        "pressure_class",
        "zone",
        "updated_at",
        "geometry_shown",
    )


@admin.register(Road)
class RoadAdmin(ReadOnlyMapAdmin):
    list_display = ("name", "name_en", "district", "road_class", "speed_kmh", "asset_id")
    list_filter = ("road_class", "district")
    search_fields = ("name", "name_en", "asset_id")
    fields = (
        "asset_id",
        "name",
        "name_en",
        "district",
        "road_class",
        "speed_kmh",
        "geometry_shown",
    )


@admin.register(Premise)
class PremiseAdmin(ReadOnlyMapAdmin):
    list_display = ("asset_id", "full_text", "district", "use", "meter_id", "service_segment")
    list_filter = ("use", "district")
    search_fields = ("asset_id", "full_text", "full_text_en", "meter_id")
    list_select_related = ("service_segment",)
    fields = (
        "asset_id",
        "full_text",
        "full_text_en",
        "district",
        "road_name",
        "house_number",
        "building",
        "unit",
        "room",
        "use",
        "meter_id",
        "service_segment",
        "heat_station",
        "transformer",
        "geometry_shown",
    )


@admin.register(Landmark)
class LandmarkAdmin(ReadOnlyMapAdmin):
    list_display = ("name", "name_en", "kind", "sensitive", "asset_id")
    list_filter = ("kind", "sensitive")
    search_fields = ("name", "name_en", "asset_id")
    fields = ("asset_id", "name", "name_en", "kind", "sensitive", "geometry_shown")


@admin.register(PowerSubstation)
class PowerSubstationAdmin(ReadOnlyMapAdmin):
    list_display = ("asset_id", "name", "voltage_kv")
    search_fields = ("asset_id", "name")
    fields = ("asset_id", "name", "voltage_kv", "updated_at", "geometry_shown")


@admin.register(PowerLine)
class PowerLineAdmin(ReadOnlyMapAdmin):
    list_display = ("asset_id", "feeder", "voltage_kv", "construction", "status")
    list_filter = ("construction", "status", "voltage_kv")
    search_fields = ("asset_id", "feeder")
    fields = (
        "asset_id",
        "feeder",
        "voltage_kv",
        "construction",
        "status",
        "updated_at",
        "geometry_shown",
    )


@admin.register(PowerDevice)
class PowerDeviceAdmin(ReadOnlyMapAdmin):
    list_display = ("asset_id", "name", "kind", "feeder", "normally_open", "rating_kva")
    list_filter = ("kind", "normally_open")
    search_fields = ("asset_id", "name", "feeder")
    fields = (
        "asset_id",
        "name",
        "kind",
        "feeder",
        "normally_open",
        "rating_kva",
        "updated_at",
        "geometry_shown",
    )


@admin.register(ServiceArea)
class ServiceAreaAdmin(MapAdmin):
    """Urban, rural and remote areas, drawn by the administrator: the clocks of an incident
    inside one are its class's (95598's commitments)."""

    list_display = ("name", "area_class")
    list_filter = ("area_class",)
    search_fields = ("name",)
    fields = ("name", "area_class", "geom")
