"""``/public/documents/<public_id>``: the verification page anyone reaches from a document's QR code (no
sign-in, read-only; on the portal's blueprint). It shows what identifies the document — type, number,
issuer, date, SHA-256 — and its status, never the applicant or the content."""
from __future__ import annotations

from flask import make_response, render_template, url_for
from flask_babel import gettext as _

from app.documents import service
from app.documents.schemas import beijing
from app.publicity.web_public import bp
from app.web import register_templates


def init_app(app) -> None:
    register_templates(app, __name__)


@bp.get("/documents/<public_id>")
def document(public_id: str):
    doc = service.by_public_id(public_id)
    if doc is None:
        return render_template("public/error.html", code=404, message=_("没有找到该文书。请核对二维码或网址。")), 404
    response = make_response(render_template(
        "documents/public_document.html", section=None, doc=service.public_view(doc), beijing=beijing,
        json_url=url_for("api.public_document", public_id=public_id), certificate_url=url_for("api.signing_ca")))
    response.headers["Cache-Control"] = "no-cache"  # a status can change (voided): always revalidate
    return response
