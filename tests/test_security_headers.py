"""Issue 10, point 9: security headers on every response — a Content-Security-Policy without
'unsafe-inline' scripts, no framing, no referrer to other sites, no content sniffing."""
from __future__ import annotations

import re

import pytest

PAGES = ["/login", "/", "/public/", "/public/decisions", "/public/progress", "/api/openapi.json",
         "/designer", "/admin/users", "/static/style.css", "/no-such-page", "/api/no-such-thing"]


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_headers(browser, path):
    who = "designer" if path == "/designer" else "admin" if path.startswith("/admin") else "clerk"
    res = browser(who).get(path)
    csp = res.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert directives["form-action"] == "'self'" and directives["base-uri"] == "'none'"
    assert res.headers["X-Frame-Options"] == "DENY"
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["Referrer-Policy"] == "same-origin"


def test_inline_blocks_carry_the_responses_nonce(api, browser):
    # The case page's scripts are in app/static/staff.js (no inline block left); the service guide has one.
    case_no = api.new_case()["case_no"]
    case_page = browser("clerk").get(f"/cases/{case_no}").get_data(as_text=True)
    assert not re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", case_page)
    assert not re.search(r"\sstyle=\"", case_page) and not re.search(r"\son[a-z]+=\"", case_page)
    res = browser().get("/public/guide/XK-002")
    nonce = re.search(r"'nonce-([^']+)'", res.headers["Content-Security-Policy"]).group(1)
    page = res.get_data(as_text=True)
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page)
    assert scripts and all(f'nonce="{nonce}"' in attrs for attrs in scripts)
    assert not re.search(r"\sstyle=\"", page) and not re.search(r"\son[a-z]+=\"", page)
    again = browser().get("/public/guide/XK-002").headers["Content-Security-Policy"]
    assert nonce not in again  # a new nonce every response


def test_no_template_uses_inline_styles_or_handlers():
    """Style attributes and on…= handlers would need 'unsafe-inline'; templates use classes and scripts."""
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent / "app"
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.html") if "archive" not in p.parts
                 and re.search(r"\sstyle=\"|\son(click|change|submit|input|load)=", p.read_text(encoding="utf-8"))]
    assert not offenders
