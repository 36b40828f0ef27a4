"""Signing in and out of the staff web (the session's user is what the frame's ``current_user`` returns),
and the language a user reads it in."""
from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from app.core.errors import Unauthorized
from app.extensions import db
from app.users.auth import authenticate, user_from_session
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
    register_templates(app, __name__)  # login.html


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            user = authenticate(request.form.get("username", "").strip(), request.form.get("password", ""))
        except Unauthorized:
            error = _("用户名或密码错误")
        else:
            session.clear()
            session.permanent = True
            session.update(user_id=user.id, pw=user.password_hash[-12:], lang=user.language)
            return redirect(safe_next(request.args.get("next")))
    return render_template("login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    session.clear()
    flash(_("您已退出登录"), "info")
    return redirect(url_for("web.login"))


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
