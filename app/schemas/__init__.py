"""marshmallow schemas for every input and output of the JSON API."""
from app.schemas.api import (
    ApplicantSchema,
    CaseCreateSchema,
    CaseSchema,
    CompleteSchema,
    CompletionSchema,
    ErrorSchema,
    RecordSchema,
    ServiceItemSchema,
    TaskDetailSchema,
    TaskListQuerySchema,
    TaskSchema,
    TokenRequestSchema,
    TokenSchema,
    VerifySchema,
)

__all__ = ["ApplicantSchema", "CaseCreateSchema", "CaseSchema", "CompleteSchema", "CompletionSchema",
           "ErrorSchema", "RecordSchema", "ServiceItemSchema", "TaskDetailSchema", "TaskSchema",
           "TokenRequestSchema", "TokenSchema", "VerifySchema", "TaskListQuerySchema"]
