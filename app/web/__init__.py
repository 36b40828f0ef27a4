"""The staff web: server-rendered pages for clerks, reviewers, legal staff, the committee secretary and
leaders. Every action goes through the same service layer as the JSON API."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from app.core.access import roles_required as core_roles_required
from app.core.errors import ServiceError
from app.extensions import db

bp = Blueprint("web", __name__, template_folder="../templates/web")

# The frame asks who is signed in; app.users, which keeps the accounts and signs people in, answers.
_session_user = None


def user_loader(load):
    """Register ``load(session) -> user or None`` (app.users does, when its routes are imported)."""
    global _session_user
    _session_user = load
    return load


def current_user():
    """The signed-in user of this request, or None."""
    if "user" not in g:
        g.user = _session_user(session)
    return g.user


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            return redirect(url_for("web.login", next=request.full_path if request.args else request.path))
        return view(*args, **kwargs)
    return wrapped


def roles_required(*roles: str):
    """Signed in (else the sign-in page) and holding one of ``roles`` (else the 403 page)."""
    def decorator(view):
        return login_required(core_roles_required(*roles)(view))
    return decorator


def install_body_limits(app) -> None:
    """Before anything reads the body (CSRF included): a route marked ``app.core.inputs.large_body`` takes its
    larger limit, but only from a signed-in user; everyone else stays within ``MAX_CONTENT_LENGTH``, so a
    large body sent without signing in is refused (413) before it is read."""
    from app.api.helpers import api_user
    from app.core.errors import ServiceError
    from app.core.inputs import raise_body_limit

    def signed_in() -> bool:
        if request.path.startswith("/api/"):
            try:
                return api_user() is not None
            except ServiceError:
                return False
        return current_user() is not None

    @app.before_request
    def _body_limit():
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        limit = raise_body_limit(view, app.config, signed_in) if view else None
        if limit is not None:
            request.max_content_length = limit


def register_templates(app, import_name: str) -> None:
    """Let a feature keep its page templates in its own ``templates/`` folder (a blueprint with no routes)."""
    app.register_blueprint(Blueprint(import_name.replace(".", "_") + "_templates", import_name,
                                     template_folder="templates"))


def safe_next(target: str | None) -> str:
    """Only same-site paths: a sign-in link must not bounce the user to another site."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("web.task_list")


@bp.app_context_processor
def _template_globals():
    from app.core.i18n import current_language
    from app.core.roles import role_label
    return {"current_user": current_user, "role_label": role_label, "lang": current_language()}


@bp.app_template_filter("china_time")
def _china_time(moment, seconds: bool = False) -> str:
    """``{{ record.ts|china_time }}``: every time a person reads is Beijing time (stored values stay UTC)."""
    import datetime as dt

    from app.core.clock import china_time_text
    if isinstance(moment, str):  # a stored ISO text (JSON payloads): naive or with its offset, UTC either way
        try:
            moment = dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
        except ValueError:
            return moment
    return china_time_text(moment, seconds=seconds)


@bp.app_errorhandler(403)
def _forbidden(exc):
    if request.path.startswith("/api/"):
        return exc
    return render_template("error.html", code=403, description=getattr(exc, "description", None)), 403


@bp.app_errorhandler(404)
def _not_found(exc):
    if request.path.startswith("/api/"):
        from flask import jsonify

        from app.core.i18n import t
        return jsonify({"error": "not_found", "message": t("not_found", what=request.path)}), 404
    return render_template("error.html", code=404, description=None), 404


@bp.app_errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    """The one adapter from a refused action to a page: after a form post, back where the user came from with
    the reason shown; otherwise the error page with the reason and the status."""
    db.session.rollback()
    if request.method == "POST" and request.referrer:
        back = urlsplit(request.referrer)
        if back.netloc == request.host:
            flash(exc.message, "error")
            return redirect(safe_next(back.path + (f"?{back.query}" if back.query else "")))
    return render_template("error.html", code=exc.status, description=exc.message), exc.status


@bp.app_errorhandler(400)
def _bad_request(exc):
    if request.path.startswith("/api/"):
        return exc
    return render_template("error.html", code=400, description=getattr(exc, "description", None)), 400

