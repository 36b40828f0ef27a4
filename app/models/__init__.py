"""The ORM models, one module per concern. Importing this package registers every table."""
from app.calendar.models import CalendarDay, CalendarYear
from app.deadlines.models import ClockPause
from app.models.cases import Case, CommitteeMeeting, LegalReviewRound, TaskItem
from app.models.catalogue import ServiceItem
from app.models.definitions import DefinitionVersion
from app.models.evidence import Evidence
from app.models.users import User, UserRole
from app.records.models import ExecutionRecord
from app.scheduler.models import SchedulerLease, SchedulerRun

__all__ = ["User", "UserRole", "ServiceItem", "DefinitionVersion", "Case", "TaskItem", "LegalReviewRound",
           "CommitteeMeeting", "ExecutionRecord", "Evidence", "CalendarDay", "CalendarYear", "ClockPause",
           "SchedulerLease", "SchedulerRun"]
