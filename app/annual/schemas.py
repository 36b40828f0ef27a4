"""The annual report's JSON: the draft and publish requests, a version, and the year's overview."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.core.schemas import StrictSchema, UtcDateTime


class DraftSchema(StrictSchema):
    narrative = fields.String(required=True, validate=validate.Length(max=20000),
                              metadata={"description": "行政执法情况说明"})


class PublishSchema(DraftSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                           metadata={"description": "required from version 2 on (a correction)"})


class VersionSummarySchema(Schema):
    version = fields.Integer()
    published_at = UtcDateTime()
    published_by = fields.String()
    reason = fields.String(allow_none=True)
    sha256 = fields.String()
    valid = fields.Boolean(metadata={"description": "the SHA-256 over the stored content matches"})


class AnnualReportSchema(Schema):
    year = fields.Integer()
    status = fields.String(metadata={"description": "published | preview"})
    version = fields.Integer(allow_none=True)
    sha256 = fields.String(allow_none=True)
    valid = fields.Boolean(allow_none=True)
    published_at = fields.String(allow_none=True)
    published_by = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    narrative = fields.String()
    figures = fields.Dict(metadata={"description": "licensing, legal_review, hearings, extensions, "
                                                   "late_decisions, late_publications, items"})


class AnnualOverviewSchema(Schema):
    year = fields.Integer()
    preview = fields.Nested(AnnualReportSchema, metadata={"description": "generated now, not stored"})
    draft = fields.Dict(allow_none=True, metadata={"description": "{narrative, saved_at, saved_by} or null"})
    versions = fields.Nested(VersionSummarySchema, many=True)


SCHEMAS = (DraftSchema, PublishSchema, VersionSummarySchema, AnnualReportSchema, AnnualOverviewSchema)
