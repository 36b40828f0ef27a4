"""``/api/openapi.json``: the API description, generated from the same marshmallow schemas it uses."""
from __future__ import annotations

from flask import jsonify
from marshmallow import Schema, fields

from .. import schemas as s
from . import bp

_TYPES = {fields.String: "string", fields.Integer: "integer", fields.Float: "number", fields.Boolean: "boolean",
          fields.DateTime: "string", fields.Date: "string", fields.Dict: "object"}
_FORMATS = {fields.DateTime: "date-time", fields.Date: "date"}


def _field(field: fields.Field) -> dict:
    if isinstance(field, fields.Nested):
        ref = {"$ref": f"#/components/schemas/{_name(field.nested)}"}
        return {"type": "array", "items": ref} if field.many else ref
    if isinstance(field, fields.List):
        return {"type": "array", "items": _field(field.inner)}
    out = next(({"type": v} for k, v in _TYPES.items() if isinstance(field, k)), {})
    out.update({"format": v for k, v in _FORMATS.items() if isinstance(field, k)})
    choices = getattr(field.validate, "choices", None) if field.validate else None
    if choices:
        out["enum"] = list(choices)
    if field.metadata.get("description"):
        out["description"] = field.metadata["description"]
    return out


def _name(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Schema")


def _component(schema_cls: type[Schema]) -> dict:
    schema = schema_cls()
    props = {f.data_key or name: _field(f) for name, f in schema.fields.items()}
    required = [f.data_key or name for name, f in schema.fields.items() if f.required]
    return {"type": "object", "properties": props, **({"required": required} if required else {})}


def _op(summary: str, response: type[Schema] | None, status: int = 200, body: type[Schema] | None = None,
        auth: bool = True, params: list | None = None) -> dict:
    op: dict = {"summary": summary, "responses": {
        str(status): {"description": "OK", **({"content": {"application/json": {"schema": {
            "$ref": f"#/components/schemas/{_name(response)}"}}}} if response else {})},
        **{str(code): {"description": text, "content": {"application/json": {"schema": {
            "$ref": "#/components/schemas/Error"}}}} for code, text in _ERRORS.items()}}}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": {
            "$ref": f"#/components/schemas/{_name(body)}"}}}}
    if auth:
        op["security"] = [{"bearer": []}]
    if params:
        op["parameters"] = params
    return op


_ERRORS = {400: "malformed request", 401: "not signed in", 403: "the role may not act",
           404: "not found", 409: "already completed, claimed by another, concurrent change, or refused by the "
           "mandatory-review guard", 422: "invalid data, with per-field messages"}


def _path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


@bp.get("/openapi.json")
def openapi_document():
    components = {_name(c): _component(c) for c in (
        s.TokenRequestSchema, s.TokenSchema, s.ServiceItemSchema, s.ApplicantSchema, s.CaseCreateSchema,
        s.CaseSchema, s.TaskSchema, s.TaskDetailSchema, s.CompleteSchema, s.CompletionSchema, s.RecordSchema,
        s.VerifySchema, s.ErrorSchema, s.PauseSchema, s.ResumeSchema, s.ExtensionSchema, s.ReasonSchema,
        s.PauseOutSchema)}
    from ..schemas.api import FactsSchema
    components["Facts"] = _component(FactsSchema)
    task, case = [_path_param("task_id")], [_path_param("case_no")]
    paths = {
        "/api/auth/token": {"post": _op("Sign in: username and password for a bearer token", s.TokenSchema,
                                        body=s.TokenRequestSchema, auth=False)},
        "/api/service-items": {"get": _op("The service items (事项目录)", None)},
        "/api/cases": {"post": _op("Register an application (clerk)", s.CaseSchema, 201, body=s.CaseCreateSchema)},
        "/api/cases/{case_no}": {"get": _op("A case with its open tasks", s.CaseSchema, params=case)},
        "/api/cases/{case_no}/records": {"get": _op("The case's execution records", None, params=case)},
        "/api/cases/{case_no}/records/verify": {"get": _op("Recompute the case's hash chain", s.VerifySchema,
                                                           params=case)},
        "/api/tasks": {"get": _op("Open tasks: scope=mine (claimed by me) or available (open to my roles)", None,
                                  params=[{"name": "scope", "in": "query", "schema": {
                                      "type": "string", "enum": ["mine", "available"]}}])},
        "/api/tasks/{task_id}": {"get": _op("A task with its form", s.TaskDetailSchema, params=task)},
        "/api/tasks/{task_id}/claim": {"post": _op("Claim a task", s.TaskSchema, params=task)},
        "/api/tasks/{task_id}/release": {"post": _op("Release a claimed task", s.TaskSchema, params=task)},
        "/api/tasks/{task_id}/complete": {"post": _op("Complete a task with its form data", s.CompletionSchema,
                                                      body=s.CompleteSchema, params=task)},
        "/api/tasks/{task_id}/extend-review": {"post": _op("Legal review +3 working days, once (leader)",
                                                           s.TaskSchema, body=s.ReasonSchema, params=task)},
        "/api/cases/{case_no}/clock/pause": {"post": _op("Pause the decision clock for a §45 procedure", None, 201,
                                                         body=s.PauseSchema, params=case)},
        "/api/cases/{case_no}/clock/resume": {"post": _op("Resume the decision clock", None, body=s.ResumeSchema,
                                                          params=case)},
        "/api/cases/{case_no}/clock/extend": {"post": _op("Extend the decision period once (leader)", None,
                                                          body=s.ExtensionSchema, params=case)},
    }
    from .supervision import openapi_parts
    more_paths, more_schemas = openapi_parts(_op, _component, _path_param)
    paths.update(more_paths)
    components.update(more_schemas)
    from .definitions import openapi_parts as definitions_parts
    more_paths, more_schemas = definitions_parts(_op, _component, _path_param)
    paths.update(more_paths)
    components.update(more_schemas)
    from .public import openapi_parts as public_parts
    more_paths, more_schemas = public_parts(_op, _component, _path_param)
    paths.update(more_paths)
    components.update(more_schemas)
    from .annual import openapi_parts as annual_parts
    more_paths, more_schemas = annual_parts(_op, _component, _path_param)
    paths.update(more_paths)
    components.update(more_schemas)
    from ..documents.api import openapi_parts as documents_parts
    more_paths, more_schemas = documents_parts(_op, _component, _path_param)
    paths.update(more_paths)
    components.update(more_schemas)
    return jsonify({
        "openapi": "3.0.3",
        "info": {"title": "行政审批系统 API / Approval system API", "version": "1.0",
                 "description": "Errors are JSON: {error, message, fields?}. Messages are Chinese by default; "
                                "send Accept-Language: en or ?lang=en for English."},
        "paths": paths,
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    })
