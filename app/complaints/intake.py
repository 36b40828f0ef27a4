"""Consultations and complaints from the public (咨询 / 投诉举报): the submitted form's checks, and the case
of the service item ``ZX-TS`` (process ``complaint``, bpmn/complaint.bpmn) it becomes.

The case is created by a service account, ``public-intake``: created on first use, inactive and with a
password hash that matches no password, so nobody can sign in as it; it holds the clerk role only because
creating a case needs it.
"""
from __future__ import annotations

import re
import secrets

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.cases import service as case_service
from app.core.i18n import t
from app.extensions import db
from app.users.models import User, UserRole

ITEM_CODE = "ZX-TS"
INTAKE_USERNAME = "public-intake"
CONTACT_TYPES = ("consultation", "complaint", "report")
ANONYMOUS = "匿名"
MAX_NAME, MAX_PHONE, MAX_SUBJECT, MAX_CONTENT, MAX_CASE_NO = 50, 20, 100, 2000, 32
# 手机 11 digits starting 1[3-9]; 固定电话 area code 0xx(x) and 7–8 digits, optionally -extension; 12345-style
# service numbers are not a way to reach a person and are refused.
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
CASE_NO = re.compile(r"^[A-Z]{2}-\d{4}-\d{6}$")


def type_labels() -> dict[str, str]:
    return {"consultation": _("咨询"), "complaint": _("投诉"), "report": _("举报")}


# ------------------------------------------------------------------------------------------ validation

def _one_line(value: str | None) -> str:
    return " ".join((value or "").split())


def clean(form) -> tuple[dict, dict[str, list[str]]]:
    """The submitted values, trimmed, and the errors by field."""
    values = {
        "contact_type": (form.get("contact_type") or "").strip(),
        "name": _one_line(form.get("name")),
        "phone": "".join((form.get("phone") or "").split()),
        "subject": _one_line(form.get("subject")),
        "content": (form.get("content") or "").replace("\r\n", "\n").strip(),
        "about_case_no": "".join((form.get("about_case_no") or "").split()).upper(),
    }
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if values["contact_type"] not in CONTACT_TYPES:
        err("contact_type", t("required") if not values["contact_type"] else t("bad_choice",
                                                                             value=values["contact_type"]))
    if not values["name"] and values["contact_type"] != "report":
        err("name", _("咨询和投诉请留下姓名；只有举报可以匿名"))
    if len(values["name"]) > MAX_NAME:
        err("name", t("too_long", max=MAX_NAME))
    if values["phone"] and not (MOBILE.match(values["phone"]) or LANDLINE.match(values["phone"])):
        err("phone", _("请输入11位手机号码或带区号的固定电话，如 13800000000、0412-1234567"))
    if not values["subject"]:
        err("subject", t("required"))
    elif len(values["subject"]) > MAX_SUBJECT:
        err("subject", t("too_long", max=MAX_SUBJECT))
    if not values["content"]:
        err("content", t("required"))
    elif len(values["content"]) > MAX_CONTENT:
        err("content", t("too_long", max=MAX_CONTENT))
    if values["about_case_no"] and (len(values["about_case_no"]) > MAX_CASE_NO
                                    or not CASE_NO.match(values["about_case_no"])):
        err("about_case_no", _("受理编号格式如 XK-2026-000001"))
    return values, errors


# ------------------------------------------------------------------------------------------ the case

def intake_user() -> User:
    """The service account that registers public submissions, created on first use."""
    user = db.session.scalar(select(User).where(User.username == INTAKE_USERNAME))
    if user is not None:
        return user
    # No password hash werkzeug can match ("!" is no method), and inactive: no sign-in, no token, and not
    # offered in any user picker. The clerk role is what create_case asks of whoever registers a case.
    user = User(username=INTAKE_USERNAME, full_name="公众咨询投诉受理（系统账号）",
                password_hash="!no-login-" + secrets.token_hex(8), active=False)
    user.role_rows = [UserRole(role="clerk")]
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # another request created it first
        db.session.rollback()
        user = db.session.scalar(select(User).where(User.username == INTAKE_USERNAME))
    return user


def submit(values: dict):
    """Create the case; returns it (its case_no is the tracking number, query_code the code)."""
    applicant = {"name": values["name"] or ANONYMOUS, "type": "natural_person", "code": None}
    facts = {"contact_type": values["contact_type"], "subject": values["subject"], "content": values["content"],
             "contact_name": values["name"] or None, "phone": values["phone"] or None,
             "about_case_no": values["about_case_no"] or None}
    return case_service.create_case(intake_user(), ITEM_CODE, applicant, facts)
