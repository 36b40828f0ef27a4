"""公示管理: clerks and leaders review the publication drafts of decisions (edit, redact), publish them or
withhold them (with a reason and a leader's approval), and later update or withdraw a published record.
Every action goes through app.publicity.publications and is an execution record on the case."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.calendar.service import calendar
from app.cases.confidentiality import CONFIDENTIALITY_LABELS as CLASS_LABELS
from app.core.clock import china_today
from app.core.errors import ServiceError
from app.core.inputs import column_int
from app.evidence.models import Evidence
from app.extensions import db
from app.publicity import fields as pf
from app.publicity import publications as ps
from app.publicity.models import LIVE_STATES, PENDING_REVIEW, STATES, WITHHOLD_CLASSES, WITHHOLD_GROUNDS
from app.publicity.portal import public_published_on
from app.users.models import User, UserRole
from app.web import bp, current_user, register_templates, roles_required

STAFF = ("clerk", "leader")


def register_pages(app) -> None:
    """This package's templates (publications, publication, public/…) for the staff web and the portal."""
    register_templates(app, __package__)


def _workdays_left(due: dt.date | None) -> int | None:
    if due is None:
        return None
    return calendar().workdays_between(china_today(), due)


@bp.get("/publications")
@roles_required(*STAFF)
def publications():
    state = request.args.get("state", PENDING_REVIEW)
    if state not in STATES and state != "all":
        state = PENDING_REVIEW
    rows = ps.staff_list(current_user(), None if state == "all" else state)
    return render_template("publications.html", rows=rows, state=state, states=STATES, counts=ps.state_counts(),
                           state_label=ps.state_label, today=china_today(), workdays_left=_workdays_left,
                           is_overdue=ps.is_overdue)


def _detail(pub, errors: dict | None = None, values: dict | None = None, form: str | None = None, status: int = 200):
    case = pub.case
    secret_files = dict(db.session.execute(
        select(Evidence.confidentiality, func.count(Evidence.id))
        .where(Evidence.case_id == case.id, Evidence.superseded.is_(False),
               Evidence.confidentiality.in_(WITHHOLD_CLASSES)).group_by(Evidence.confidentiality)).all())
    leaders = db.session.scalars(select(User).join(UserRole).where(UserRole.role == "leader", User.active.is_(True))
                                 .order_by(User.username)).all()
    return render_template(
        "publication.html", pub=pub, case=case, fields=pf.FIELD_NAMES, editable=pf.EDITABLE,
        masked=pf.MASKED, errors=errors or {}, values=values or {}, form=form, state_label=ps.state_label,
        pending=pub.state == PENDING_REVIEW, live=pub.state in LIVE_STATES, withhold_classes=WITHHOLD_CLASSES,
        withhold_grounds=WITHHOLD_GROUNDS,
        withhold_label=ps.withhold_label, class_labels=CLASS_LABELS,
        secret_files=secret_files, leaders=leaders, today=china_today(), workdays_left=_workdays_left,
        is_overdue=ps.is_overdue, field_label=pf.field_label,
        subject_types=pf.SUBJECT_TYPES, id_types=pf.ID_TYPES, permit_categories=pf.PERMIT_CATEGORIES,
        published_on=public_published_on(pub), me=current_user(), mask=pf.mask_id,
        history_label=_history_label), status


def _history_label(action: str) -> str:
    return {"drafted": _("决定作出，生成公示草稿"), "redrafted": _("重新作出决定，更新公示草稿"),
            "edited": _("修改公示信息"), "redacted": _("去除涉密或隐私内容"), "published": _("审核通过并公开"),
            "withheld": _("不予公开"), "updated": _("更新公示"), "withdrawn": _("撤回公示")}.get(action, action)


def _pub_or_404(pub_id: int):
    try:
        return ps.staff_publication(current_user(), pub_id)
    except ServiceError as exc:
        db.session.rollback()
        abort(exc.status)


@bp.get("/publications/<int:pub_id>")
@roles_required(*STAFF)
def publication(pub_id: int):
    return _detail(_pub_or_404(pub_id))


def _field_values() -> dict[str, str]:
    return {name: request.form.get(f"f_{i}", "") for i, name in enumerate(pf.FIELD_NAMES)
            if name in pf.EDITABLE and f"f_{i}" in request.form}


def _version() -> int | None:
    return request.form.get("version", type=column_int)


def _run(pub_id: int, form: str, action, done: str):
    """Run the action; on success back to the page with a message, else the page again with the errors
    beside the fields and everything typed kept."""
    _pub_or_404(pub_id)
    try:
        action()
    except ServiceError as exc:
        db.session.rollback()
        pub = _pub_or_404(pub_id)
        errors = dict(exc.fields or {})
        errors["_"] = [exc.message]
        values = {**{name: v for name, v in _field_values().items()}, **{
            k: v for k, v in request.form.items() if not k.startswith("f_")}}
        return _detail(pub, errors=errors, values=values, form=form, status=exc.status)
    flash(done, "success")
    return redirect(url_for("web.publication", pub_id=pub_id))


@bp.post("/publications/<int:pub_id>/fields")
@roles_required(*STAFF)
def publication_save(pub_id: int):
    form = request.form
    return _run(pub_id, "fields", lambda: ps.save_fields(
        current_user(), pub_id, _field_values(), reason=form.get("reason", ""),
        redaction_class=form.get("redaction_class") or None, expected_version=_version()), _("公示信息已保存"))


@bp.post("/publications/<int:pub_id>/publish")
@roles_required(*STAFF)
def publication_publish(pub_id: int):
    return _run(pub_id, "publish", lambda: ps.publish(current_user(), pub_id, expected_version=_version()),
                _("已在公示平台公开"))


@bp.post("/publications/<int:pub_id>/withhold")
@roles_required(*STAFF)
def publication_withhold(pub_id: int):
    form = request.form
    return _run(pub_id, "withhold", lambda: ps.withhold(
        current_user(), pub_id, withhold_class=form.get("withhold_class", ""), reason=form.get("reason", ""),
        approver=form.get("approver", ""), expected_version=_version()), _("已作不予公开处理"))


@bp.post("/publications/<int:pub_id>/update")
@roles_required(*STAFF)
def publication_update(pub_id: int):
    return _run(pub_id, "fields", lambda: ps.update_published(
        current_user(), pub_id, _field_values(), reason=request.form.get("reason", ""),
        expected_version=_version()), _("公示信息已更新"))


@bp.post("/publications/<int:pub_id>/withdraw")
@roles_required(*STAFF)
def publication_withdraw(pub_id: int):
    return _run(pub_id, "withdraw", lambda: ps.withdraw(
        current_user(), pub_id, reason=request.form.get("reason", ""), expected_version=_version()),
        _("公示已撤回，当前状态为“无效”"))
