"""The new-application page (登记新申请): the application, its applicant and facts, and its materials."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from app.cases import service as case_service
from app.cases.confidentiality import CONFIDENTIALITY_CLASSES, CONFIDENTIALITY_LABELS
from app.catalogue.models import ServiceItem
from app.core.errors import ServiceError
from app.core.inputs import large_body
from app.core.schemas import localized
from app.evidence.web import posted_uploads
from app.extensions import db
from app.intake.schemas import APPLICANT_TYPES, CaseCreateSchema
from app.web import bp, current_user, register_templates, roles_required

# Facts asked for on this page (the review steps ask for the others).
FACT_FIELDS = ("project_name", "description", "investment")


def init_app(app) -> None:
    register_templates(app, __name__)  # new_case.html


@bp.route("/cases/new", methods=["GET", "POST"])
@large_body("UPLOAD_MAX_CONTENT_LENGTH")  # the application's materials
@roles_required("clerk")
def new_case():
    items = db.session.scalars(select(ServiceItem).where(ServiceItem.active.is_(True))
                               .order_by(ServiceItem.code)).all()
    values, errors = dict(request.form), {}
    if request.method == "POST":
        try:
            data = CaseCreateSchema().load(_posted_application())
            case = case_service.create_case(current_user(), data["item"], data["applicant"], data["facts"],
                                            confidentiality=data["confidentiality"], attachments=posted_uploads())
        except ValidationError as exc:
            errors = _flatten_errors(exc.messages)
        except ServiceError as exc:
            db.session.rollback()
            errors = _flatten_errors(exc.fields or {"_": [exc.message]})
        else:
            flash(_("申请已登记，案件编号 %(case_no)s", case_no=case.case_no), "success")
            return redirect(url_for("web.case_page", case_no=case.case_no))
    return render_template("new_case.html", items=items, values=values, errors=errors,
                           applicant_types=APPLICANT_TYPES, classes=CONFIDENTIALITY_CLASSES,
                           class_labels=CONFIDENTIALITY_LABELS), (422 if errors else 200)


def _posted_application() -> dict:
    """The form as the API's CaseCreate body."""
    form = request.form
    return {"item": form.get("item", ""), "confidentiality": form.get("confidentiality"),
            "applicant": {"name": form.get("applicant_name", ""), "type": form.get("applicant_type", ""),
                          "code": form.get("applicant_code") or None},
            "facts": {k: form[k] for k in FACT_FIELDS if form.get(k)}}


def _flatten_errors(messages: dict, prefix: str = "") -> dict[str, list[str]]:
    """{'applicant': {'code': [...]}} -> {'applicant_code': [...]} to match the page's field names."""
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten_errors(value, f"{name}_" if key != "facts" else ""))
        else:
            flat[name] = [localized(v) for v in value] if isinstance(value, list) else [localized(value)]
    return flat
