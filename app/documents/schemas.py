"""Marshmallow schemas of the documents and checkpoints API. Times are Beijing time with their offset."""
from __future__ import annotations

import datetime as dt

from marshmallow import RAISE, Schema, fields, validate

from app.documents.models import STATUSES
from app.documents.types import DOC_TYPES

CHINA = dt.timezone(dt.timedelta(hours=8), "CST")


def beijing(value: dt.datetime | None) -> dt.datetime | None:
    """Stored naive UTC → aware Beijing time."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc).astimezone(CHINA)


class BeijingDateTime(fields.DateTime):
    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(beijing(value), attr, obj, **kwargs)


class DocumentSchema(Schema):
    id = fields.Integer()
    type = fields.String(attribute="doc_type", validate=validate.OneOf(list(DOC_TYPES)))
    number = fields.String(metadata={"description": "e.g. 鞍行审许字〔2026〕第0001号"})
    title = fields.String()
    sha256 = fields.String(metadata={"description": "SHA-256 of the signed PDF"})
    issued_at = BeijingDateTime()
    issued_on = fields.Date(metadata={"description": "the date printed on the document"})
    status = fields.String(validate=validate.OneOf(STATUSES))
    void_reason = fields.String(allow_none=True)
    template_version = fields.Function(lambda d: d.template.version)
    public_id = fields.String(metadata={"description": "the id of the public verification page"})
    superseded_by_id = fields.Integer(allow_none=True)
    supersedes_id = fields.Integer(allow_none=True)


class DocumentListSchema(Schema):
    case_no = fields.String()
    documents = fields.List(fields.Nested(DocumentSchema))


class DocumentRefSchema(Schema):
    number = fields.String()
    public_id = fields.String()


class PublicDocumentSchema(Schema):
    public_id = fields.String()
    type = fields.String()
    title = fields.String()
    number = fields.String()
    issuer = fields.String()
    issued_on = fields.Date()
    issued_at = BeijingDateTime()
    sha256 = fields.String(metadata={"description": "SHA-256 of the signed PDF: compare with your copy's"})
    status = fields.String(validate=validate.OneOf(STATUSES))
    status_label = fields.String()
    void_reason = fields.String(allow_none=True)
    voided_at = BeijingDateTime(allow_none=True)
    superseded_by = fields.Nested(DocumentRefSchema, allow_none=True)
    supersedes = fields.Nested(DocumentRefSchema, allow_none=True)


class PreviewSchema(Schema):
    class Meta:
        unknown = RAISE

    doc_type = fields.String(required=True, validate=validate.OneOf(list(DOC_TYPES)))
    source = fields.String(load_default=None, validate=validate.Length(max=256 * 1024),
                           metadata={"description": "template source; default: the deployed version"})
    case_no = fields.String(load_default=None, metadata={"description": "render with this case's data"})
    data = fields.Dict(load_default=None, metadata={"description": "the step's data; default: sample data"})


class CertificateSchema(Schema):
    pem = fields.String()
    subject = fields.String()
    issuer = fields.String()
    sha256 = fields.String()


class CheckpointQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    after_seq = fields.Integer(load_default=0, validate=validate.Range(min=0),
                               metadata={"description": "only checkpoints after this one (to keep a copy current)"})
    lang = fields.String()


class CheckpointEntrySchema(Schema):
    payload = fields.Dict(metadata={"description": "the signed canonical JSON (sort_keys, no spaces, UTF-8)"})
    hash = fields.String()
    signature = fields.String(metadata={"description": "base64 DER ECDSA-SHA256 over the payload's bytes"})
    certificate = fields.String(metadata={"description": "base64 DER of the signing certificate"})


class CheckpointListSchema(Schema):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    items = fields.List(fields.Nested(CheckpointEntrySchema))
