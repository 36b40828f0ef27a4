"""Helpers for the tests that run real servers and schedulers as processes, and drop database connections."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent


def terminate_backends(url: str) -> int:
    """What a database restart or failover does to every open connection: end all backends of this database
    but our own, waiting (up to 5 s each) until they are gone. Returns how many there were."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    finally:
        engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout: float = 60, what: str = "condition", every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def start_supervisor(database_url: str, port: int, log: Path, **env) -> subprocess.Popen:
    """``make run``'s last step (gunicorn + scheduler under app.serve.supervise) on ``port``."""
    full_env = dict(os.environ, FLASK_APP="app", DATABASE_URL=database_url, PORT=str(port), SECRET_KEY="test-secret",
                    WEB_CONCURRENCY="2", **env)
    return subprocess.Popen([sys.executable, "-m", "app.serve.supervise"], cwd=ROOT, env=full_env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen, timeout: float = 45) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()


def call(port: int, method: str, path: str, token: str | None = None, body: dict | None = None) -> tuple[int, dict]:
    """One HTTP request to a server of ours; the answer's status and JSON body (``{"raw": …}`` if not JSON)."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        res = conn.getresponse()
        raw = res.read()
    finally:
        conn.close()
    try:
        return res.status, json.loads(raw)
    except ValueError:
        return res.status, {"raw": raw.decode(errors="replace")}


def healthy(port: int) -> bool:
    try:
        return call(port, "GET", "/healthz")[0] == 200
    except OSError:
        return False


def sign_in(port: int, username: str) -> str:
    status, body = call(port, "POST", "/api/auth/token", body={"username": username, "password": "demo"})
    assert status == 200, body
    return body["token"]
