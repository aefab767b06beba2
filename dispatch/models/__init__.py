from dispatch.models.calls import Call
from dispatch.models.crews import Crew
from dispatch.models.field_reports import WorkOrderFinding, WorkOrderPhoto
from dispatch.models.incidents import Incident, IncidentDeadline, ReferenceCounter
from dispatch.models.isolation import IncidentIsolation
from dispatch.models.people import Customer, User
from dispatch.models.rules import (
    CalendarDay,
    CategoryRule,
    Milestone,
    Season,
    SlaPolicy,
    TriageRule,
)
from dispatch.models.timeline import IncidentEvent
from dispatch.models.work_orders import WorkOrder

__all__ = [
    "CalendarDay",
    "Call",
    "CategoryRule",
    "Crew",
    "Customer",
    "Incident",
    "IncidentDeadline",
    "IncidentEvent",
    "IncidentIsolation",
    "Milestone",
    "ReferenceCounter",
    "Season",
    "SlaPolicy",
    "TriageRule",
    "User",
    "WorkOrder",
    "WorkOrderFinding",
    "WorkOrderPhoto",
]
