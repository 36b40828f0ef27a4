"""Issue 10, point 3: sign-in throttling per account and per address (shared through the database, so it
holds across processes), the same work for unknown users, a password change with a policy (web, API,
command line) and the administrator's account pages and commands — every change in the account log."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.users.models import LoginAttempt, User
from app.users.records import account_records, verify_account_records
from tests.support.web import html

GOOD = "correct horse battery staple 鞍山"


def token_call(client, username, password, addr="10.0.0.1"):
    return client.post("/api/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def test_forty_wrong_passwords_then_the_right_one_is_still_refused(client, app):
    statuses = [token_call(client, "reviewer", f"guess{i}").status_code for i in range(40)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    res = token_call(client, "reviewer", "demo")
    assert res.status_code == 429 and "token" not in res.get_json()
    body = res.get_json()
    assert body["error"] == "sign_in_locked" and "分钟" in body["message"]
    assert 0 < int(res.headers["Retry-After"]) <= 15 * 60
    # another account from the same address is not locked by this one (the address limit is higher)
    assert token_call(client, "legal", "demo").status_code == 200
    with app.app_context():
        locks = [(r.action, r.actor) for r, _ in account_records("reviewer")]
        assert locks == [("sign_in_locked", "system")]  # recorded once, when the limit was reached
        assert verify_account_records().valid
        outcomes = db.session.scalars(select(LoginAttempt.outcome).where(LoginAttempt.username == "reviewer")).all()
        assert outcomes.count("bad_password") == 5 and outcomes.count("throttled") == 36


def test_the_lock_ends_with_the_window_and_a_success_resets_the_count(client, app):
    import time_machine
    with time_machine.travel("2026-11-02T10:00:00+08:00", tick=False) as clock:
        for i in range(4):
            assert token_call(client, "reviewer", f"x{i}").status_code == 401
        assert token_call(client, "reviewer", "demo").status_code == 200  # resets the account's count
        for i in range(5):
            assert token_call(client, "reviewer", f"y{i}").status_code == 401
        assert token_call(client, "reviewer", "demo").status_code == 429
        clock.shift(15 * 60 + 1)
        assert token_call(client, "reviewer", "demo").status_code == 200


def test_the_address_limit_holds_across_accounts(client, app):
    app.config["LOGIN_ADDRESS_MAX_FAILURES"] = 6
    try:
        for i in range(6):
            token_call(client, f"nobody{i}", "x", addr="10.6.6.6")
        assert token_call(client, "legal", "demo", addr="10.6.6.6").status_code == 429
        assert token_call(client, "legal", "demo", addr="10.6.6.7").status_code == 200
    finally:
        app.config["LOGIN_ADDRESS_MAX_FAILURES"] = 50


def test_an_administrator_releases_the_lock(client, app, browser):
    for i in range(5):
        token_call(client, "reviewer", f"x{i}")
    assert token_call(client, "reviewer", "demo").status_code == 429
    admin = browser("admin")
    page = html(admin.get("/admin/users/reviewer"))
    assert "已锁定至" in page
    assert admin.post("/admin/users/reviewer/unlock").status_code == 302
    assert token_call(client, "reviewer", "demo").status_code == 200


def test_the_web_sign_in_says_why_when_locked(browser):
    b = browser()
    b.get("/login")
    for i in range(5):
        assert b.post("/login", {"username": "clerk", "password": f"x{i}"}).status_code == 401
    res = b.post("/login", {"username": "clerk", "password": "demo"})
    assert res.status_code == 429 and "登录失败次数过多" in html(res)


def test_unknown_users_cost_a_password_hash_check_too(monkeypatch, client):
    """The time of the answer must not tell whether a username exists: both paths check one hash."""
    import app.users.auth as auth
    import app.users.models as models
    calls = []
    real = auth.check_password_hash

    def counting(hash_, password):
        calls.append(hash_)
        return real(hash_, password)
    monkeypatch.setattr(auth, "check_password_hash", counting)
    monkeypatch.setattr(models, "check_password_hash", counting)
    assert token_call(client, "no-such-user", "whatever").status_code == 401
    assert token_call(client, "clerk", "whatever").status_code == 401
    assert len(calls) == 2 and calls[0] != calls[1]
    assert token_call(client, "no-such-user", "whatever").get_json() == token_call(client, "clerk", "whatever").get_json()


# ------------------------------------------------------------------------------------------ password change

@pytest.mark.parametrize("new, why", [("short1", "password_too_short"), ("reviewer-2026-ok", "password_contains_username"),
                                      ("password1234", "password_too_common"), ("qwertyuiop123", "password_too_common")])
def test_the_password_policy(api, new, why):
    res = api.post("/api/auth/password", "reviewer", json={"current_password": "demo", "new_password": new})
    assert res.status_code == 422 and res.get_json()["error"] == "password_rejected", res.get_json()
    assert "new_password" in res.get_json()["fields"]
    from app.core.i18n import t
    with api.client.application.test_request_context():
        expected = t(why, min=10)
    assert res.get_json()["message"] == expected


def test_password_change_on_the_api_revokes_every_token(api, client):
    old = api.token("reviewer")
    wrong = api.post("/api/auth/password", "reviewer", json={"current_password": "nope", "new_password": GOOD})
    assert wrong.status_code == 422 and wrong.get_json()["error"] == "current_password_wrong"
    res = api.post("/api/auth/password", "reviewer", json={"current_password": "demo", "new_password": GOOD})
    assert res.status_code == 204
    assert client.get("/api/tasks", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert token_call(client, "reviewer", "demo").status_code == 401
    assert token_call(client, "reviewer", GOOD).status_code == 200


def test_password_change_on_the_web_keeps_this_browser_and_ends_the_others(browser, app):
    here, elsewhere = browser("legal"), browser("legal")
    page = html(here.get("/account/password"))
    assert "修改密码" in page
    mismatch = here.post("/account/password", {"current_password": "demo", "new_password": GOOD,
                                               "confirm_password": GOOD + "x"})
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in html(mismatch)
    res = here.post("/account/password", {"current_password": "demo", "new_password": GOOD, "confirm_password": GOOD})
    assert res.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302  # back to the sign-in page
    with app.app_context():
        assert [r.action for r, _ in account_records("legal")] == ["password_changed"]


def test_password_change_from_the_command_line(app, client):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["users", "change-password", "counsel"], input=f"demo\n{GOOD}\n{GOOD}\n")
    assert out.exit_code == 0, out.output
    assert token_call(client, "counsel", GOOD).status_code == 200
    weak = runner.invoke(args=["users", "change-password", "counsel"], input=f"{GOOD}\n12345\n12345\n")
    assert weak.exit_code == 1 and "password_rejected" in weak.output


# ------------------------------------------------------------------------------------------ administration

def test_administrators_create_disable_and_enable_users_on_their_page(browser, client, app, api):
    admin = browser("admin")
    assert "用户管理" in html(admin.get("/admin/users"))
    assert browser("leader").get("/admin/users").status_code == 403
    weak = admin.post("/admin/users", {"username": "newclerk", "full_name": "新窗口", "roles": ["clerk"],
                                       "password": "newclerk123"})
    assert weak.status_code == 422 and "密码不能包含用户名" in html(weak)
    res = admin.post("/admin/users", {"username": "newclerk", "full_name": "新窗口", "roles": ["clerk", "reviewer"],
                                      "password": GOOD, "certificate_no": "21030020260099",
                                      "certificate_valid_until": "2029-12-31"})
    assert res.status_code == 302
    token = token_call(client, "newclerk", GOOD).get_json()["token"]
    assert client.get("/api/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    edit = admin.post("/admin/users/newclerk", {"full_name": "新窗口", "roles": ["clerk"],
                                                "certificate_no": "21030020260099"})
    assert edit.status_code == 302
    assert admin.post("/admin/users/newclerk/active", {"active": "0", "reason": "调离"}).status_code == 302
    assert client.get("/api/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert token_call(client, "newclerk", GOOD).status_code == 401
    assert admin.post("/admin/users/newclerk/active", {"active": "1", "reason": "返岗"}).status_code == 302
    assert token_call(client, "newclerk", GOOD).status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "newclerk"))
        assert user.roles == {"clerk"} and user.certificate_no == "21030020260099"
        log = [(r.action, r.actor) for r, _ in reversed(account_records("newclerk"))]
        assert log == [("user_created", "admin"), ("user_changed", "admin"), ("user_disabled", "admin"),
                       ("user_enabled", "admin")]
        assert verify_account_records().valid
        assert GOOD not in str(account_records())  # never a password in the log
    page = html(admin.get("/admin/users/newclerk"))
    assert "停用账户" in page and "调离" in page


def test_administrators_manage_users_from_the_command_line(app, client):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["users", "create", "inspector", "--name", "郑核查", "--role", "reviewer",
                              "--as", "admin", "--certificate-no", "21030020260100", "--valid-until", "2028-06-30"],
                        input=f"{GOOD}\n{GOOD}\n")
    assert out.exit_code == 0, out.output
    assert token_call(client, "inspector", GOOD).status_code == 200
    assert runner.invoke(args=["users", "disable", "inspector", "--as", "clerk", "--reason", "x"]).exit_code == 1
    assert runner.invoke(args=["users", "disable", "inspector", "--as", "admin", "--reason", "离职"]).exit_code == 0
    assert token_call(client, "inspector", GOOD).status_code == 401
    assert runner.invoke(args=["users", "enable", "inspector", "--as", "admin", "--reason", "返岗"]).exit_code == 0
    out = runner.invoke(args=["users", "update", "inspector", "--role", "reviewer", "--role", "legal", "--as", "admin"])
    assert out.exit_code == 0, out.output
    assert "reviewer,legal" in runner.invoke(args=["users", "list"]).output.replace("legal,reviewer", "reviewer,legal")
    assert runner.invoke(args=["users", "disable", "admin", "--as", "admin", "--reason", "x"]).exit_code == 1
