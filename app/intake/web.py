"""The new-application page (登记新申请): the application, its applicant (contact and representative
included) and facts, and its materials. A one-time token stops the same form registering twice (Back and
submit again); a warning asks before a second case for the same applicant and item on one day; files chosen
before a refused submission are kept for the next one."""
from __future__ import annotations

import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from app.cases import service as case_service
from app.cases.web_panels import task_main_panel
from app.cases.confidentiality import CONFIDENTIALITY_CLASSES, CONFIDENTIALITY_LABELS
from app.catalogue.models import ServiceItem
from app.core.errors import ServiceError
from app.core.i18n import t
from app.core.inputs import large_body
from app.core.schemas import localized
from app.evidence.service import Upload
from app.evidence.web import posted_uploads
from app.extensions import db
from app.intake import staging
from app.intake.registration import DuplicateForm, same_applicant_today, token_case_no
from app.intake.schemas import APPLICANT_TYPES, CaseCreateSchema
from app.web import bp, current_user, register_templates, roles_required

# Facts asked for on this page (the review steps ask for the others).
FACT_FIELDS = ("project_name", "description", "investment", "licence_no", "licence_scope")
CONTACT_FIELDS = ("phone", "address", "id_number", "legal_representative")


def init_app(app) -> None:
    register_templates(app, __name__)  # new_case.html


@bp.route("/cases/new", methods=["GET", "POST"])
@large_body("UPLOAD_MAX_CONTENT_LENGTH")  # the application's materials
@roles_required("clerk")
def new_case():
    items = db.session.scalars(select(ServiceItem).where(ServiceItem.active.is_(True))
                               .order_by(ServiceItem.code)).all()
    user = current_user()
    values, errors, same_today = dict(request.form), {}, []
    token = request.form.get("form_token") or secrets.token_urlsafe(24)
    if request.method == "POST":
        if done := token_case_no(token):  # Back, then submit again: the case exists already
            flash(t("duplicate_form", case_no=done), "warning")
            return redirect(url_for("web.case_page", case_no=done))
        uploads = posted_uploads()
        try:
            data = CaseCreateSchema().load(_posted_application())
            item = next((i for i in items if i.code == data["item"]), None)
            if item is not None and not request.form.get("confirm_same"):
                same_today = same_applicant_today(item.id, data["applicant"]["name"], data["applicant"].get("code"))
            if same_today:
                raise ServiceError(t("same_applicant_today", cases="、".join(same_today)), code="same_applicant_today")
            kept = staging.open_staged(user.id, token, request.form.get("file_confidentiality", "internal"),
                                       request.form.get("file_description"), Upload)
            case = case_service.create_case(user, data["item"], data["applicant"], data["facts"],
                                            confidentiality=data["confidentiality"], contact=data["contact"],
                                            attachments=kept + uploads, form_token=token)
        except ValidationError as exc:
            errors = _flatten_errors(exc.messages)
        except DuplicateForm as exc:  # spent between our check and the commit (two quick clicks)
            db.session.rollback()
            flash(exc.message, "warning")
            return redirect(url_for("web.case_page", case_no=exc.case_no) if exc.case_no else url_for("web.task_list"))
        except ServiceError as exc:
            db.session.rollback()
            errors = _flatten_errors(exc.fields or {"_": [exc.message]})
        else:
            staging.discard(user.id, token)
            flash(_("申请已登记，案件编号 %(case_no)s", case_no=case.case_no), "success")
            if request.form.get("then") == "next":  # 提交并登记下一件
                return redirect(url_for("web.new_case"))
            return redirect(url_for("web.case_page", case_no=case.case_no))
        staging.stage(user.id, token, [u for u in uploads if u.filename])  # kept for the next submission
    return render_template("new_case.html", items=items, values=values, errors=errors, form_token=token,
                           staged=staging.staged(user.id, token), same_today=same_today,
                           applicant_types=APPLICANT_TYPES, classes=CONFIDENTIALITY_CLASSES,
                           class_labels=CONFIDENTIALITY_LABELS), (422 if errors else 200)


def _posted_application() -> dict:
    """The form as the API's CaseCreate body."""
    form = request.form
    return {"item": form.get("item", ""), "confidentiality": form.get("confidentiality") or "internal",
            "applicant": {"name": form.get("applicant_name", ""), "type": form.get("applicant_type", ""),
                          "code": form.get("applicant_code") or None},
            "contact": {k: form[k].strip() for k in CONTACT_FIELDS if form.get(k, "").strip()},
            "facts": {k: form[k] for k in FACT_FIELDS if form.get(k)}}


def _flatten_errors(messages: dict, prefix: str = "") -> dict[str, list[str]]:
    """{'applicant': {'code': [...]}} -> {'applicant_code': [...]} to match the page's field names."""
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten_errors(value, f"{name}_" if key not in ("facts", "contact") else ""))
        else:
            flat[name] = [localized(v) for v in value] if isinstance(value, list) else [localized(value)]
    return flat


@task_main_panel("_intake_materials.html", order=20)
def intake_materials(task, user) -> dict:
    """On the 收件 step: the item's required materials from the catalogue, to tick off one by one."""
    return {"intake_materials": list(task.case.item.materials or []) if task.kind == "receive" else []}
