"""Consultation and complaint intake on the public portal (咨询 / 投诉举报, ``/public/contact``).

Anyone may send a consultation, a complaint or a report; it becomes a case (app.complaints.intake) handled
in the staff task list like any other case. The visitor gets the case number as the tracking number and a
query code for the existing progress query, which shows the step and the dates, never the name, the phone
or the content.

The public portal's blueprint is CSRF-exempt (its other pages change nothing), so this form checks the
token itself. Submissions are limited per address (in memory, like the progress query).
"""
from __future__ import annotations

from flask import Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select
from wtforms import ValidationError

from app.catalogue.models import ServiceItem
from app.complaints.intake import (
    ITEM_CODE,
    MAX_CASE_NO,
    MAX_CONTENT,
    MAX_NAME,
    MAX_PHONE,
    MAX_SUBJECT,
    clean,
    submit,
    type_labels,
)
from app.core.errors import ServiceError
from app.core.i18n import current_language
from app.extensions import db
from app.publicity.progress import RateLimiter
from app.publicity.web_public import bp
from app.web import register_templates


def register_pages(app) -> None:
    """This package's templates (public/contact…) for the portal."""
    register_templates(app, __package__)


def _kind_in_sentence(contact_type: str) -> str:
    label = type_labels()[contact_type]
    return label.lower() if current_language() == "en" else label


def contact_limiter() -> RateLimiter:
    ext = current_app.extensions
    if "public_contact_limiter" not in ext:
        ext["public_contact_limiter"] = RateLimiter(current_app.config.get("PUBLIC_CONTACT_LIMIT", 5),
                                                    current_app.config.get("PUBLIC_CONTACT_WINDOW", 600))
    return ext["public_contact_limiter"]


def _item() -> ServiceItem | None:
    return db.session.scalar(select(ServiceItem).where(ServiceItem.code == ITEM_CODE, ServiceItem.active.is_(True)))


def _page(values: dict | None = None, errors: dict | None = None, message: str | None = None,
          status: int = 200) -> Response:
    response = Response(render_template(
        "public/contact.html", section="contact", values=values or {"contact_type": "consultation"},
        errors=errors or {}, message=message, types=type_labels(), item=_item(),
        limits={"name": MAX_NAME, "phone": MAX_PHONE, "subject": MAX_SUBJECT, "content": MAX_CONTENT,
                "about_case_no": MAX_CASE_NO}), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/contact", methods=["GET", "POST"])
def contact():
    if request.method == "GET":
        return _page()
    allowed, wait = contact_limiter().hit(request.remote_addr or "unknown")
    if not allowed:
        response = _page(message=_("提交过于频繁，请 %(seconds)s 秒后再试", seconds=wait), status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    values, errors = clean(request.form)
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return _page(values, errors, _("页面已过期，请核对后重新提交"), 400)
    if errors:
        return _page(values, errors, _("请按提示修改后重新提交"), 422)
    if _item() is None:
        return _page(values, message=_("暂不受理网上咨询投诉，请拨打12345政务服务便民热线"), status=503)
    try:
        case = submit(values)
    except ServiceError as exc:  # e.g. the complaint process is not deployed
        current_app.logger.error("public contact intake failed: %s", exc)
        return _page(values, message=_("暂不受理网上咨询投诉，请拨打12345政务服务便民热线"), status=503)
    response = Response(render_template(
        "public/contact_done.html", section="contact", case_no=case.case_no, code=case.query_code,
        kind=_kind_in_sentence(values["contact_type"]), item=case.item), 201)
    response.headers["Cache-Control"] = "no-store"  # the query code is for this visitor only
    return response
