"""Issue 10, done-when: the authorization matrix, generated from the URL map — every route, every method, as
every role and as an anonymous visitor — against the one table in tests/support/authz.py. A new route without
an entry there fails here."""
from __future__ import annotations

import io
import time

from tests.support import authz
from tests.support import forms as f
from tests.support.web import PDF, Browser

LAST = ("web.logout", "api.revoke_token")  # they end the session the other requests use


def outcome(res) -> str:
    """through / refused / sign-in, from the answer."""
    if res.status_code == 403:
        return "refused"
    if res.status_code == 401 and res.is_json:  # the web's sign-in page answers 401 in HTML: a refused password
        return "sign-in"
    if res.status_code in (301, 302, 303) and "/login?next=" in res.headers.get("Location", ""):
        return "sign-in"
    return "through"


def setup_case(api, browser) -> tuple[str, str, int]:
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    task = api.open_task(case_no, "review")
    clerk = browser("clerk")
    clerk.get(f"/cases/{case_no}")
    clerk.post(f"/cases/{case_no}/files", {"files": (io.BytesIO(PDF), "材料.pdf"), "file_confidentiality": "public"},
               content_type="multipart/form-data")
    evidence_id = next(r["payload"]["evidence_id"] for r in api.get(f"/api/cases/{case_no}/records", "clerk")
                       .get_json()["records"] if r["action"] == "evidence_added")
    return case_no, task["id"], evidence_id


def routes(app):
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint in LAST, r.endpoint, r.rule))
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def request(app, who, rule, method, path_values, clients):
    url = rule.build(path_values, append_unknown=False)[1]
    if who not in clients:
        clients[who] = Browser(app).login(who) if who != authz.ANONYMOUS else Browser(app)
        clients[who].get("/login" if who == authz.ANONYMOUS else "/")  # this session's CSRF token
    browser = clients[who]
    if rule.rule.startswith("/api/"):
        headers = {"Authorization": f"Bearer {clients['api'].token(who)}"} if who != authz.ANONYMOUS else {}
        body = authz.BODIES.get(rule.endpoint, {}) if method == "POST" else None
        return browser.client.open(url, method=method, headers=headers, **({"json": body} if body is not None else {}))
    if method == "POST":
        return browser.post(url, {})
    return browser.client.open(url, method=method)


def test_every_route_as_every_role_and_anonymous(app, api, browser):
    started = time.monotonic()
    case_no, task_id, evidence_id = setup_case(api, browser)
    path_values = authz.values(case_no, task_id, evidence_id)
    # the acceptance notice the receive step issued (its id: PostgreSQL's sequences are not reset between tests)
    path_values["doc_id"] = api.get(f"/api/cases/{case_no}/documents", "clerk").get_json()["documents"][0]["id"]
    missing = sorted({rule.endpoint for rule, _ in routes(app)} - set(authz.EXPECTED))
    assert not missing, f"routes without an entry in tests/support/authz.py: {missing}"
    clients: dict = {"api": api}
    wrong, requests = [], 0
    for who in (authz.ANONYMOUS, *authz.ROLES):
        for rule, method in routes(app):
            expected = authz.EXPECTED[rule.endpoint].expect(who)
            got = outcome(request(app, who, rule, method, path_values, clients))
            requests += 1
            if got != expected:
                wrong.append(f"{rule.endpoint} {method} {rule.rule} as {who}: expected {expected}, got {got}")
    print(f"authorization matrix: {requests} requests in {time.monotonic() - started:.1f} s")
    assert not wrong, "\n".join(wrong)
    assert not set(authz.EXPECTED) - {rule.endpoint for rule, _ in routes(app)}, "entries for routes that are gone"
