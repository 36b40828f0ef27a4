"""流程设计 (the process designer's pages): the registry of every process and decision table with its
versions and running cases, each version's diagram (read-only) and XML, version diffs, the deployment log,
the cockpit view of a process, and deploying from the browser (designers only; everyone signed in reads)."""
from __future__ import annotations

import io

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from lxml import etree
from markupsafe import Markup
from sqlalchemy import select

from app.bpmn.model import read_decision_tables, read_process
from app.bpmn.svg import render_svg
from app.bpmn.svg_geometry import SVG_NS
from app.bpmn.xml import parse_untrusted_xml
from app.core.clock import china_today
from app.core.errors import InvalidData
from app.core.inputs import column_int, large_body
from app.designer import migration, registry
from app.designer.deploy import deploy
from app.designer.diffing import diff_versions
from app.designer.records import DeploymentRecord, verify_deployments
from app.engine.definitions import MAX_DEFINITION_BYTES, DefinitionError, read_source
from app.extensions import db
from app.web import bp, current_user, login_required, register_templates, roles_required

MAX_FILES = 20


def _version_or_404(key: str, version: int):
    found = registry.get_version(key, version)
    if found is None:
        abort(404)
    return found


def _registry_page(errors: list[dict] | None = None, message: str | None = None, note: str = "", status: int = 200):
    defs = registry.definitions()
    return render_template("designer.html", defs=defs, counts=registry.running_counts(defs), errors=errors,
                           error_message=message, note=note,
                           can_deploy=current_user().has_role("designer")), status


@bp.get("/designer")
@login_required
def designer():
    return _registry_page()


@bp.post("/designer/deploy")
@large_body("DEFINITION_MAX_CONTENT_LENGTH")
@roles_required("designer")
def designer_deploy():
    note = (request.form.get("note") or "").strip()[:2000]
    uploads = [f for f in request.files.getlist("file") if f and f.filename]
    if not uploads:
        return _registry_page(message=_("请选择要部署的 BPMN 或 DMN 文件。"), note=note, status=422)
    if len(uploads) > MAX_FILES:
        return _registry_page(message=_("一次最多部署 %(n)d 个文件。", n=MAX_FILES), note=note, status=422)
    files = [(registry.safe_filename(f.filename, "upload.bpmn"), f.stream.read(MAX_DEFINITION_BYTES + 1))
             for f in uploads]
    try:
        result = deploy(files, current_user().username, note or None)
    except InvalidData as exc:
        db.session.rollback()
        return _registry_page(errors=exc.problems or [], message=exc.message if not exc.problems else None,
                              note=note, status=422)
    for v in result.created:
        flash(_("已部署 %(name)s（%(key)s）第 %(v)d 版。", name=v.name, key=v.key, v=v.version), "success")
    for v in result.unchanged:
        flash(_("%(key)s 内容未变化，仍为第 %(v)d 版，未创建新版本。", key=v.key, v=v.version), "info")
    return redirect(url_for("web.designer"))


@bp.get("/designer/<key>/v<int:version>")
@login_required
def designer_version(key: str, version: int):
    v = _version_or_404(key, version)
    svg, table = None, None
    if v.kind == "bpmn":
        try:
            svg = Markup(render_svg(v.content, title=f"{v.name} v{v.version}"))
        except ValueError:
            svg = None
    else:
        table = _decision_table(v)
    previous = registry.get_version(key, version - 1) if version > 1 else None
    return render_template("designer_version.html", v=v, svg=svg, table=table, previous=previous,
                           latest=registry.latest_version(key))


@bp.get("/designer/<key>/v<int:version>/download")
@login_required
def designer_download(key: str, version: int):
    v = _version_or_404(key, version)
    response = send_file(io.BytesIO(v.content), mimetype="application/xml", as_attachment=True,
                         download_name=registry.download_name(v), etag=v.sha256, max_age=0)
    response.headers["X-Content-SHA256"] = v.sha256
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/designer/<key>/diff")
@login_required
def designer_diff(key: str):
    latest = registry.latest_version(key)
    if latest is None:
        abort(404)
    new_n = request.args.get("to", latest.version, type=column_int)
    old_n = request.args.get("from", max(new_n - 1, 1), type=column_int)
    old, new = _version_or_404(key, old_n), _version_or_404(key, new_n)
    versions = [v.version for v in reversed(next(d for d in registry.definitions() if d.key == key).versions)]
    return render_template("designer_diff.html", diff=diff_versions(old, new), old=old, new=new,
                           versions=versions, key=key, name=new.name)


@bp.get("/designer/log")
@login_required
def designer_log():
    records = db.session.scalars(select(DeploymentRecord).order_by(DeploymentRecord.seq.desc()).limit(500)).all()
    return render_template("designer_log.html", records=records, result=verify_deployments())


