from alerts.models.callbacks import AttemptOutcome, CallBack, CallBackAttempt, CallBackStatus
from alerts.models.cap import CapMessage
from alerts.models.escalation import Escalation
from alerts.models.notifications import Channel, Notification, NotificationTemplate
from alerts.models.open311 import ApiKey
from alerts.models.outages import PlannedWork, SupplyInterruption
from alerts.models.status import StatusLink

__all__ = [
    "ApiKey",
    "AttemptOutcome",
    "CallBack",
    "CallBackAttempt",
    "CallBackStatus",
    "CapMessage",
    "Channel",
    "Escalation",
    "Notification",
    "NotificationTemplate",
    "PlannedWork",
    "StatusLink",
    "SupplyInterruption",
]
