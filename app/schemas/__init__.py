"""marshmallow schemas of the API not yet moved to their packages."""
from app.schemas.api import (
    ErrorSchema,
    ExtensionSchema,
    PauseOutSchema,
    PauseSchema,
    ReasonSchema,
    ResumeSchema,
)

__all__ = ["ErrorSchema", "PauseSchema", "ResumeSchema", "ExtensionSchema", "ReasonSchema", "PauseOutSchema"]
