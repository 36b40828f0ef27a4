"""Issue 10, point 4: sessions and API tokens are server-side and revocable — an opaque random token whose
hash is kept — revoked at sign-out, on a password change and when the user is disabled, and ended after an
idle period."""
from __future__ import annotations

import base64
import json

import time_machine
from sqlalchemy import select

from app.extensions import db
from app.users.models import AuthSession, User
from tests.support.web import Browser


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def sign_in(client, username="reviewer"):
    res = client.post("/api/auth/token", json={"username": username, "password": "demo"})
    assert res.status_code == 200
    return res.get_json()["token"]


def test_a_web_session_replayed_after_sign_out_is_refused(app, browser):
    b = browser("clerk")
    cookie = b.client.get_cookie("session").value
    assert b.get("/").status_code == 200
    b.post("/logout")
    replay = Browser(app)
    replay.client.set_cookie("session", cookie)
    res = replay.get("/")
    assert res.status_code == 302 and "/login" in res.headers["Location"]


def test_an_api_token_after_sign_out_is_refused(client):
    token = sign_in(client)
    assert client.get("/api/tasks", headers=bearer(token)).status_code == 200
    assert client.post("/api/auth/logout", headers=bearer(token)).status_code == 204
    res = client.get("/api/tasks", headers=bearer(token))
    assert res.status_code == 401 and res.get_json()["error"] == "bad_token"


def test_tokens_say_nothing_about_the_user_or_the_password(app, client, browser):
    token = sign_in(client)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "reviewer"))
        row = db.session.scalar(select(AuthSession).where(AuthSession.user_id == user.id))
        assert row.token_hash != token and token not in row.token_hash  # only its hash is kept
        hash_tail = user.password_hash[-12:]
    assert len(token) >= 40 and hash_tail not in token and str(user.id) != token
    b = browser("reviewer")
    payload = b.client.get_cookie("session").value.split(".")[0].lstrip(".")
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    cookie = json.loads(decoded) if decoded.startswith(b"{") else {}
    assert set(cookie) <= {"sid", "lang", "csrf_token", "_permanent", "_flashes"}, cookie
    assert "user_id" not in cookie and "pw" not in cookie and hash_tail not in decoded.decode("utf-8", "replace")


def test_disabling_a_user_ends_their_sessions_at_once(app, client, browser):
    token = sign_in(client, "legal")
    web = browser("legal")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "disable", "legal", "--as", "admin", "--reason", "离岗"]).exit_code == 0
    assert client.get("/api/tasks", headers=bearer(token)).status_code == 401
    assert web.get("/").status_code == 302
    runner.invoke(args=["users", "enable", "legal", "--as", "admin", "--reason", "返岗"])
    assert client.get("/api/tasks", headers=bearer(token)).status_code == 401  # re-enabling revives nothing


def test_an_idle_staff_session_ends(app, client):
    with time_machine.travel("2026-11-02T09:00:00+08:00", tick=False) as clock:
        token = sign_in(client)
        web = Browser(app).login("clerk")
        clock.shift(29 * 60)
        assert client.get("/api/tasks", headers=bearer(token)).status_code == 200  # used: the idle time restarts
        assert web.get("/").status_code == 200
        clock.shift(29 * 60)
        assert client.get("/api/tasks", headers=bearer(token)).status_code == 200
        clock.shift(31 * 60)
        assert client.get("/api/tasks", headers=bearer(token)).status_code == 401
        assert web.get("/").status_code == 302


def test_a_token_expires_after_its_absolute_lifetime_even_when_used(app, client):
    with time_machine.travel("2026-11-02T09:00:00+08:00", tick=False) as clock:
        token = sign_in(client)
        for _ in range(17):  # used every half hour, past 8 hours
            clock.shift(30 * 60 - 1)
            status = client.get("/api/tasks", headers=bearer(token)).status_code
        assert status == 401


def test_checking_a_token_is_one_indexed_lookup(app, client):
    """The token check reads one row by its unique hash (no scan); the user's roles come with it as before."""
    from sqlalchemy import event
    token = sign_in(client)
    client.get("/api/tasks", headers=bearer(token))  # its first use may write last_seen once
    statements = []
    with app.app_context():
        engine = db.engine

        def remember(conn, cursor, statement, *args):
            statements.append(statement)
        event.listen(engine, "before_cursor_execute", remember)
        try:
            client.get("/api/openapi.json")  # no sign-in: a baseline of zero
            baseline = len(statements)
            client.get("/api/tasks?scope=mine", headers=bearer(token))
        finally:
            event.remove(engine, "before_cursor_execute", remember)
    session_reads = [s for s in statements[baseline:] if "auth_session" in s]
    assert len(session_reads) == 1 and "token_hash" in session_reads[0] and "UPDATE" not in session_reads[0]
