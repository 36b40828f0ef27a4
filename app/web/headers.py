"""Security headers on every response: a Content-Security-Policy, no framing, no referrer to other sites, no
content sniffing.

Scripts and style sheets come from this site only (``/static``, and ``/vendor`` for the designer's bpmn-js
and dmn-js); the few inline ``<script>`` and ``<style>`` blocks carry the request's nonce
(``{{ csp_nonce() }}`` in a template). No page may be framed (clickjacking); forms post to this site only.
A view that needs more (the diagram editors) adds to ``g.csp_extra``.
"""
from __future__ import annotations

import secrets

from flask import g, has_request_context

BASE_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],  # the editors' palette icons and the QR codes are data: images
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # case numbers and query codes are in our URLs: another site learns nothing of them
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def csp_nonce() -> str:
    """This request's nonce for an inline script or style block (empty outside a request)."""
    if not has_request_context():
        return ""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def allow(directive: str, *sources: str) -> None:
    """Let this response's page use more (e.g. the editor's inline styles)."""
    g.setdefault("csp_extra", {}).setdefault(directive, []).extend(sources)


def policy() -> str:
    directives = {name: list(sources) for name, sources in BASE_POLICY.items()}
    for name, sources in g.get("csp_extra", {}).items():
        # 'none' stands alone: a source added to such a directive replaces it
        directives[name] = [s for s in directives.get(name, []) if s != "'none'"] + list(sources)
    if "csp_nonce" in g:
        for name in ("script-src", "style-src"):
            directives[name].append(f"'nonce-{g.csp_nonce}'")
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def install(app) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _security_headers(response):
        response.headers["Content-Security-Policy"] = policy()
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
