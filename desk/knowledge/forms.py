"""The supervisors' article form: it only collects input; desk.knowledge.services judges it."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from desk.knowledge.models import Article
from desk.knowledge.services import ArticleInput
from dispatch.access import Capability, roles_for
from dispatch.choices import Utility
from dispatch.models import CategoryRule, User


def _case_type_choices() -> list[tuple[str, str]]:
    return [(rule.category, str(rule)) for rule in CategoryRule.objects.order_by("category")]


class ArticleForm(forms.Form):
    key = forms.CharField(label=_("Key"), max_length=64, help_text=Article.key.field.help_text)
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=200)
    body_zh = forms.CharField(label=_("Text (Chinese)"), widget=forms.Textarea(attrs={"rows": 10}))
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    body_en = forms.CharField(
        label=_("Text (English)"), widget=forms.Textarea(attrs={"rows": 10}), required=False
    )
    case_types = forms.MultipleChoiceField(
        label=_("Case types"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("the console suggests the article first for calls of these case types"),
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        help_text=_("other words for the subject, separated by spaces or commas"),
    )
    utility = forms.ChoiceField(label=_("Utility"), choices=Utility.choices)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    review_due = forms.DateField(
        label=_("Review due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case_types"].choices = _case_type_choices()  # type: ignore[attr-defined]
        editors = roles_for(Capability.KNOWLEDGE_EDIT)
        self.fields["owner"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            is_active=True, role__in=editors
        ).order_by("username")
        if editing:  # the key names the article in the questions and the data: kept
            self.fields["key"].disabled = True

    def article_input(self) -> ArticleInput:
        data = self.cleaned_data
        owner = data.get("owner")
        return ArticleInput(
            key=data["key"],
            title_zh=data["title_zh"],
            body_zh=data["body_zh"],
            title_en=data.get("title_en", ""),
            body_en=data.get("body_en", ""),
            case_types=list(data.get("case_types", [])),
            keywords=data.get("keywords", ""),
            utility=data["utility"],
            owner_id=owner.pk if owner else None,
            review_due=data.get("review_due"),
        )

    @staticmethod
    def initial_for(article: Article) -> dict[str, Any]:
        names = ("key", "title_zh", "title_en", "body_zh", "body_en", "case_types", "keywords")
        initial = {name: getattr(article, name) for name in names}
        initial.update(
            utility=article.utility, owner=article.owner_id, review_due=article.review_due
        )
        return initial
