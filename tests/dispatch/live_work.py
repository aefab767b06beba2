"""Live work for recommendation tests: an incident and a work order on it, made directly (the
tests set a scene; the services that move work orders are tested in test_work_orders.py)."""

from datetime import datetime

from django.contrib.gis.geos import Point

from dispatch.models import Crew, Incident, WorkOrder


def live_work_order(
    crew: Crew,
    at: Point,
    category: str,
    *,
    priority: int,
    when: datetime,
    status: str = WorkOrder.Status.EN_ROUTE,  # on its way: a P1 may still take the crew
) -> WorkOrder:
    incident = Incident.objects.create(
        reference=f"T-{crew.id}-{Incident.objects.count() + 1}",
        category=category,
        priority=priority,
        point=at,
        station=crew.station,
        created_at=when,
    )
    return WorkOrder.objects.create(
        incident=incident, crew=crew, status=status, created_at=when, status_changed_at=when
    )
