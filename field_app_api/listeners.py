"""The timeline events that change what a crew's tablet holds: its assignments republished.

Dispatch does not know the tablet exists: it writes `work_order.assigned` on a dispatch and
`work_order.<status>` on each change, and this listener (registered when the app is ready)
queues the crew's retained MQTT message again once the change commits.
"""

from django.db import transaction

from dispatch.models import IncidentEvent, WorkOrder
from dispatch.services.listeners import event_listen
from field_app_api.assignments import assignment_publish

# `work_order.assigned` is written by a dispatch, the rest by each change of status.
CHANGES = tuple(f"work_order.{status}" for status in WorkOrder.Status.values)


@event_listen(*CHANGES)
def assignments_on_change(event: IncidentEvent) -> None:
    work_order = event.work_order
    if work_order is None:
        return
    crew_id = work_order.crew_id
    transaction.on_commit(lambda: assignment_publish(crew_id))
