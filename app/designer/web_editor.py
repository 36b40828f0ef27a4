"""Editing a process in the browser (流程设计 → 在浏览器中编辑): the bpmn-js Modeler (and, for decision tables, the
dmn-js Modeler), installed from the npm registry by ``make setup`` (``npm ci``; package.json / package-lock.json at the repository root), never copied into the
repository.

* ``GET /designer/<key>/edit?from=<version>`` — the editor page (designers), starting from that version (default:
  the latest);
* ``POST /designer/<key>/deploy-xml`` — session-authenticated and CSRF-protected (header ``X-CSRFToken``), JSON
  body ``{xml, note[, validate]}``: validates (only, with ``validate: true``) and deploys the edited XML as a new version of the same definition, through the
  same service as every other deployment. 201 ``{created: [...]}``, 200 ``{unchanged: [...]}`` (same bytes as the
  latest version), 422 ``{message, errors: [{element_id, element_name, message, file, rule}]}``;
* ``GET /vendor/<path>`` — the bpmn-js / dmn-js distribution files the editors need, from
  ``node_modules/{bpmn-js,dmn-js}/dist/``,
  and only the files of a fixed allow-list (anything else, including any path with ``..``, is 404).
"""
from __future__ import annotations

from pathlib import Path

from flask import abort, jsonify, render_template, request, send_file, url_for
from flask_babel import gettext as _

from app.bpmn.model import bpmn, read_process
from app.config import PROJECT_ROOT
from app.core.errors import InvalidData, ServiceError
from app.core.inputs import column_int, large_body, parse_json
from app.core.vocabulary import task_kinds
from app.designer import registry
from app.designer.deploy import definition_refused, deploy, lint_with_latest
from app.engine.definitions import MAX_DEFINITION_BYTES, DefinitionError, read_source
from app.extensions import db
from app.web import bp, current_user, roles_required
from app.web.headers import allow as csp_allow

NODE_MODULES = PROJECT_ROOT / "node_modules"

# URL path under /vendor/ -> file under node_modules/. Nothing else is ever served.
VENDOR_FILES: dict[str, tuple[str, str]] = {
    "bpmn-js/bpmn-modeler.production.min.js": ("bpmn-js/dist/bpmn-modeler.production.min.js", "text/javascript"),
    "bpmn-js/assets/diagram-js.css": ("bpmn-js/dist/assets/diagram-js.css", "text/css"),
    "bpmn-js/assets/bpmn-js.css": ("bpmn-js/dist/assets/bpmn-js.css", "text/css"),
    "bpmn-js/assets/bpmn-font/css/bpmn.css": ("bpmn-js/dist/assets/bpmn-font/css/bpmn.css", "text/css"),
    "bpmn-js/assets/bpmn-font/font/bpmn.woff2": ("bpmn-js/dist/assets/bpmn-font/font/bpmn.woff2", "font/woff2"),
    "bpmn-js/assets/bpmn-font/font/bpmn.woff": ("bpmn-js/dist/assets/bpmn-font/font/bpmn.woff", "font/woff"),
    "bpmn-js/assets/bpmn-font/font/bpmn.ttf": ("bpmn-js/dist/assets/bpmn-font/font/bpmn.ttf", "font/ttf"),
    "bpmn-js/assets/bpmn-font/font/bpmn.eot": ("bpmn-js/dist/assets/bpmn-font/font/bpmn.eot",
                                               "application/vnd.ms-fontobject"),
    "bpmn-js/assets/bpmn-font/font/bpmn.svg": ("bpmn-js/dist/assets/bpmn-font/font/bpmn.svg", "image/svg+xml"),
    # dmn-js (decision tables): the UMD modeler bundle (global ``DmnJS``), its style sheets and the dmn font.
    "dmn-js/dmn-modeler.production.min.js": ("dmn-js/dist/dmn-modeler.production.min.js", "text/javascript"),
    "dmn-js/assets/diagram-js.css": ("dmn-js/dist/assets/diagram-js.css", "text/css"),
    "dmn-js/assets/dmn-js-shared.css": ("dmn-js/dist/assets/dmn-js-shared.css", "text/css"),
    "dmn-js/assets/dmn-js-drd.css": ("dmn-js/dist/assets/dmn-js-drd.css", "text/css"),
    "dmn-js/assets/dmn-js-decision-table.css": ("dmn-js/dist/assets/dmn-js-decision-table.css", "text/css"),
    "dmn-js/assets/dmn-js-decision-table-controls.css": ("dmn-js/dist/assets/dmn-js-decision-table-controls.css",
                                                         "text/css"),
    "dmn-js/assets/dmn-js-literal-expression.css": ("dmn-js/dist/assets/dmn-js-literal-expression.css", "text/css"),
    "dmn-js/assets/dmn-font/css/dmn.css": ("dmn-js/dist/assets/dmn-font/css/dmn.css", "text/css"),
    "dmn-js/assets/dmn-font/font/dmn.woff2": ("dmn-js/dist/assets/dmn-font/font/dmn.woff2", "font/woff2"),
    "dmn-js/assets/dmn-font/font/dmn.woff": ("dmn-js/dist/assets/dmn-font/font/dmn.woff", "font/woff"),
    "dmn-js/assets/dmn-font/font/dmn.ttf": ("dmn-js/dist/assets/dmn-font/font/dmn.ttf", "font/ttf"),
    "dmn-js/assets/dmn-font/font/dmn.eot": ("dmn-js/dist/assets/dmn-font/font/dmn.eot", "application/vnd.ms-fontobject"),
    "dmn-js/assets/dmn-font/font/dmn.svg": ("dmn-js/dist/assets/dmn-font/font/dmn.svg", "image/svg+xml"),
}
EDITOR_KINDS = ("bpmn", "dmn")


