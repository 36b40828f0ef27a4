"""The approval system's Flask application factory."""
from __future__ import annotations

from importlib import import_module

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import instance_path_from_env, load_config
from app.extensions import babel, csrf, db, migrate
from app.serve.database import ApprovalFlask, dispose_engines_after_fork


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """The application; ``instance_path`` (or APP_INSTANCE_PATH) is the folder it writes its files to."""
    app = ApprovalFlask(__name__, instance_relative_config=True,
                        instance_path=instance_path or instance_path_from_env())
    app.config.from_mapping(load_config(app.instance_path, test_config))
    app.json.ensure_ascii = False  # Chinese stays readable in JSON responses
    app.jinja_env.add_extension("jinja2.ext.do")

    db.init_app(app)
    dispose_engines_after_fork(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))

    from app.core.i18n import compile_catalogues, current_language, install_template_gettext
    compile_catalogues(app.root_path + "/translations", app.config["TRANSLATIONS_BUILD_DIR"])
    babel.init_app(app, locale_selector=current_language, default_locale="zh",
                   default_translation_directories=app.config["TRANSLATIONS_BUILD_DIR"])
    install_template_gettext(app)
    from app.core.inputs import ColumnIntConverter
    app.url_map.converters["int"] = ColumnIntConverter  # a 20-digit id is a 404, not a database overflow
    from app.web import headers, install_body_limits
    install_body_limits(app)  # before CSRF protection reads a form
    headers.install(app)  # Content-Security-Policy and the other security headers on every response
    csrf.init_app(app)

    # Each package registers its tables, adds its routes to the shared blueprints, its templates, commands,
    # jobs and messages, and its task-kind handlers to the case kernel.
    for feature in FEATURES:
        import_module(f"app.{feature}").init_app(app)

    from app.api import bp as api_bp
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, not cookies
    app.register_blueprint(api_bp)
    from app.web import bp as web_bp
    app.register_blueprint(web_bp)
    # A command run against a database that is not migrated yet says so, and what to run (not a traceback).
    from app.core.schema_guard import guard_commands
    for command in app.cli.commands.values():
        guard_commands(command)
    _install_serving(app)
    return app


def _install_serving(app: Flask) -> None:
    """Health check, the reverse proxy's headers, and JSON errors that survive anything escaping Flask."""
    from app.serve import errors, health
    health.install(app)
    hops = app.config.get("PROXY_FIX_HOPS", 0)
    if hops:  # only behind that many proxies: the headers are trusted, so a client must not reach us directly
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
    errors.install(app)  # the outermost wrapper


# The packages with an ``init_app``: first those below the kernel (the scheduler, the calendar, users, the
# catalogue), then the kernel, then the features in the order their task-kind handlers run at a shared step
# (e.g. at the decision: the deadlines are set, the legal guard has checked, the decision is recorded, then
# the publication drafted), then the demo data, which uses them all. Features with pages on the public portal
# (documents, annual, complaints) come before publicity, which registers the portal's blueprint.
FEATURES = ("scheduler", "calendar", "users", "catalogue", "cases", "evidence", "deadlines", "intake", "review",
            "legal_review", "hearing", "decisions", "licences", "documents", "annual", "complaints", "publicity",
            "archive", "anchoring", "supervision", "withdrawal", "designer", "opinions", "inbox", "idempotency", "demo")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: enforce foreign keys, wait for locks instead of failing, and write through a WAL."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
