"""django-import-export resources for crews, vans and users: a few thousand rows at most, so
each row goes the library's whole way (clean, compare, validate the model, save) and an
unchanged row is skipped and counted.

A row's problems are ValidationErrors the library keeps per row; the resource also refuses a
row without its key and the second row with a key already seen in the file (the first wins).
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader
from import_export.results import RowResult

from dispatch.imports import cleaning
from dispatch.imports.report import ImportReport
from dispatch.models import Crew, User
from dispatch.roles import Role
from fleet.models import Vehicle
from gis.models import OrgUnit

LINE = "_line"  # the row's line in the file, carried in the dataset beside the columns
Progress = Callable[[int], None]


class _Cleaned(widgets.Widget):
    """A widget that cleans its text with one of `cleaning`'s functions."""

    def __init__(self, clean: Callable[[str], Any]) -> None:
        super().__init__()
        self._clean = clean

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        return self._clean(value or "")


class OrgUnitWidget(widgets.ForeignKeyWidget):
    """An organisation unit by its code; `station_only` for crews, which belong to a station."""

    def __init__(self, *, station_only: bool) -> None:
        super().__init__(OrgUnit, field="code")
        self.station_only = station_only
        self._units: dict[str, OrgUnit] | None = None

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> OrgUnit | None:
        code = (value or "").strip()
        if self._units is None:  # a few hundred units: one query per import, not per row
            self._units = {u.code.lower(): u for u in OrgUnit.objects.all()}
        unit = self._units.get(code.lower())
        if unit is None or (self.station_only and unit.tier != OrgUnit.Tier.STATION):
            examples = sorted(
                u.code
                for u in self._units.values()
                if not self.station_only or u.tier == OrgUnit.Tier.STATION
            )
            shown = ", ".join(examples[:8]) + (" ..." if len(examples) > 8 else "")
            what = _("station") if self.station_only else _("organisation unit")
            raise ValueError(
                _("unknown %(what)s %(code)s: load the organisation first; known codes: %(known)s")
                % {"what": what, "code": code or '""', "known": shown or _("none yet")}
            )
        return unit


class CrewWidget(widgets.ForeignKeyWidget):
    """A crew by its code; empty: no crew."""

    def __init__(self) -> None:
        super().__init__(Crew, field="code")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Crew | None:
        code = (value or "").strip()
        if not code:
            return None
        crew = Crew.objects.filter(code=code).first()
        if crew is None:
            raise ValueError(_("unknown crew %s: import the crews file first") % code)
        return crew


class MembersWidget(widgets.ManyToManyWidget):
    """Crew members by username; every one must exist and be a crew member."""

    def __init__(self) -> None:
        super().__init__(User, field="username")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> list[User]:
        names = cleaning.items(value or "")
        found = {u.username: u for u in User.objects.filter(username__in=names)}
        unknown = [n for n in names if n not in found]
        if unknown:
            raise ValueError(
                _("unknown user(s) %s: import the users file before the crews") % ", ".join(unknown)
            )
        others = [n for n in names if found[n].role != Role.CREW_MEMBER]
        if others:
            raise ValueError(
                _("%s: not crew member(s) by role; only crew members join a crew")
                % ", ".join(others)
            )
        # As the admin's crew form: the tablet serves one crew per login.
        code = str((row or {}).get("code") or "").strip()
        elsewhere = [
            f"{n} ({crew.code or crew.name})"
            for n in names
            if (crew := found[n].crews.exclude(code=code).first()) is not None
        ]
        if elsewhere:
            raise ValueError(
                _("%s: on another crew already; take them off it first (one crew per login)")
                % ", ".join(elsewhere)
            )
        return [found[n] for n in dict.fromkeys(names)]


class ShiftField(fields.Field):
    """One column, 08:00-20:00, for the crew's two shift times."""

    def __init__(self) -> None:
        super().__init__(attribute="shift_start", column_name="shift")

    def clean(self, row: Any, **kwargs: Any) -> Any:
        return cleaning.shift_clean(row[self.column_name])

    def get_value(self, instance: Any) -> Any:
        return (instance.shift_start, instance.shift_end)

    def save(self, instance: Any, row: Any, is_m2m: bool = False, **kwargs: Any) -> None:
        instance.shift_start, instance.shift_end = self.clean(row)


class NameField(fields.Field):
    """A person's name as one text; kept whole in first_name (a Chinese name has no space to
    split at, and the system shows first and last name together)."""

    def __init__(self) -> None:
        super().__init__(attribute="first_name", column_name="name")

    def clean(self, row: Any, **kwargs: Any) -> Any:
        name = (row[self.column_name] or "").strip()
        if not name:
            raise ValueError(_("the name is empty"))
        return name

    def get_value(self, instance: Any) -> Any:
        return f"{instance.first_name} {instance.last_name}".strip()

    def save(self, instance: Any, row: Any, is_m2m: bool = False, **kwargs: Any) -> None:
        instance.first_name, instance.last_name = self.clean(row), ""


def _text(column: str, attribute: str | None = None) -> fields.Field:
    return fields.Field(
        attribute=attribute or column, column_name=column, widget=widgets.CharWidget()
    )


