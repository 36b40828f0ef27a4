"""marshmallow schemas for every input and output of the JSON API."""
from .api import (ApplicantSchema, CaseCreateSchema, CaseSchema, CompleteSchema, CompletionSchema, ErrorSchema,
                  RecordSchema, ServiceItemSchema, TaskDetailSchema, TaskSchema, TokenRequestSchema,
                  TokenSchema, VerifySchema, TaskListQuerySchema, PauseSchema, ResumeSchema, ExtensionSchema,
                  ReasonSchema, PauseOutSchema)

__all__ = ["ApplicantSchema", "CaseCreateSchema", "CaseSchema", "CompleteSchema", "CompletionSchema",
           "ErrorSchema", "RecordSchema", "ServiceItemSchema", "TaskDetailSchema", "TaskSchema",
           "TokenRequestSchema", "TokenSchema", "VerifySchema", "TaskListQuerySchema", "PauseSchema",
           "ResumeSchema", "ExtensionSchema", "ReasonSchema", "PauseOutSchema"]