def vendor_installed(kind: str = "bpmn") -> bool:
    bundle = "dmn-js/dmn-modeler.production.min.js" if kind == "dmn" else "bpmn-js/bpmn-modeler.production.min.js"
    return (NODE_MODULES / VENDOR_FILES[bundle][0]).is_file()


@bp.get("/vendor/<path:path>")
def vendor(path: str):
    entry = VENDOR_FILES.get(path)
    if entry is None:
        abort(404)
    file = (NODE_MODULES / entry[0]).resolve()
    if not file.is_relative_to(NODE_MODULES.resolve()) or not file.is_file():
        abort(404)  # not installed (run `make setup`)
    response = send_file(Path(file), mimetype=entry[1], max_age=3600, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/designer/<key>/edit")
@roles_required("designer")
def designer_edit(key: str):
    latest = registry.latest_version(key)
    if latest is None or latest.kind not in EDITOR_KINDS:
        abort(404)
    start = request.args.get("from", latest.version, type=column_int)
    v = registry.get_version(key, start)
    if v is None or v.kind != latest.kind:
        abort(404)
    template = "designer_dmn_editor.html" if v.kind == "dmn" else "designer_editor.html"
    if v.kind == "dmn":  # dmn-js sizes its table cells with style attributes: those only, not <style> or scripts
        csp_allow("style-src-attr", "'unsafe-inline'")
    return render_template(template, v=v, latest=latest, xml=v.content.decode("utf-8"),
                           installed=vendor_installed(v.kind), kinds=kind_choices(),
                           deploy_url=url_for("web.designer_deploy_xml", key=key))


def kind_choices() -> list[tuple[str, str]]:
    """The editor's choice of task kind (appr:task kind): every kind the features declared, so a new step
    kind needs no change to the editor's script."""
    return [("", _("普通步骤"))] + [(code, str(kind.label)) for code, kind in task_kinds().items()]


@bp.post("/designer/<key>/deploy-xml")
@large_body("DEFINITION_MAX_CONTENT_LENGTH")
def designer_deploy_xml(key: str):
    # CSRFProtect has already checked the X-CSRFToken header (or csrf_token field) before we get here.
    user = current_user()
    if user is None:
        return jsonify({"error": "unauthorized", "message": _("请先登录。")}), 401
    if not user.has_role("designer"):
        return jsonify({"error": "forbidden", "message": _("只有流程设计人员可以部署。")}), 403
    latest = registry.latest_version(key)
    if latest is None or latest.kind not in EDITOR_KINDS:
        return jsonify({"error": "not_found", "message": _("没有这个流程。")}), 404
    try:
        body = parse_json(request.get_data(cache=True)) if request.is_json else request.form
    except ServiceError as exc:  # not JSON, too deep, a lone surrogate…: the editor shows the reason
        return jsonify({"error": exc.code, "message": exc.message, "errors": []}), exc.status
    if not hasattr(body, "get"):
        body = {}
    xml, note = body.get("xml"), (body.get("note") or "")
    if not isinstance(xml, str) or not xml.strip() or not isinstance(note, str):
        return jsonify({"error": "invalid_data", "message": _("缺少流程 XML。"), "errors": []}), 422
    note = note.strip()[:2000]
    content = xml.encode("utf-8")
    if len(content) > MAX_DEFINITION_BYTES:
        return jsonify({"error": "invalid_data", "message": _("文件过大。"), "errors": []}), 422
    try:
        src = read_source(latest.filename, content)
    except DefinitionError as exc:
        return _problems(InvalidData(_("定义未通过校验。"), problems=[p.to_dict() for p in exc.problems]))
    if src.key != key or src.kind != latest.kind:
        message = (_("决策 id 须保持为 %(key)s（改了 id 就成了另一个决策表）。", key=key) if latest.kind == "dmn"
                   else _("流程 id 须保持为 %(key)s（改了 id 就成了另一个流程）。", key=key))
        return jsonify({"error": "invalid_data", "errors": [{
            "element_id": src.key, "element_name": src.name, "file": latest.filename, "rule": "definition",
            "message": message}],
            "message": _("定义未通过校验。")}), 422
    if body.get("validate") in (True, "1", "true"):
        return _validate_only(src)
    if not note:
        return jsonify({"error": "invalid_data", "message": _("请填写变更说明。"), "errors": [],
                        "fields": {"note": [_("此项为必填项")]}}), 422
    try:
        result = deploy([(latest.filename, content)], user.username, note)
    except InvalidData as exc:
        db.session.rollback()
        return _problems(exc, src)
    if result.created:
        return jsonify({"created": [_version_json(v) for v in result.created]}), 201
    return jsonify({"unchanged": [_version_json(v) for v in result.unchanged]}), 200


def _validate_only(src):
    """The checks of a deployment (compiler and policy linter, with the latest versions of everything else),
    storing nothing."""
    problems = lint_with_latest([src], changed={src.key})
    if problems:
        return _problems(definition_refused(problems), src)
    return jsonify({"valid": True, "errors": []}), 200


def _problems(exc: InvalidData, src=None):
    errors = [_locate_condition(dict(p), src) for p in exc.problems or []]
    return jsonify({"error": exc.code, "message": exc.message, "errors": errors}), 422


def _locate_condition(problem: dict, src) -> dict:
    """The compiler reports a bad condition on its gateway, quoting the expression; the editor points at the
    sequence flow that carries it (``reported_element_id`` keeps the gateway)."""
    gateway, message = problem.get("element_id"), problem.get("message") or ""
    if src is None or src.kind != "bpmn" or not gateway or problem.get("file") not in (None, src.filename):
        return problem
    proc = read_process(src.root, src.key)
    hits = [f for f in (proc.outgoing(gateway) if proc is not None else []) if f.condition and any(
        repr(text) in message for text in {f.condition, f.element.findtext(bpmn("conditionExpression"))})]
    if len(hits) == 1:
        problem.update(reported_element_id=gateway, element_id=hits[0].id, element_name=hits[0].name)
    return problem


def _version_json(v) -> dict:
    return {"key": v.key, "name": v.name, "version": v.version, "sha256": v.sha256, "note": v.note,
            "url": url_for("web.designer_version", key=v.key, version=v.version),
            "edit_url": url_for("web.designer_edit", key=v.key, **{"from": v.version}),
            "registry_url": url_for("web.designer") + f"#def-{v.key}"}
