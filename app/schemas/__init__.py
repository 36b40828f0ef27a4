"""marshmallow schemas for every input and output of the JSON API."""
from app.schemas.api import (
    ApplicantSchema,
    CaseCreateSchema,
    CaseSchema,
    CompleteSchema,
    CompletionSchema,
    ErrorSchema,
    ExtensionSchema,
    PauseOutSchema,
    PauseSchema,
    ReasonSchema,
    RecordSchema,
    ResumeSchema,
    TaskDetailSchema,
    TaskListQuerySchema,
    TaskSchema,
    VerifySchema,
)

__all__ = ["ApplicantSchema", "CaseCreateSchema", "CaseSchema", "CompleteSchema", "CompletionSchema",
           "ErrorSchema", "RecordSchema", "TaskDetailSchema", "TaskSchema",
           "VerifySchema", "TaskListQuerySchema", "PauseSchema",
           "ResumeSchema", "ExtensionSchema", "ReasonSchema", "PauseOutSchema"]
