"""The words a breakdown's keys are shown in: a unit's or crew's name, a person's name, a case
type, a priority, a channel; days, months and years as they are. Looked up once per figure."""

from collections.abc import Sequence

from dispatch.categories import category_names
from dispatch.choices import Channel, Priority
from dispatch.models import Crew, User
from gis.models import OrgUnit


def _ids(keys: Sequence[str]) -> list[int]:
    return [int(k) for k in keys if k.isdigit()]


def dim_labels(by: str, keys: Sequence[str]) -> dict[str, str]:
    if by in ("station", "company"):
        return {
            str(pk): name
            for pk, name in OrgUnit.objects.filter(pk__in=_ids(keys)).values_list("pk", "name")
        }
    if by == "crew":
        return {str(c.pk): str(c) for c in Crew.objects.filter(pk__in=_ids(keys))}
    if by == "taker":
        return {
            str(u.pk): u.get_full_name() or u.username
            for u in User.objects.filter(pk__in=_ids(keys))
        }
    if by == "category":
        names = category_names()
        return {k: names.get(k, k) for k in keys}
    if by == "priority":
        return {
            k: str(Priority(int(k)).label)
            for k in keys
            if k.isdigit() and int(k) in Priority.values
        }
    if by == "channel":
        return {k: str(Channel(k).label) for k in keys if k in Channel.values}
    return {k: k for k in keys}
