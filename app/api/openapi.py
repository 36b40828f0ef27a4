"""``/api/openapi.json``: the API description, generated from the same marshmallow schemas it uses."""
from __future__ import annotations

from flask import jsonify
from marshmallow import Schema, fields

from app.api import bp

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


# Each feature adds its operations: ``register_openapi(parts)`` with ``parts(op, component, path_param)``
# returning (paths, component schemas), built with the helpers of this module.
_PARTS: list = []


def register_openapi(parts) -> None:
    if parts not in _PARTS:
        _PARTS.append(parts)


def _path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


@bp.get("/openapi.json")
def openapi_document():
    from app.core.schemas import ErrorSchema
    components = {"Error": _component(ErrorSchema)}
    paths: dict = {}
    for parts in _PARTS:
        more_paths, more_schemas = parts(_op, _component, _path_param)
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
