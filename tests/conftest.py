"""Test fixtures. The database comes from TEST_DATABASE_URL (PostgreSQL in CI's second run), else a
temporary SQLite file. The schema is built once per session by the real Alembic migrations; each test
then starts from the demo users, catalogue and deployed diagrams, with no cases."""
from __future__ import annotations

import os
import tempfile

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.records.triggers import EXECUTION_RECORDS

CASE_TABLES = ("clock_pause", "evidence", "committee_meeting", "legal_review_round", "task_item", "execution_record", "approval_case")


def _database_url(tmpdir: str) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmpdir}/test.db"


def _reset_schema(app) -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(directory=os.path.join(app.root_path, "..", "migrations"))


def on_postgres() -> bool:
    return _database_url("").startswith("postgresql")


def pytest_collection_modifyitems(config, items):
    """postgres_only tests (several processes on one database, dropped connections) skip on SQLite."""
    if on_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://… (.ci/run does)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def app():
    tmpdir = tempfile.mkdtemp(prefix="approval-test-")
    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": _database_url(tmpdir), "SECRET_KEY": "test-secret",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "ARCHIVE_DIR": os.path.join(tmpdir, "archive"),  # sealed case files (app.archive), not instance/
    })
    with app.app_context():
        _reset_schema(app)
        from app.services.catalogue import load_catalogue
        from app.services.definitions import deploy_directories
        from app.services.demo import load_demo_users
        load_demo_users()
        load_catalogue(app.config["SERVICE_ITEMS_FILE"])
        deploy_directories(app.config["DEFINITION_DIRS"], "designer", "test setup")
        app.config["BASELINE"] = {
            "definition_version": db.session.scalar(text("SELECT max(id) FROM definition_version")),
            "app_user": db.session.scalar(text("SELECT max(id) FROM app_user")),
            "service_item": db.session.scalar(text("SELECT max(id) FROM service_item")),
            "deployment_record": db.session.scalar(text("SELECT coalesce(max(seq), 0) FROM deployment_record")),
        }
    yield app


def behind_the_triggers(statements: list[str]) -> None:
    """Run SQL on execution_record with the append-only triggers out of the way (tests only: this is
    how an attacker with database access would alter evidence)."""
    EXECUTION_RECORDS.behind(statements)


@pytest.fixture(autouse=True)
def clean_database(app):
    """Every test starts with no cases and with only the baseline users and definition versions."""
    from app.services.definitions import _BUNDLE_CACHE
    _BUNDLE_CACHE.clear()  # compiled bundles are keyed by version ids, which SQLite may reuse after the wipe
    with app.app_context():
        baseline = app.config["BASELINE"]
        behind_the_triggers(
            [f"DELETE FROM {table}" for table in CASE_TABLES]
            + [f"DELETE FROM definition_version WHERE id > {baseline['definition_version']}",
               f"DELETE FROM user_role WHERE user_id > {baseline['app_user']}",
               f"DELETE FROM app_user WHERE id > {baseline['app_user']}",
               f"DELETE FROM service_item WHERE id > {baseline['service_item']}"])
        from app.designer.records import behind_the_triggers as behind_the_deployment_triggers
        behind_the_deployment_triggers([f"DELETE FROM deployment_record WHERE seq > {baseline['deployment_record']}"])
    yield


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


class Api:
    """A small client that signs in as demo users and calls the JSON API."""

    def __init__(self, client):
        self.client = client
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            res = self.client.post("/api/auth/token", json={"username": username, "password": "demo"})
            assert res.status_code == 200, res.get_json()
            self.tokens[username] = res.get_json()["token"]
        return self.tokens[username]

    def call(self, method: str, path: str, user: str | None = None, **kwargs):
        headers = kwargs.pop("headers", {})
        if user:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        res = self.client.open(path, method=method, headers=headers, **kwargs)
        if user and res.status_code == 401 and res.get_json().get("error") == "bad_token":
            # a token from before a frozen-clock jump (tests of deadlines): sign in again, once
            del self.tokens[user]
            headers["Authorization"] = f"Bearer {self.token(user)}"
            res = self.client.open(path, method=method, headers=headers, **kwargs)
        return res

    def get(self, path, user=None, **kw):
        return self.call("GET", path, user, **kw)

    def post(self, path, user=None, **kw):
        return self.call("POST", path, user, **kw)

    # --- workflow helpers -------------------------------------------------------------------------

    def new_case(self, item="XK-002", facts=None, user="clerk") -> dict:
        res = self.post("/api/cases", user, json={
            "item": item, "applicant": {"name": "鞍山示例食品有限公司", "type": "legal_person",
                                        "code": "91210300MA0QC4XB9B"},
            "facts": facts or {}})
        assert res.status_code == 201, res.get_json()
        return res.get_json()

    def case(self, case_no: str) -> dict:
        res = self.get(f"/api/cases/{case_no}", "clerk")
        assert res.status_code == 200, res.get_json()
        return res.get_json()

    def open_task(self, case_no: str, name: str) -> dict:
        tasks = [t for t in self.case(case_no)["tasks"] if t["name"] == name]
        assert tasks, f"{name} is not open on {case_no}: {self.case(case_no)['tasks']}"
        return tasks[0]

    def complete(self, case_no: str, name: str, user: str, data: dict, expect: int = 200) -> dict:
        task = self.open_task(case_no, name)
        res = self.post(f"/api/tasks/{task['id']}/complete", user, json={"data": data})
        assert res.status_code == expect, res.get_json()
        return res.get_json()


@pytest.fixture
def api(client):
    return Api(client)
