"""The administrator's account pages: the list of users with a form to create one, and one user's page —
name, roles and enforcement certificate, disable or re-enable, set a new password, release a lockout, and
the account's log."""
from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.clock import china_time_text
from app.core.errors import InvalidData, ServiceError
from app.core.roles import ROLES
from app.extensions import db
from app.core.i18n import t
from app.users import accounts, principal, throttle
from app.users.records import account_records
from app.web import bp, current_user, roles_required

ACCOUNT_ACTIONS = {"user_created": _l("创建账户"), "user_changed": _l("修改姓名、角色或执法证信息"),
                   "user_disabled": _l("停用账户"), "user_enabled": _l("重新启用账户"),
                   "password_changed": _l("本人修改密码"), "password_set": _l("管理员设置新密码"),
                   "sign_in_locked": _l("登录失败次数过多，已锁定"), "sign_in_unlocked": _l("管理员解除登录锁定"),
                   "principal_designated": _l("设为主要负责人"), "principal_ended": _l("不再担任主要负责人"),
                   "acting_designated": _l("指定代行主要负责人职责"), "acting_ended": _l("结束代行主要负责人职责")}


def _certificate(form) -> accounts.Certificate:
    raw = form.get("certificate_valid_until", "").strip()
    try:
        valid_until = dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        raise InvalidData(_("请输入日期（YYYY-MM-DD）"),
                                   fields={"certificate_valid_until": [_("请输入日期（YYYY-MM-DD）")]})
    return accounts.Certificate(form.get("post"), form.get("certificate_no"), form.get("enforcement_category"),
                                form.get("area"), valid_until)


def _errors(exc: ServiceError) -> dict:
    db.session.rollback()
    return exc.fields or {"_": [exc.message]}


@bp.route("/admin/users", methods=["GET", "POST"])
@roles_required("admin")
def users_admin():
    errors: dict = {}
    if request.method == "POST":
        form = request.form
        try:
            user = accounts.create_user(current_user(), form.get("username", ""), form.get("full_name", ""),
                                        form.getlist("roles"), form.get("password", ""), _certificate(form))
        except ServiceError as exc:
            errors = _errors(exc)
        else:
            flash(_("已创建用户 %(name)s", name=user.full_name), "success")
            return redirect(url_for("web.user_admin", username=user.username))
    return render_template("users_admin.html", users=accounts.list_users(), roles=ROLES, errors=errors,
                           form=request.form), (422 if errors else 200)


@bp.route("/admin/users/<username>", methods=["GET", "POST"])
@roles_required("admin")
def user_admin(username: str):
    accounts.get_user(username)  # 404 for an unknown user, before anything is read from the form
    errors: dict = {}
    if request.method == "POST":
        form = request.form
        try:
            accounts.update_user(current_user(), username, form.get("full_name", ""), form.getlist("roles"),
                                 _certificate(form))
        except ServiceError as exc:
            errors = _errors(exc)
        else:
            flash(_("已保存"), "success")
            return redirect(url_for("web.user_admin", username=username))
    locked = throttle.account_locked_until(username)
    return render_template("user_admin.html", account=accounts.get_user(username), roles=ROLES, errors=errors,
                           records=account_records(username, 50), locked_until=locked,
                           china_time=china_time_text,
                           account_action_label=lambda code: str(ACCOUNT_ACTIONS.get(code, code))), \
        (422 if errors else 200)


@bp.post("/admin/users/<username>/active")
@roles_required("admin")
def user_set_active(username: str):
    active = request.form.get("active") == "1"
    accounts.set_active(current_user(), username, active, request.form.get("reason", ""))
    flash(_("账户已启用") if active else _("账户已停用，其所有登录已失效"), "success")
    return redirect(url_for("web.user_admin", username=username))


@bp.post("/admin/users/<username>/password")
@roles_required("admin")
def user_set_password(username: str):
    accounts.set_password(current_user(), username, request.form.get("password", ""))
    flash(_("已设置新密码，该用户的所有登录已失效"), "success")
    return redirect(url_for("web.user_admin", username=username))


@bp.post("/admin/users/<username>/unlock")
@roles_required("admin")
def user_unlock(username: str):
    accounts.unlock(current_user(), username)
    flash(_("已解除登录锁定"), "success")
    return redirect(url_for("web.user_admin", username=username))


@bp.post("/admin/users/<username>/principal")
@roles_required("admin")
def user_set_principal(username: str):
    """Designate the principal head (主要负责人), a deputy acting for them until a day, or end the acting."""
    form, actor = request.form, current_user()
    designation = form.get("designation", "")
    if designation == "principal":
        principal.designate_principal(actor, username)
        flash(_("已设为主要负责人"), "success")
    elif designation == "acting":
        try:
            until = dt.date.fromisoformat(form.get("until", "").strip())
        except ValueError:
            until = None
        principal.designate_acting(actor, username, until, form.get("ref", ""))
        flash(_("已指定代行主要负责人职责"), "success")
    elif designation == "end_acting":
        principal.end_acting(actor, username)
        flash(_("已结束代行主要负责人职责"), "success")
    else:
        raise InvalidData(t("bad_choice", value=designation), fields={"designation": [t("bad_choice", value=designation)]})
    return redirect(url_for("web.user_admin", username=username))
