"""The case types in the admin: an administrator adds or changes one, and the console, Open311
and triage offer it with no code change (dispatch.categories reads the rows)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from dispatch.choices import Hazard, Skill
from dispatch.models import Call, CategoryRule, Incident


def _ticks(choices: Any, label: Any, help_text: Any = "") -> forms.TypedMultipleChoiceField:
    """An array of choices as ticks rather than comma-separated codes to type."""
    return forms.TypedMultipleChoiceField(
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=label,
        help_text=help_text,
    )


def _case_type_choices() -> list[tuple[str, str]]:
    """Read when the form is built, so a case type added a moment ago is offered."""
    return [(r.category, f"{r} ({r.category})") for r in CategoryRule.objects.all()]


class CategoryRuleForm(forms.ModelForm):
    skills = _ticks(Skill.choices, _("skills"), _("a crew needs all of these"))
    hazards = _ticks(
        Hazard.choices,
        _("hazard questions"),
        _("the questions the call taker asks for this case type"),
    )
    merges_with = _ticks(
        _case_type_choices,
        _("merges with"),
        _("open incidents of these case types take the call"),
    )

    class Meta:
        model = CategoryRule
        fields = (
            "category",
            "label_en",
            "label_zh",
            "utility",
            "handling",
            "base_priority",
            "skills",
            "hazards",
            "duplicate_radius_m",
            "duplicate_window_min",
            "merges_with",
            "groups_by_supply",
            "raise_after_reports",
            "auto_dispatch",
            "advice_en",
            "advice_zh",
            "keywords",
            "message_set",
        )
        labels = {"label_en": _("name in English"), "label_zh": _("name in Chinese")}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Callers are answered in Chinese or English: advice read out needs both.
        if bool(data.get("advice_en")) != bool(data.get("advice_zh")):
            missing = "advice_zh" if data.get("advice_en") else "advice_en"
            self.add_error(missing, _("give the advice in both Chinese and English"))
        if not data.get("label_en") and not data.get("label_zh"):
            self.add_error("label_en", _("give the case type a name people read"))
        return data


@admin.register(CategoryRule)
class CategoryRuleAdmin(admin.ModelAdmin):
    form = CategoryRuleForm
    list_display = (
        "category",
        "label_en",
        "label_zh",
        "utility",
        "handling",
        "base_priority",
        "auto_dispatch",
        "duplicate_radius_m",
        "duplicate_window_min",
    )
    list_filter = ("utility", "handling", "base_priority", "auto_dispatch", "groups_by_supply")
    search_fields = ("category", "label_en", "label_zh", "keywords", "advice_en", "advice_zh")

    def has_delete_permission(self, request: Any, obj: CategoryRule | None = None) -> bool:
        # Calls and incidents keep the code: a case type in use stays (change its handling or
        # names instead); one never used may go.
        if obj is not None and (
            Call.objects.filter(category=obj.category).exists()
            or Incident.objects.filter(category=obj.category).exists()
        ):
            return False
        return bool(super().has_delete_permission(request, obj))

    def get_actions(self, request: Any) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one by one, each checked as above
        return actions

    def get_readonly_fields(self, request: Any, obj: CategoryRule | None = None) -> Any:
        # Calls, incidents and partners' systems hold the code: it is fixed once saved.
        return ("category",) if obj is not None else ()
