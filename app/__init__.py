"""The approval system's Flask application factory."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import default_config, engine_options
from .extensions import babel, csrf, db, migrate
from .serve.database import ApprovalFlask, dispose_engines_after_fork


def create_app(test_config: dict | None = None) -> Flask:
    app = ApprovalFlask(__name__, instance_relative_config=True)
    app.config.from_mapping(default_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    app.json.ensure_ascii = False  # Chinese stays readable in JSON responses
    app.jinja_env.add_extension("jinja2.ext.do")

    from . import models  # noqa: F401  (registers the tables)
    db.init_app(app)
    dispose_engines_after_fork(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))

    from .i18n import compile_catalogues, current_language
    compile_catalogues(app.root_path + "/translations")
    babel.init_app(app, locale_selector=current_language, default_locale="zh")
    csrf.init_app(app)

    from .api import bp as api_bp
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, not cookies
    app.register_blueprint(api_bp)
    from .web import bp as web_bp
    app.register_blueprint(web_bp)
    from .web.public import bp as public_bp
    csrf.exempt(public_bp)  # the public portal: no sign-in, no session, nothing it does changes data
    app.register_blueprint(public_bp)

    from .cli import register_commands
    register_commands(app)
    _install_serving(app)

    # A newly loaded holiday notice or closure changes open deadlines: recompute them, recorded.
    from .calendar.service import calendar_changed
    from .deadlines.service import recompute_open_cases
    calendar_changed.connect(lambda sender, **kwargs: recompute_open_cases(), app, weak=False)
    return app


def _install_serving(app: Flask) -> None:
    """Health check, the reverse proxy's headers, and JSON errors that survive anything escaping Flask."""
    from .serve import errors, health
    health.install(app)
    hops = app.config.get("PROXY_FIX_HOPS", 0)
    if hops:  # only behind that many proxies: the headers are trusted, so a client must not reach us directly
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
    errors.install(app)  # the outermost wrapper


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
