"""``/api/definitions``: the registry of process definitions and decision tables, and deploying (designers).

``POST /api/definitions`` takes multipart/form-data with one or more ``file`` fields and an optional
``note``. 201 with the created versions; 200 when every file is unchanged (no new version); 422 with
``errors: [{element_id, element_name, message, file, rule}]`` when the compiler or the policy linter refuses
(nothing is stored); 403 for anyone without the designer role.
"""
from __future__ import annotations

import io

from flask import g, jsonify, request, send_file

from app.api import bp
from app.api.helpers import json_body, login_required
from app.api.openapi import register_openapi
from app.core.access import roles_required
from app.core.errors import InvalidData, NotFound
from app.core.i18n import t
from app.core.inputs import INT_COLUMN_MAX, column_int, large_body
from app.designer import migration, registry
from app.designer.deploy import deploy
from app.designer.records import verify_deployments
from app.designer.schemas import (
    SCHEMAS,
    DefinitionListSchema,
    DefinitionVersionSchema,
    DeploySchema,
    DeployVerifySchema,
)
from app.engine.definitions import MAX_DEFINITION_BYTES

MAX_FILES = 20


def _dump_version(v, counts: dict | None = None) -> dict:
    data = DefinitionVersionSchema().dump(v)
    data["running_cases"] = (counts or {}).get(v.id, 0)
    return data


# ------------------------------------------------------------------------------------------ routes

@bp.get("/definitions")
@login_required
def list_definitions():
    defs = registry.definitions()
    counts = registry.running_counts(defs)
    return jsonify({"definitions": [
        {"key": d.key, "kind": d.kind, "name": d.name, "main_process": d.main_process,
         "versions": [_dump_version(v, counts) for v in d.versions]} for d in defs]})


@bp.post("/definitions")
@large_body("DEFINITION_MAX_CONTENT_LENGTH")
@login_required
@roles_required("designer", code="designer_required")
def deploy_definitions():
    uploads = [f for f in request.files.getlist("file") if f and f.filename]
    if not uploads:
        raise InvalidData(t("definition_file_required"), fields={"file": [t("definition_file_required")]})
    if len(uploads) > MAX_FILES:
        raise InvalidData(t("too_many_definition_files", max=MAX_FILES), fields={"file": [str(MAX_FILES)]})
    note = (request.form.get("note") or "").strip()[:2000] or None
    files = [(registry.safe_filename(f.filename, "upload.bpmn"), f.stream.read(MAX_DEFINITION_BYTES + 1))
             for f in uploads]
    result = deploy(files, g.user.username, note)
    body = DeploySchema().dump({"created": result.created, "unchanged": result.unchanged})
    return jsonify(body), 201 if result.created else 200


@bp.get("/definitions/<key>/versions/<int:version>")
@login_required
def definition_content(key: str, version: int):
    v = registry.get_version(key, version)
    if v is None:
        raise NotFound.of("not_found", what=f"{key} v{version}")
    response = send_file(io.BytesIO(v.content), mimetype="application/xml", as_attachment=True,
                         download_name=registry.download_name(v), etag=v.sha256, max_age=0)
    response.headers["X-Content-SHA256"] = v.sha256
    return response


@bp.get("/definitions/records/verify")
@login_required
def verify_definition_records():
    return jsonify(DeployVerifySchema().dump(verify_deployments().to_dict()))


# ------------------------------------------------------------------------------------------ moving running cases

@bp.get("/definitions/<key>/migration")
@login_required
def migration_plan(key: str):
    """Dry run (supervisor): every running case on an older version of ``key``, whether it can move to the
    latest versions and why not. ``?version=N`` must name the latest version. Writes nothing."""
    migration.require_supervisor(g.user)
    return jsonify(migration.plan(key, request.args.get("version", type=column_int)).to_dict())


@bp.post("/definitions/<key>/migration")
@login_required
def migrate_cases(key: str):
    """Move one case (``{"case_no": ...}``) or every case that can move (``{"all": true}``) to the latest
    versions (supervisor). 200 with moved/refused; 409 ``migration_refused`` with the reasons for one case."""
    migration.require_supervisor(g.user)
    body = json_body() if request.is_json else {}
    body = body if isinstance(body, dict) else {}
    version = body.get("version")
    version = version if isinstance(version, int) and 1 <= version <= INT_COLUMN_MAX else None
    case_no = body.get("case_no")
    if isinstance(case_no, str) and case_no:
        moved = migration.migrate_case(g.user, case_no, key, version)
        return jsonify({"moved": [moved.to_dict()], "refused": []})
    if body.get("all") is True:
        moved, refused = migration.migrate_all(g.user, key, version)
        return jsonify({"moved": [c.to_dict() for c in moved], "refused": [c.to_dict() for c in refused]})
    raise InvalidData(t("required"), fields={"case_no": [t("required")], "all": [t("required")]})


def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    """(paths, component schemas) for app.api.openapi, built with its helpers."""
    deploy_op = op("Deploy BPMN/DMN files (designer). multipart/form-data: file (one or more), note. 201 new "
                   "versions, 200 all unchanged, 422 refused with errors [{element_id, message}]", DeploySchema, 201)
    deploy_op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"], "properties": {
            "file": {"type": "array", "items": {"type": "string", "format": "binary"}},
            "note": {"type": "string", "description": "change note"}}}}}}
    deploy_op["responses"]["200"] = {"description": "every file unchanged: no new version", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Deploy"}}}}
    paths = {
        "/api/definitions": {
            "get": op("Every process and decision table with its versions and running cases", DefinitionListSchema),
            "post": deploy_op},
        "/api/definitions/{key}/versions/{version}": {"get": {
            **op("One version's XML (attachment)", None, params=[path_param("key"), path_param("version")]),
        }},
        "/api/definitions/records/verify": {"get": op("Recompute the hash chain of deployment records",
                                                      DeployVerifySchema)},
        "/api/definitions/{key}/migration": {
            "get": op("Dry run (supervisor): running cases on older versions of KEY, can each move to the latest "
                      "versions and why not; ?version=N must be the latest", None, params=[path_param("key")]),
            "post": op("Move running cases to the latest versions (supervisor). JSON {case_no} or {all: true}, "
                       "optional version. 409 migration_refused with errors [{code, message}]", None,
                       params=[path_param("key")])},
    }
    paths["/api/definitions/{key}/versions/{version}"]["get"]["responses"]["200"] = {
        "description": "the file", "content": {"application/xml": {"schema": {"type": "string"}}}}
    schemas = {cls.__name__.removesuffix("Schema"): component(cls) for cls in SCHEMAS}
    return paths, schemas


register_openapi(openapi_parts)