class ImportResource(resources.ModelResource):
    """What the three resources share: the key check, the row outcomes, the progress."""

    key_column = ""

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True  # the model's own validation (lengths, unique names)
        skip_html_diff = True
        instance_loader_class = CachedInstanceLoader
        use_transactions = True

    def __init__(self, *, report: ImportReport, progress: Progress | None = None) -> None:
        super().__init__()
        self.report = report
        self.progress = progress
        self.seen: dict[str, int] = {}
        self.count = 0

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        self.count += 1
        if self.progress is not None:
            self.progress(self.count)
        key = (row[self.key_column] or "").strip()
        if not key:
            raise ValidationError({NON_FIELD_ERRORS: _("%s is empty") % self.key_column})
        if key in self.seen:
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: _(
                        "%(column)s %(key)s is also on line %(line)d: each appears once "
                        "(the first was imported)"
                    )
                    % {"column": self.key_column, "key": key, "line": self.seen[key]}
                }
            )
        self.seen[key] = row[LINE]

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        """The library saves many-to-many values after the row is saved; clean them first so
        that an unknown member is the row's error and not a failure of the whole import."""
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.attribute] = [ValidationError(str(error))]
        if errors:
            raise ValidationError(errors)

    def import_row(self, row: Any, instance_loader: Any, **kwargs: Any) -> RowResult:
        result = super().import_row(row, instance_loader, **kwargs)
        key = str(row.get(self.key_column) or "")
        if result.import_type == RowResult.IMPORT_TYPE_INVALID:
            self.report.reject(row[LINE], key, self._reason(result.validation_error))
        elif result.import_type == RowResult.IMPORT_TYPE_NEW:
            self.report.created += 1
            self.report.change(row[LINE], key, "create")
        elif result.import_type == RowResult.IMPORT_TYPE_UPDATE:
            self.report.updated += 1
            self.report.change(row[LINE], key, "update")
        elif result.import_type == RowResult.IMPORT_TYPE_SKIP:
            self.report.unchanged += 1
        return result

    def _reason(self, error: ValidationError) -> str:
        columns = {f.attribute: f.column_name for f in self.fields.values()}
        columns["shift_end"] = columns.get("shift_start", "shift_end")
        columns["last_name"] = columns.get("first_name", "last_name")
        by_column: dict[str, str] = {}
        for attribute, messages in error.message_dict.items():
            column = "" if attribute == NON_FIELD_ERRORS else columns.get(attribute, attribute)
            # The first word on a column is the widget's, which says what to write; the
            # model's own check of the same value ("cannot be null") adds nothing to it.
            by_column.setdefault(column, "; ".join(dict.fromkeys(messages)))
        return " | ".join(f"{c}: {text}" if c else text for c, text in by_column.items())


class CrewResource(ImportResource):
    key_column = "code"
    code = _text("code")
    name = _text("name")
    station = fields.Field(
        attribute="station", column_name="station", widget=OrgUnitWidget(station_only=True)
    )
    skills = fields.Field(
        attribute="skills", column_name="skills", widget=_Cleaned(cleaning.skills_clean)
    )
    shift = ShiftField()
    members = fields.Field(attribute="members", column_name="members", widget=MembersWidget())

    class Meta(ImportResource.Meta):
        model = Crew
        fields = ("code", "name", "station", "skills", "shift", "members")
        import_id_fields = ("code",)


class VanResource(ImportResource):
    key_column = "device_id"
    device_id = _text("device_id")
    registration = _text("registration")
    crew = fields.Field(attribute="crew", column_name="crew", widget=CrewWidget())

    class Meta(ImportResource.Meta):
        model = Vehicle
        fields = ("device_id", "registration", "crew")
        import_id_fields = ("device_id",)

    def validate_instance(self, instance: Any, *args: Any, **kwargs: Any) -> None:
        crew = instance.crew
        other = crew and Vehicle.objects.filter(crew=crew).exclude(pk=instance.pk).first()
        if other:
            raise ValidationError(
                {
                    "crew": _(
                        "crew %(crew)s already has van %(van)s: a crew has one van; give "
                        "%(van)s another crew (or none) first"
                    )
                    % {"crew": crew.code, "van": other.device_id}
                }
            )
        super().validate_instance(instance, *args, **kwargs)


class UserResource(ImportResource):
    """Users get no password from a file: a new user's is unusable until one is set."""

    key_column = "username"
    username = _text("username")
    name = NameField()
    role = fields.Field(attribute="role", column_name="role", widget=_Cleaned(cleaning.role_clean))
    station = fields.Field(
        attribute="org_unit", column_name="station", widget=OrgUnitWidget(station_only=False)
    )
    phone = fields.Field(
        attribute="phone",
        column_name="phone",
        widget=_Cleaned(lambda text: cleaning.phone_clean(text) if text.strip() else ""),
    )
    email = fields.Field(
        attribute="email", column_name="email", widget=_Cleaned(cleaning.email_clean)
    )

    class Meta(ImportResource.Meta):
        model = User
        fields = ("username", "name", "role", "station", "phone", "email")
        import_id_fields = ("username",)

    def after_init_instance(self, instance: Any, new: bool, row: Any, **kwargs: Any) -> None:
        if new:  # before the model's validation, which wants a password value
            instance.set_unusable_password()

    def before_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        # As user_create decides: administrators get the admin flags, nobody else does.
        instance.is_staff = instance.is_superuser = instance.role == Role.ADMINISTRATOR


RESOURCES: dict[str, type[ImportResource]] = {
    "crews": CrewResource,
    "vans": VanResource,
    "users": UserResource,
}
