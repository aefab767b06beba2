"""`{% escalations_url user as url %}`: the escalation list's address for those who may open
it, else "" (the start page is drawn by dispatch, a layer below alerts)."""

from typing import Any

from django import template
from django.urls import reverse

from alerts.escalation_list import escalations_may_see

register = template.Library()


@register.simple_tag
def escalations_url(user: Any) -> str:
    return reverse("escalations") if escalations_may_see(user) else ""
