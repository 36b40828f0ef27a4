"""Signing in and out of the staff web (the session's user is what the frame's ``current_user`` returns),
changing one's password, and the language a user reads it in."""
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from app.core.errors import InvalidData, TooManyRequests, Unauthorized
from app.extensions import db
from app.users import accounts
from app.users.auth import WEB, authenticate, end_session, start_session, user_from_session
from app.web import (
    bp,
    current_user,
    login_required,
    register_templates,
    safe_next,
    user_loader,
)

user_loader(user_from_session)


def init_app(app) -> None:
    register_templates(app, __name__)  # login.html, password.html, the administrator's pages


def _open_session(user) -> None:
    """A new session (a new token: never the one from before sign-in), its cookie kept for the session's life."""
    token = start_session(user, WEB)
    db.session.commit()
    session.clear()
    session.permanent = True
    session.update(sid=token, lang=user.language)


@bp.route("/login", methods=["GET", "POST"])
def login():
    error, status = None, 200
    if request.method == "POST":
        try:
            user = authenticate(request.form.get("username", "").strip(), request.form.get("password", ""))
        except Unauthorized:
            error, status = _("用户名或密码错误"), 401
        except TooManyRequests as exc:
            db.session.rollback()
            error, status = exc.message, 429
        else:
            _open_session(user)
            return redirect(safe_next(request.args.get("next")))
    return render_template("login.html", error=error), status


@bp.post("/logout")
def logout():
    end_session(session.get("sid"))
    db.session.commit()
    session.clear()
    flash(_("您已退出登录"), "info")
    return redirect(url_for("web.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """The user's own password: the current one, then the new one twice. Every other session of the user
    ends; this browser gets a new one."""
    errors: dict = {}
    if request.method == "POST":
        user = current_user()
        new = request.form.get("new_password", "")
        try:
            if new != request.form.get("confirm_password", ""):
                mismatch = _("两次输入的新密码不一致")
                raise InvalidData(mismatch, fields={"confirm_password": [mismatch]})
            accounts.change_own_password(user, request.form.get("current_password", ""), new)
        except (InvalidData, TooManyRequests) as exc:
            db.session.rollback()
            errors = exc.fields or {"current_password": [exc.message]}
        else:
            _open_session(user)
            flash(_("密码已修改，其他设备上的登录已失效"), "success")
            return redirect(url_for("web.task_list"))
    return render_template("password.html", errors=errors), (422 if errors else 200)


@bp.post("/language")
@login_required
def set_language():
    lang = request.form.get("lang")
    if lang in ("zh", "en"):
        user = current_user()
        user.language = lang
        db.session.commit()
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")))
