"""The ORM models, one module per concern. Importing this package registers every table."""
from app.calendar.models import CalendarDay, CalendarYear
from app.cases.models import Case, TaskItem
from app.catalogue.models import ServiceItem
from app.deadlines.models import ClockPause
from app.definitions.models import DefinitionVersion
from app.evidence.models import Evidence
from app.legal_review.models import CommitteeMeeting, LegalReviewRound
from app.records.models import ExecutionRecord
from app.scheduler.models import SchedulerLease, SchedulerRun
from app.users.models import User, UserRole

__all__ = ["User", "UserRole", "ServiceItem", "DefinitionVersion", "Case", "TaskItem", "LegalReviewRound",
           "CommitteeMeeting", "ExecutionRecord", "Evidence", "CalendarDay", "CalendarYear", "ClockPause",
           "SchedulerLease", "SchedulerRun"]
