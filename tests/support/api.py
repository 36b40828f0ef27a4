"""A small client that signs in as demo users and calls the JSON API."""
from __future__ import annotations

APPLICANT = {"name": "鞍山示例食品有限公司", "type": "legal_person", "code": "91210300MA0QC4XB9B"}


class Api:
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
        res = self.post("/api/cases", user, json={"item": item, "applicant": APPLICANT, "facts": facts or {}})
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
