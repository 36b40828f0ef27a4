"""``/public/documents/<public_id>``: the verification page anyone reaches from a document's QR code (no
sign-in, read-only). It shows what identifies the document — type, number, issuer, date, SHA-256 — and its
status, never the applicant or the content."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, url_for

from ..web.public import _public_globals
from . import service
from .schemas import beijing

bp = Blueprint("documents_public", __name__, url_prefix="/public/documents", template_folder="templates")
bp.context_processor(_public_globals)  # the portal's layout: language switch, bureau name, links


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers["Cache-Control"] = "no-cache"  # a status can change (voided): always revalidate
    return response


@bp.get("/<public_id>")
def document(public_id: str):
    doc = service.by_public_id(public_id)
    if doc is None:
        abort(404)
    view = service.public_view(doc)
    return render_template("documents/public_document.html", section=None, doc=view, beijing=beijing,
                           json_url=url_for("documents_api.public_document", public_id=public_id),
                           certificate_url=url_for("documents_api.signing_ca"))


@bp.errorhandler(404)
def _not_found(exc):
    from flask_babel import gettext as _
    return render_template("public/error.html", code=404, message=_("没有找到该文书。请核对二维码或网址。")), 404
