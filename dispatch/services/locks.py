"""Row locks the dispatch services take before a change (its own module: both the work-order
and the field-report services use it, and the first already imports the second)."""

from dispatch.errors import NotFoundError
from dispatch.models import WorkOrder


def work_order_locked(work_order_id: int, *related: str) -> WorkOrder:
    """The work order, row-locked for the change about to be made (with its incident, or
    what `related` names); NotFoundError when there is none. Callers hold a transaction."""
    work_order = (
        WorkOrder.objects.select_for_update()
        .select_related(*(related or ("incident",)))
        .filter(pk=work_order_id)
        .first()
    )
    if work_order is None:
        raise NotFoundError(f"no work order {work_order_id}")
    return work_order
