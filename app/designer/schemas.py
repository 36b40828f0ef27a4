"""The designer's API schemas: definition versions, the registry, deployments and the deployment log check."""
from __future__ import annotations

from marshmallow import fields

from app.core.schemas import StrictSchema, UtcDateTime


class DefinitionVersionSchema(StrictSchema):
    key = fields.String(metadata={"description": "process id or decision id"})
    kind = fields.String(metadata={"description": "bpmn or dmn"})
    name = fields.String()
    version = fields.Integer()
    filename = fields.String()
    sha256 = fields.String()
    deployed_by = fields.String()
    deployed_at = UtcDateTime()
    note = fields.String(allow_none=True)
    running_cases = fields.Integer(metadata={"description": "running cases on this version"})


class DefinitionSchema(StrictSchema):
    key = fields.String()
    kind = fields.String()
    name = fields.String()
    main_process = fields.Boolean(metadata={"description": "service items start it (else called or a decision)"})
    versions = fields.List(fields.Nested(DefinitionVersionSchema), metadata={"description": "newest first"})


class DefinitionListSchema(StrictSchema):
    definitions = fields.List(fields.Nested(DefinitionSchema))


class DeploySchema(StrictSchema):
    created = fields.List(fields.Nested(DefinitionVersionSchema), metadata={"description": "new versions"})
    unchanged = fields.List(fields.Nested(DefinitionVersionSchema),
                            metadata={"description": "files whose content equals the latest version"})


class DeployVerifySchema(StrictSchema):
    valid = fields.Boolean()
    count = fields.Integer()
    first_invalid_seq = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)


SCHEMAS = (DefinitionVersionSchema, DefinitionSchema, DefinitionListSchema, DeploySchema, DeployVerifySchema)
