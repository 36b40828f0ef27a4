"""Production serving: errors under /api/ are JSON whatever breaks, dropped database connections, the
secret key, engine options, CLI commands on a database not migrated, and the `make run` supervisor."""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

from app import config, create_app
from app.extensions import db
from app.records.models import ExecutionRecord
from tests.support import forms as f
from tests.support.database import on_postgres
from tests.support.processes import (
    ROOT,
    call,
    free_port,
    healthy,
    sign_in,
    start_supervisor,
    stop,
    terminate_backends,
    wait_for,
)


def dropped_connection() -> OperationalError:
    """What SQLAlchemy raises when the database dropped the connection under a statement."""
    return OperationalError("SELECT 1", None, Exception("server closed the connection unexpectedly"),
                            connection_invalidated=True)


@pytest.fixture
def fresh_app(app):
    """An app of its own on the test database: routes and teardowns can only be added before the first
    request. Exceptions are handled as in production (not propagated to the test)."""
    own = create_app({"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "SECRET_KEY": "test-secret",
                      "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    own.calls = []
    yield own
    with own.app_context():
        db.engine.dispose()


@pytest.fixture
def served(fresh_app):
    """``fresh_app`` behind a real WSGI server (the test client re-raises on any second start_response,
    which PEP 3333 allows a server only once the headers are out): returns its port."""
    server = make_server("127.0.0.1", 0, fresh_app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(10)


# ---------------------------------------------------------------------------------------------- errors

def test_an_unhandled_error_is_json_500_under_api_and_an_html_page_elsewhere(fresh_app):
    def boom():
        raise RuntimeError("a bug")
    fresh_app.add_url_rule("/api/_boom", "api_boom", boom)
    fresh_app.add_url_rule("/_boom", "boom", boom)
    client = fresh_app.test_client()
    res = client.get("/api/_boom")
    assert res.status_code == 500 and res.is_json
    assert res.get_json()["error"] == "internal_error" and "internal server error" in res.get_json()["message"]
    page = client.get("/_boom")
    assert page.status_code == 500 and page.mimetype == "text/html" and "<h1>500</h1>" in page.get_data(as_text=True)


def test_an_error_escaping_flask_is_answered_json_under_api_by_the_wsgi_guard(fresh_app, served):
    fresh_app.add_url_rule("/api/_ok", "api_ok", lambda: {"ok": True})
    fresh_app.add_url_rule("/_ok", "ok", lambda: "ok")

    @fresh_app.teardown_request
    def broken_teardown(_exc):
        raise RuntimeError("teardown failed")

    status, body = call(served, "GET", "/api/_ok")
    assert status == 500 and body["error"] == "internal_error"
    status, body = call(served, "GET", "/_ok")
    assert status == 500 and "<h1>500</h1>" in body["raw"]


def test_a_session_that_cannot_close_after_the_answer_keeps_the_answer(fresh_app):
    """The response is made (perhaps for a committed action): a dead connection at teardown must not
    turn it into an error the client would retry."""
    def answered():
        db.session.execute(text("SELECT 1"))
        session = db.session()

        def close():
            raise dropped_connection()
        session.close = close
        return {"done": True}
    fresh_app.add_url_rule("/api/_answered", "answered", answered)
    res = fresh_app.test_client().get("/api/_answered")
    assert res.status_code == 200 and res.get_json() == {"done": True}


def test_a_connection_dropped_before_any_write_is_retried_once_and_after_a_write_is_a_json_503(fresh_app):
    def read_then_drop():
        fresh_app.calls.append("read")
        db.session.execute(text("SELECT 1"))
        if len(fresh_app.calls) == 1:
            raise dropped_connection()
        return {"attempt": len(fresh_app.calls)}

    def write_then_drop():
        fresh_app.calls.append("write")
        db.session.execute(text("UPDATE scheduler_lease SET holder = holder WHERE 1 = 0"))
        raise dropped_connection()
    fresh_app.add_url_rule("/api/_read", "read", read_then_drop)
    fresh_app.add_url_rule("/api/_write", "write", write_then_drop)
    client = fresh_app.test_client()
    res = client.get("/api/_read")
    assert res.status_code == 200 and res.get_json() == {"attempt": 2}
    fresh_app.calls.clear()
    res = client.get("/api/_write")
    assert fresh_app.calls == ["write"]  # it may have happened: never run twice
    assert res.status_code == 503 and res.get_json()["error"] == "database_unavailable"
    assert res.headers["Retry-After"] == "5"


def test_health_check(client):
    res = client.get("/healthz")
    assert res.status_code == 200 and res.get_json() == {"status": "ok"}


def test_an_unreachable_database_is_a_json_503_under_api_and_for_the_health_check():
    closed = free_port()  # nothing listens there: connection refused at once
    down = create_app({"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "SECRET_KEY": "x",
                       "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://nobody@127.0.0.1:{closed}/none"})
    client = down.test_client()
    res = client.get("/api/public/decisions")
    assert res.status_code == 503 and res.get_json()["error"] == "database_unavailable", res.get_data(as_text=True)
    assert res.headers["Retry-After"] == "5"
    res = client.get("/healthz")
    assert res.status_code == 503 and res.get_json() == {"status": "database_unavailable"}


def test_behind_a_proxy_the_forwarded_client_and_scheme_are_used_only_when_configured(app):
    def seen():
        from flask import request
        return {"remote": request.remote_addr, "scheme": request.scheme}
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    for hops, expected in ((1, {"remote": "203.0.113.7", "scheme": "https"}),
                           (0, {"remote": "127.0.0.1", "scheme": "http"})):
        own = create_app({"TESTING": True, "SECRET_KEY": "x", "PROXY_FIX_HOPS": hops,
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
        own.add_url_rule("/_seen", "seen", seen)
        res = own.test_client().get("/_seen", headers=forwarded, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert res.get_json() == expected
        with own.app_context():
            db.engine.dispose()


# ---------------------------------------------------------------------------------------------- dropped connections

@pytest.mark.postgres_only
def test_after_the_database_dropped_every_connection_a_read_and_an_action_succeed_once(api, app):
    case_no = api.new_case()["case_no"]
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    assert terminate_backends(url) >= 1  # the pool's connections, among them the one the case was made on
    res = api.get(f"/api/cases/{case_no}", "clerk")
    assert res.status_code == 200, res.get_json()
    task = res.get_json()["tasks"][0]
    terminate_backends(url)
    res = api.post(f"/api/tasks/{task['id']}/complete", "clerk", json={"data": f.ACCEPT})
    assert res.status_code == 200, res.get_json()
    assert [t["name"] for t in res.get_json()["next_tasks"]] == ["review"]
    with app.app_context():
        completed = db.session.scalar(select(func.count()).select_from(ExecutionRecord).where(
            ExecutionRecord.task_id == task["id"], ExecutionRecord.action == "task_completed"))
    assert completed == 1


@pytest.mark.postgres_only
def test_a_connection_dropped_in_the_middle_of_a_request_is_retried_on_a_new_one(fresh_app):
    """Not a simulated error: the request's own backend is terminated between two of its statements."""
    url = fresh_app.config["SQLALCHEMY_DATABASE_URI"]

    def kill_my_backend():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        fresh_app.calls.append(pid)
        if len(fresh_app.calls) == 1:
            engine = create_engine(url)
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
            engine.dispose()
        return {"served_by": db.session.execute(text("SELECT pg_backend_pid()")).scalar()}
    fresh_app.add_url_rule("/api/_kill", "kill", kill_my_backend)
    res = fresh_app.test_client().get("/api/_kill")
    assert res.status_code == 200, res.get_data(as_text=True)
    assert len(fresh_app.calls) == 2 and res.get_json()["served_by"] != fresh_app.calls[0]


# ---------------------------------------------------------------------------------------------- configuration

def _key_in_child(instance: str, barrier, results) -> None:
    barrier.wait(10)
    results.put(config.secret_key(instance))


def test_processes_starting_at_once_on_a_fresh_instance_all_get_one_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("APP_ENV", raising=False)
    mp = multiprocessing.get_context("fork")
    for trial in range(8):
        instance = tmp_path / f"instance{trial}"
        barrier, results = mp.Barrier(6), mp.Queue()
        procs = [mp.Process(target=_key_in_child, args=(str(instance), barrier, results)) for _ in range(6)]
        for p in procs:
            p.start()
        keys = {results.get(timeout=30) for _ in procs}
        for p in procs:
            p.join(10)
        assert len(keys) == 1 and len(next(iter(keys))) == 64, keys
        assert (instance / "secret_key").read_text() == next(iter(keys))
        assert (instance / "secret_key").stat().st_mode & 0o777 == 0o600
        assert [p.name for p in instance.iterdir()] == ["secret_key"]  # no temporary file left behind


def test_production_never_makes_up_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        config.secret_key(str(tmp_path))
    assert not (tmp_path / "secret_key").exists()
    (tmp_path / "secret_key").write_text("operator-provided\n")
    assert config.secret_key(str(tmp_path)) == "operator-provided"
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert config.load_config(str(tmp_path))["SECRET_KEY"] == "from-the-environment"


def test_an_empty_key_file_is_an_error_not_an_empty_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    (tmp_path / "secret_key").write_text("")
    with pytest.raises(config.ConfigError, match="empty"):
        config.secret_key(str(tmp_path))


def test_engine_options_ping_every_connection_and_keep_postgres_ones_alive(app):
    assert config.engine_options("sqlite:///x.db") == {"pool_pre_ping": True}
    pg = config.engine_options("postgresql+psycopg://u@h/d")
    assert pg["pool_pre_ping"] and pg["connect_args"]["keepalives"] == 1 and pg["pool_size"] >= 1
    with app.app_context():
        assert db.engine.pool._pre_ping is True


# ---------------------------------------------------------------------------------------------- CLI

@pytest.fixture
def unmigrated_url(app, tmp_path):
    """A database with nothing in it: a new SQLite file, or on PostgreSQL an empty schema first on the path."""
    if not on_postgres():
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS unmigrated CASCADE; CREATE SCHEMA unmigrated"))
    yield url + ("&" if "?" in url else "?") + "options=-csearch_path%3Dunmigrated"
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA unmigrated CASCADE"))
    engine.dispose()


@pytest.mark.parametrize("args", [["demo", "load"], ["records", "verify"], ["scheduler", "status"],
                                  ["scheduler", "run"], ["tasks", "list", "--as", "clerk"], ["cases", "show", "X", "--as", "clerk"],
                                  ["definitions", "list"], ["calendar", "show", "2026-01"]])
def test_cli_commands_on_a_database_not_migrated_say_what_to_run(unmigrated_url, args):
    empty = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": unmigrated_url})
    result = empty.test_cli_runner().invoke(args=args)
    with empty.app_context():
        db.engine.dispose()
    assert result.exit_code == 1, result.output
    assert "not migrated" in result.output and "flask db upgrade" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


# ---------------------------------------------------------------------------------------------- the supervisor

SUPERVISED = textwrap.dedent("""
    import sys
    from app.serve.supervise import Child, Supervisor
    py = sys.executable
    sleeper = "import os, sys, time; open(sys.argv[1], 'a').write(f'{os.getpid()}\\\\n'); time.sleep(600)"
    web = sys.argv[2]
    children = [Child("web", [py, "-c", web] if web != "sleep" else [py, "-c", sleeper, sys.argv[1] + ".web"],
                      restart=False),
                Child("scheduler", [py, "-c", sleeper, sys.argv[1]], restart=True)]
    sys.exit(Supervisor(children, grace_seconds=5).run())
""")


def _supervise(tmp_path: Path, web: str = "sleep") -> tuple[subprocess.Popen, Path]:
    pids = tmp_path / "scheduler.pids"
    proc = subprocess.Popen([sys.executable, "-c", SUPERVISED, str(pids), web], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc, pids


def _pids(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"


def test_the_supervisor_restarts_a_dead_scheduler_and_stops_both_on_sigterm(tmp_path):
    proc, pids = _supervise(tmp_path)
    try:
        first = wait_for(lambda: _pids(pids), timeout=20, what="the scheduler to start")[0]
        web = wait_for(lambda: _pids(Path(f"{pids}.web")), timeout=20, what="the web server to start")[0]
        os.kill(first, signal.SIGKILL)
        second = wait_for(lambda: _pids(pids)[1:], timeout=20, what="the scheduler to be restarted")[0]
        assert second != first and _alive(web)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    output = proc.stdout.read()
    assert "scheduler exited with status -9" in output and "restarting in 1 s" in output
    assert not _alive(second) and not _alive(web), output


def test_when_the_web_server_exits_the_supervisor_stops_the_scheduler_and_exits_with_its_status(tmp_path):
    proc, pids = _supervise(tmp_path, web="import time, sys; time.sleep(1.5); sys.exit(3)")
    try:
        scheduler = wait_for(lambda: _pids(pids), timeout=20, what="the scheduler to start")[0]
        assert proc.wait(30) == 3
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not _alive(scheduler)
    assert "web exited with status 3: stopping" in proc.stdout.read()


def test_make_run_serves_the_api_with_gunicorn_and_a_scheduler_and_logs_json(app, tmp_path):
    url, port, log = app.config["SQLALCHEMY_DATABASE_URI"], free_port(), tmp_path / "run.log"
    proc = start_supervisor(url, port, log)
    try:
        wait_for(lambda: healthy(port) or proc.poll() is not None, timeout=60, what=f"the server: {log}")
        assert proc.poll() is None, log.read_text()
        token = sign_in(port, "clerk")
        status, body = call(port, "GET", "/api/service-items", token)
        assert status == 200 and any(item["code"] == "XK-002" for item in body["items"])
        status, body = call(port, "GET", "/api/no-such-thing", token)
        assert status == 404 and body["error"] == "not_found"
        wait_for(lambda: "job timers:" in log.read_text(), timeout=30, what="the scheduler's first jobs")
    finally:
        assert stop(proc) == 0, log.read_text()
    output = log.read_text()
    access = [json.loads(line) for line in output.splitlines() if line.startswith('{"time"')]
    assert {"path": "/api/service-items", "status": 200} in [{k: a[k] for k in ("path", "status")} for a in access]
    assert "Booting worker" in output and "lease released" in output and "Traceback" not in output
    assert "supervisor: web stopped" in output and "supervisor: scheduler stopped" in output


def test_each_gunicorn_worker_lays_out_a_document_before_taking_requests(app, monkeypatch):
    """gunicorn.conf.py's post_worker_init warms the worker's document renderer inside the app; a failure
    there is logged and the worker still starts."""
    import runpy
    from types import SimpleNamespace
    from unittest import mock

    from app.documents import pdf

    settings = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    pages = []
    real_renderer = pdf.renderer
    monkeypatch.setattr(pdf, "renderer", lambda: SimpleNamespace(
        pdf=lambda html, meta: pages.append(real_renderer().pdf(html, meta))))
    log = mock.Mock()
    settings["post_worker_init"](SimpleNamespace(wsgi=app, log=log))
    assert not log.exception.called and len(pages) == 1 and pages[0].startswith(b"%PDF")

    monkeypatch.setattr(pdf, "renderer", lambda: 1 / 0)
    settings["post_worker_init"](SimpleNamespace(wsgi=app, log=log))  # does not raise
    assert log.exception.called
