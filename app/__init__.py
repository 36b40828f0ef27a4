"""The approval system's Flask application factory."""
from __future__ import annotations

from importlib import import_module

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.config import default_config
from app.extensions import babel, csrf, db, migrate


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(default_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False  # Chinese stays readable in JSON responses
    app.jinja_env.add_extension("jinja2.ext.do")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))

    from app.core.i18n import compile_catalogues, current_language
    compile_catalogues(app.root_path + "/translations")
    babel.init_app(app, locale_selector=current_language, default_locale="zh")
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
    return app


# The packages with an ``init_app``: first those below the kernel (the scheduler, the calendar, users, the
# catalogue), then the kernel, then the features in the order their task-kind handlers run at a shared step
# (e.g. at the decision: the deadlines are set, the legal guard has checked, the decision is recorded, then
# the publication drafted), then the demo data, which uses them all. Features with pages on the public portal
# (documents, annual, complaints) come before publicity, which registers the portal's blueprint.
FEATURES = ("scheduler", "calendar", "users", "catalogue", "cases", "evidence", "deadlines", "intake", "review",
            "legal_review", "decisions", "documents", "annual", "complaints", "publicity", "archive", "anchoring",
            "supervision", "designer", "demo")


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
