"""What the call console's page needs from the desk: how each case type is handled (the
console's own context names only whether it needs an incident), and script tags for widgets
other parts of the desk may or may not ship."""

from django import template
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils.html import format_html

from dispatch.models import CategoryRule

register = template.Library()


@register.simple_tag
def case_handlings() -> dict[str, str]:
    """{case type code: handling} (field_job, office_case or on_call)."""
    return dict(CategoryRule.objects.values_list("category", "handling"))


@register.simple_tag
def booking_case_types() -> list[str]:
    """The case types whose calls may book a visit on the call (the work types' field jobs)."""
    from desk.appointments.models import WORK_TYPE_CATEGORY

    return sorted(set(WORK_TYPE_CATEGORY.values()))


@register.simple_tag
def optional_script(path: str) -> str:
    """A <script> tag for a static file if it is there, else nothing: the console works
    without the knowledge suggestions or the booking widget."""
    if not finders.find(path):
        return ""
    return format_html('<script src="{}"></script>', static(path))
