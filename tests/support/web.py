"""The staff web through the Flask test client, with CSRF protection on (tokens read from the pages)."""
from __future__ import annotations

import re

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PDF = b"%PDF-1.4\n% test document\n"


class Browser:
    def __init__(self, app):
        self.client = app.test_client()
        self.token = None

    def get(self, url, **kw):
        res = self.client.get(url, **kw)
        found = CSRF.search(res.get_data(as_text=True)) if res.mimetype == "text/html" else None
        if found:
            self.token = found.group(1)
        return res

    def post(self, url, data=None, csrf=True, **kw):
        data = dict(data or {})
        if csrf:
            if self.token is None:
                self.get("/login")
            data["csrf_token"] = self.token
        return self.client.post(url, data=data, **kw)

    def login(self, username, password="demo"):
        self.get("/login")
        res = self.post("/login", {"username": username, "password": password})
        assert res.status_code == 302, res.get_data(as_text=True)[:500]
        return self


def html(res) -> str:
    return res.get_data(as_text=True)