@bp.get("/designer/<key>/cockpit")
@login_required
def designer_cockpit(key: str):
    v = registry.latest_version(key)
    if v is None or v.kind != "bpmn":
        abort(404)
    today = china_today()
    open_, overdue = registry.step_counts(key, today)
    steps = _user_tasks(v)
    counts = {step_id: open_.get(step_id, 0) for step_id, _title in steps}
    supervisor = current_user().has_role("supervisor")

    def link(element_id: str) -> str | None:
        if element_id not in counts:
            return None
        if supervisor and "web.supervision" in _endpoints():
            return url_for("web.supervision", view="open", step=element_id)
        return url_for("web.task_list", scope="available", step=element_id)

    try:
        svg = render_svg(v.content, counts=counts, current={s for s, n in overdue.items() if n}, link=link,
                         title=f"{v.name} v{v.version}")
        svg = Markup(_overdue_badges(svg, overdue))
    except ValueError:
        svg = None
    rows = [(step_id, title, open_.get(step_id, 0), overdue.get(step_id, 0), link(step_id)) for step_id, title in steps]
    return render_template("designer_cockpit.html", v=v, svg=svg, rows=rows, today=today)


# ------------------------------------------------------------------------------------------ helpers

def _endpoints() -> set[str]:
    return set(current_app.view_functions)


def _user_tasks(v) -> list[tuple[str, str]]:
    src = read_source(v.filename, v.content)
    proc = read_process(src.root, src.key)
    return [(n.id, n.name or n.id) for n in proc.nodes.values() if n.tag == "userTask"]


def _overdue_badges(svg: str, overdue: dict[str, int]) -> str:
    """A second, dark badge with the overdue count left of the open-count badge of each step."""
    if not any(overdue.values()):
        return svg
    content = svg.encode("utf-8")
    root = parse_untrusted_xml(content, max_bytes=len(content))  # our own output: no size limit
    for group in root.iter(f"{{{SVG_NS}}}g"):
        element_id = group.get("data-element-id")
        n = overdue.get(element_id or "", 0)
        if not n or "bpmn-node" not in (group.get("class") or ""):
            continue
        existing = next((g for g in group.iter(f"{{{SVG_NS}}}g") if g.get("class") == "bpmn-badge"), None)
        if existing is None:
            continue
        rect = existing.find(f"{{{SVG_NS}}}rect")
        x, y, h = float(rect.get("x")), float(rect.get("y")), float(rect.get("height"))
        text = str(n)
        w = max(20.0, 7.2 * len(text) + 10)
        g = etree.SubElement(existing.getparent(), f"{{{SVG_NS}}}g", {"class": "bpmn-badge overdue",
                                                                    "data-overdue": text})
        etree.SubElement(g, f"{{{SVG_NS}}}title").text = _("超期 %(n)d 件", n=n)
        etree.SubElement(g, f"{{{SVG_NS}}}rect", {"x": f"{x - w - 2:.1f}", "y": f"{y:.1f}", "width": f"{w:.1f}",
                                                  "height": f"{h:.1f}", "rx": f"{h / 2:.1f}", "fill": "#3b2800",
                                                  "stroke": "#ffffff", "stroke-width": "1.5"})
        label = etree.SubElement(g, f"{{{SVG_NS}}}text", {"x": f"{x - w / 2 - 2:.1f}", "y": f"{y + h / 2 + 4:.1f}",
                                                          "font-size": "11.5", "font-weight": "bold",
                                                          "fill": "#ffffff", "text-anchor": "middle"})
        label.text = text
    return etree.tostring(root, encoding="unicode")


def _decision_table(v) -> dict | None:
    """Inputs, outputs and rows of a DMN decision table, for display."""
    try:
        src = read_source(v.filename, v.content)
    except DefinitionError:
        return None
    tables = read_decision_tables(src.root)
    if not tables:
        return None
    table = tables[0]
    inputs = [(i.label or i.id, (i.expression or "").strip()) for i in table.inputs]
    outputs = [o.name or o.label or o.id for o in table.outputs]
    rows = [{"id": r.id, "description": (r.description or "").strip(),
             "inputs": [(cell or "").strip() or "-" for cell in r.inputs],
             "outputs": [(cell or "").strip() for cell in r.outputs]}
            for r in table.rules]
    return {"hit_policy": table.hit_policy or "UNIQUE", "inputs": inputs, "outputs": outputs, "rows": rows}


# ------------------------------------------------------------------------------------------ moving running cases

@bp.get("/designer/<key>/migrate")
@roles_required("supervisor")
def designer_migrate(key: str):
    """迁移运行中案件: the dry run for every running case on an older version of ``key`` (supervisors)."""
    plan = migration.plan(key)
    return render_template("designer_migrate.html", plan=plan, key=key, name=registry.latest_version(key).name,
                           reason_text=lambda r: r.text())


@bp.post("/designer/<key>/migrate")
@roles_required("supervisor")
def designer_migrate_post(key: str):
    """Move one case (``case_no``) or every case that can move (``all``), one transaction per case. A refusal
    goes back to the page with its reason (the web layer's adapter)."""
    version = request.form.get("version", type=column_int)
    case_no = (request.form.get("case_no") or "").strip()
    if case_no:
        migration.migrate_case(current_user(), case_no, key, version)
        flash(_("已迁移案件 %(case_no)s 到最新版本。", case_no=case_no), "success")
    elif request.form.get("all"):
        moved, refused = migration.migrate_all(current_user(), key, version)
        flash(_("已迁移 %(n)d 件案件到最新版本，%(m)d 件不能迁移。", n=len(moved), m=len(refused)),
              "success" if moved else "info")
    return redirect(url_for("web.designer_migrate", key=key))


def init_app(app) -> None:
    register_templates(app, __name__)  # app/designer/templates
