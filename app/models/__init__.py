"""The ORM models, one module per concern. Importing this package registers every table."""
from .users import User, UserRole
from .catalogue import ServiceItem
from .definitions import DefinitionVersion
from .cases import Case, CommitteeMeeting, LegalReviewRound, TaskItem
from .evidence import Evidence
from ..records.models import ExecutionRecord
from ..calendar.models import CalendarDay, CalendarYear
from ..deadlines.models import ClockPause
from ..scheduler.models import SchedulerLease, SchedulerRun
from ..documents.models import DocumentCounter, DocumentTemplate, IssuedDocument
from ..anchoring.models import Checkpoint

__all__ = ["User", "UserRole", "ServiceItem", "DefinitionVersion", "Case", "TaskItem", "LegalReviewRound",
           "CommitteeMeeting", "ExecutionRecord", "Evidence", "CalendarDay", "CalendarYear", "ClockPause",
           "SchedulerLease", "SchedulerRun", "DocumentTemplate", "DocumentCounter", "IssuedDocument",
           "Checkpoint"]
