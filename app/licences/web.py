"""The licence register's staff pages: a searchable list and one licence with its history."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from app.cases.models import Case
from app.core.clock import china_time_text, china_today
from app.core.i18n import pick
from app.core.inputs import page_number
from app.extensions import db
from app.licences import service
from app.licences.api import VIEWERS
from app.cases.web_panels import case_panel
from app.licences.models import STATUSES
from app.licences.register import licence_by_number, licence_of_case
from app.users.models import User
from app.web import bp, current_user, login_required, register_templates, roles_required

PAGE_SIZE = 50
SYSTEM_ACTORS = ("engine", "scheduler")


def init_app(app) -> None:
    register_templates(app, __name__)  # licences.html, licence.html


@case_panel("_case_licence.html", order=15)
def licence_panel(case, user) -> dict:
    """The licence this case granted, or the one it applies to (change, renewal, cancellation, revocation)."""
    granted = licence_of_case(case)
    number = (case.facts or {}).get("licence_no")
    concerned = licence_by_number(str(number)) if granted is None and number else None
    return {"case_licence": granted or concerned, "case_licence_granted": granted is not None,
            "licence_status_label": service.status_label}


@bp.get("/licences")
@login_required
@roles_required(*VIEWERS)
def licences():
    args = request.args
    status = args.get("status", "")
    filters = service.Filters(holder_code=args.get("holder_code", "")[:64], q=args.get("q", "")[:100],
                              status=status if status in STATUSES else "")
    page = args.get("page", 1, type=page_number)
    total, rows = service.search(current_user(), filters, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    return render_template("licences.html", rows=rows, total=total, filters=filters, statuses=STATUSES,
                           status_label=service.status_label, page=page, pages=max(1, -(-total // PAGE_SIZE)),
                           today=china_today())


@bp.get("/licences/<number>")
@login_required
@roles_required(*VIEWERS)
def licence_page(number: str):
    licence = service.get_licence(current_user(), number)
    events = licence.events
    case_nos = dict(db.session.execute(select(Case.id, Case.case_no).where(
        Case.id.in_([e.case_id for e in events if e.case_id] or [-1]))).all())
    names = dict(db.session.execute(select(User.username, User.full_name).where(
        User.username.in_({e.actor for e in events} or {""}))).all())
    history = [{"at": china_time_text(e.at), "label": service.event_label(e.action, e.details),
                "from": service.status_label(e.from_status) if e.from_status else "",
                "to": service.status_label(e.to_status), "case_no": case_nos.get(e.case_id),
                "by": names.get(e.actor) or (_("系统") if e.actor in SYSTEM_ACTORS else e.actor),
                "details": e.details} for e in events]
    return render_template("licence.html", licence=licence, history=history, status_label=service.status_label,
                           today=china_today(), item_name=pick(licence.item.name, licence.item.name_en))
