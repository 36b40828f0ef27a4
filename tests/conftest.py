"""Test fixtures. The database comes from TEST_DATABASE_URL (PostgreSQL in CI's second run), else a
temporary SQLite file. The schema is built once per session by the real Alembic migrations; each test
then starts from exactly the rows the baseline left (demo users, catalogue, deployed diagrams): no cases.
Shared helpers live in tests/support/ (test modules never import each other)."""
from __future__ import annotations

import os
import tempfile
import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from tests.support import database
from tests.support.api import Api
from tests.support.chromium import CHROMIUM, CHROMIUM_FLAGS, missing
from tests.support.client import OwnContextClient
from tests.support.web import Browser


def _database_url(tmpdir: str) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmpdir}/test.db"


def pytest_collection_modifyitems(config, items):
    """postgres_only tests (several processes on one database, dropped connections) skip on SQLite."""
    if database.on_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://… (.ci/run does)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def app():
    tmpdir = tempfile.mkdtemp(prefix="approval-test-")
    # Everything the app writes (evidence, case files, the signing key, checkpoints, compiled translations)
    # goes to the session's own instance folder, also for the processes tests start (the scheduler).
    os.environ["APP_INSTANCE_PATH"] = tmpdir
    # The full font faces, here and in the processes tests start: no 40 s build of the reduced copies per
    # session (tests/test_document_fonts.py builds small ones).
    os.environ["DOCUMENT_FONT_CACHE"] = "off"
    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": _database_url(tmpdir), "SECRET_KEY": "test-secret",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }, instance_path=tmpdir)
    app.test_client_class = OwnContextClient
    with app.app_context():
        database.build_schema(app)
        from app.catalogue.service import load_catalogue
        from app.demo.service import load_demo_users
        from app.designer.deploy import deploy_directories
        load_demo_users()
        load_catalogue(app.config["SERVICE_ITEMS_FILE"])
        deploy_directories(app.config["DEFINITION_DIRS"], "designer", "test setup")
        from app.documents.signing import init_demo_signing
        from app.documents.templating import deploy_directory
        init_demo_signing()
        deploy_directory(app.config["DOCUMENT_TEMPLATE_DIR"], "designer", "test setup")
        app.config["BASELINE"] = database.snapshot()
    yield app


@pytest.fixture(autouse=True)
def clean_database(app):
    """Every test starts from the baseline rows: no cases, the demo users as loaded, the shipped diagrams."""
    from app.definitions.service import clear_bundle_cache
    clear_bundle_cache()  # compiled bundles are keyed by version ids, which SQLite may reuse after the reset
    with app.app_context():
        database.restore(app.config["BASELINE"])
        if os.path.exists(app.config["CHECKPOINT_FILE"]):  # the checkpoints' copy outside the database
            os.unlink(app.config["CHECKPOINT_FILE"])
    yield


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(client):
    return Api(client)


@pytest.fixture
def browser(app):
    """``browser()`` a signed-out web client, ``browser("clerk")`` one signed in."""
    return lambda user=None: Browser(app).login(user) if user else Browser(app)


@pytest.fixture
def live_server(app):
    """The app on a free local port, for a real browser."""
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


@pytest.fixture
def chromium():
    """Playwright's handle on Debian's Chromium (skipped, or failed under REQUIRE_BROWSER=1, without it)."""
    if not CHROMIUM:
        missing("no Chromium installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (make setup)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
