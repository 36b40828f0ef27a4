"""The ORM models, one module per concern. Importing this package registers every table."""
from .users import User, UserRole
from .catalogue import ServiceItem
from .definitions import DefinitionVersion
from .cases import Case, CommitteeMeeting, LegalReviewRound, TaskItem
from ..records.models import ExecutionRecord

__all__ = ["User", "UserRole", "ServiceItem", "DefinitionVersion", "Case", "TaskItem", "LegalReviewRound",
           "CommitteeMeeting", "ExecutionRecord"]
