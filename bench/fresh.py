"""A fresh application for a benchmark: its own instance folder (evidence, case files, signing key,
checkpoints), a database rebuilt from the migrations, the demo users, the catalogue, the diagrams, the
document templates and a demo signing key — what `make run` has, without the demo cases.

BENCH_DATABASE_URL names a scratch database (its schema ``public`` is dropped and rebuilt); without it, a
SQLite file in the instance folder."""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fresh_app(name: str, **config):
    """``config``: settings beyond the bench defaults (e.g. ``WTF_CSRF_ENABLED=False``).

    Documents use the reduced font copies a running installation has (app/documents/fonts.py): the
    project's instance/fonts, built here first if missing (≈ 40-75 s, once per machine), so no benchmark
    measures the full faces or a build running beside it; ``DOCUMENT_FONT_CACHE="off"`` measures the full faces."""
    from flask_migrate import upgrade

    from app import create_app
    from app.catalogue.service import load_catalogue
    from app.demo.service import load_demo_users
    from app.designer.deploy import deploy_directories
    from app.documents import fonts
    from app.documents.signing import init_demo_signing
    from app.documents.templating import deploy_directory
    from app.extensions import db

    config.setdefault("DOCUMENT_FONT_CACHE", os.environ.get("DOCUMENT_FONT_CACHE") or str(ROOT / "instance" / "fonts"))
    if config["DOCUMENT_FONT_CACHE"] != "off" and not fonts.ready(config["DOCUMENT_FONT_CACHE"]):
        started = time.perf_counter()
        fonts.build(config["DOCUMENT_FONT_CACHE"])
        print(f"reduced font copies built in {config['DOCUMENT_FONT_CACHE']} in {time.perf_counter() - started:.1f} s")
    tmp = tempfile.mkdtemp(prefix=f"bench-{name}-")
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/{name}.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", **config},
                     instance_path=tmp)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade(directory=str(ROOT / "migrations"))
        load_demo_users()
        load_catalogue(app.config["SERVICE_ITEMS_FILE"])
        deploy_directories(app.config["DEFINITION_DIRS"], "designer")
        init_demo_signing()
        deploy_directory(app.config["DOCUMENT_TEMPLATE_DIR"], "designer")
        db.session.commit()
    return app
