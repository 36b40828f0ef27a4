"""The documents' JSON API, under ``/api`` like the rest (its own blueprint, the API's JSON error handlers):

    GET  /api/cases/<case_no>/documents        staff who may see the case: its documents
    GET  /api/documents/<id>/pdf               the signed PDF
    POST /api/documents/preview                designer (sample data) or staff who may see the case
    GET  /api/public/documents/<public_id>     anyone: type, number, date, SHA-256, status (the QR target)
    GET  /api/signing/certificate              anyone: the bureau's signing certificate (PEM)
    GET  /api/signing/ca                       anyone: the trust root(s) documents verify against (PEM)
"""
from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, redirect, request, url_for
from sqlalchemy import select

from ..api.helpers import load_json, login_required
from ..extensions import db
from ..models import Case
from ..services.errors import Forbidden, NotFound
from . import service
from .models import IssuedDocument
from .schemas import (CertificateSchema, DocumentListSchema, DocumentRefSchema, DocumentSchema, PreviewSchema,
                      PublicDocumentSchema)
from .signing import SigningKeyMissing

bp = Blueprint("documents_api", __name__, url_prefix="/api")


def json_errors(blueprint: Blueprint) -> None:
    """Give ``blueprint`` the API's error handlers: every error under /api/ is JSON {error, message}."""
    from marshmallow import ValidationError
    from werkzeug.exceptions import HTTPException

    from ..api.errors import _http_error, _service_error, _validation_error
    from ..services.errors import ServiceError
    blueprint.register_error_handler(ServiceError, _service_error)
    blueprint.register_error_handler(ValidationError, _validation_error)
    blueprint.register_error_handler(HTTPException, _http_error)
    blueprint.register_error_handler(SigningKeyMissing, _no_signing_key)


def _no_signing_key(exc):
    db.session.rollback()
    return jsonify({"error": "signing_key_missing", "message": str(exc)}), 503


json_errors(bp)


def _may_view(user, case) -> bool:
    from ..services.cases import may_view_case  # the kernel's access rule (the import moves with it)
    return may_view_case(user, case)


def _case_for_viewer(case_no: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.case_no == case_no))
    if case is None:
        raise NotFound.of("not_found", what=case_no)
    if not _may_view(g.user, case):
        raise Forbidden.of("permission_denied")
    return case


@bp.get("/cases/<case_no>/documents")
@login_required
def case_documents(case_no: str):
    case = _case_for_viewer(case_no)
    return jsonify(DocumentListSchema().dump({"case_no": case.case_no,
                                              "documents": service.case_documents(case)}))


@bp.get("/documents/<int:doc_id>/pdf")
@login_required
def document_pdf(doc_id: int):
    doc = db.session.get(IssuedDocument, doc_id)
    if doc is None:
        raise NotFound.of("not_found", what=str(doc_id))
    if not _may_view(g.user, doc.case):
        raise Forbidden.of("permission_denied")
    try:
        pdf = service.document_pdf(doc)
    except FileNotFoundError:  # the store lost a file the register names: an integrity problem, said so
        return jsonify({"error": "document_file_missing", "message": f"{doc.number}: file {doc.sha256} missing"}), 500
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename=document-{doc.id}.pdf"
    response.headers["X-Content-SHA256"] = doc.sha256
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/documents/preview")
@login_required
def preview_document():
    body = load_json(PreviewSchema())
    context = {"data": body["data"]}
    if body["case_no"]:
        context["case"] = _case_for_viewer(body["case_no"])
    elif not g.user.has_role("designer"):
        raise Forbidden.of("permission_denied")
    if body["source"] is not None:
        if not g.user.has_role("designer"):  # only designers bring their own template code
            raise Forbidden.of("permission_denied")
        pdf = service.preview(body["source"], context, doc_type=body["doc_type"])
    else:
        pdf = service.preview_current(body["doc_type"], context)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/public/documents/<public_id>")
def public_document(public_id: str):
    """JSON for programs; a browser (a phone that scanned the QR code) is sent on to the public page."""
    doc = service.by_public_id(public_id)
    if doc is None:
        raise NotFound.of("not_found", what=public_id)
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html" \
            and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]:
        return redirect(url_for("documents_public.document", public_id=public_id, **_lang()), 303)
    return jsonify(PublicDocumentSchema().dump(service.public_view(doc)))


def _lang() -> dict:
    return {"lang": request.args["lang"]} if request.args.get("lang") in ("zh", "en") else {}


@bp.get("/signing/certificate")
def signing_certificate():
    from .signing import load_key
    key = load_key()
    if request.args.get("format") == "json":
        cert = key.certificate
        return jsonify(CertificateSchema().dump({"pem": key.certificate_pem(), "subject": cert.subject.rfc4514_string(),
                                                 "issuer": cert.issuer.rfc4514_string(), "sha256": key.fingerprint}))
    return Response(key.certificate_pem(), mimetype="application/x-pem-file")


@bp.get("/signing/ca")
def signing_ca():
    from cryptography.hazmat.primitives.serialization import Encoding

    from .signing import load_key
    pem = "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in load_key().trust_roots)
    return Response(pem, mimetype="application/x-pem-file")


def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    """(paths, component schemas) for app.api.openapi."""
    from ..anchoring.api import openapi_parts as checkpoint_parts
    case, public = [path_param("case_no")], [path_param("public_id")]
    doc_id = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    paths = {
        "/api/cases/{case_no}/documents": {"get": op("The case's official documents (执法文书)", DocumentListSchema,
                                                     params=case)},
        "/api/documents/{id}/pdf": {"get": op("The signed PDF of a document (application/pdf)", None, params=doc_id)},
        "/api/documents/preview": {"post": op("An unsigned, unnumbered preview PDF of a template (designer; or "
                                              "staff with a case they may see)", None, body=PreviewSchema)},
        "/api/public/documents/{public_id}": {"get": op("Public, no sign-in: a document's type, number, date, "
                                                        "SHA-256 and status (the QR code's target; browsers are "
                                                        "redirected to the public page)", PublicDocumentSchema,
                                                        auth=False, params=public)},
        "/api/signing/certificate": {"get": op("Public: the bureau's signing certificate (PEM; ?format=json)",
                                               CertificateSchema, auth=False)},
        "/api/signing/ca": {"get": op("Public: the trust root(s) documents are verified against (PEM)", None,
                                      auth=False)},
    }
    schemas = {"Document": component(DocumentSchema), "DocumentList": component(DocumentListSchema),
               "DocumentRef": component(DocumentRefSchema),
               "PublicDocument": component(PublicDocumentSchema), "Preview": component(PreviewSchema),
               "Certificate": component(CertificateSchema)}
    more_paths, more_schemas = checkpoint_parts(op, component, path_param)
    return {**paths, **more_paths}, {**schemas, **more_schemas}
