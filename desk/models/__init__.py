from desk.models.cases import Case, CaseStatus
from desk.models.rules import Department, DeskRule

__all__ = ["Case", "CaseStatus", "Department", "DeskRule"]
