"""The inbox page and the unread count in the header."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.inbox import service
from app.web import bp, current_user, login_required, register_templates


def init_app(app) -> None:
    register_templates(app, __name__)

    @app.context_processor
    def _inbox_count():
        def inbox_unread() -> int:  # only computed where the header shows it (a signed-in page)
            user = current_user()
            return service.unread_count(user.username) if user else 0
        return {"inbox_unread": inbox_unread}


@bp.get("/inbox")
@login_required
def inbox():
    user = current_user()
    return render_template("inbox.html", notices=service.notices(user.username), text=service.notice_text)


@bp.post("/inbox/read")
@login_required
def inbox_read():
    service.mark_all_read(current_user().username)
    flash(_("已全部标为已读"), "success")
    return redirect(url_for("web.inbox"))
