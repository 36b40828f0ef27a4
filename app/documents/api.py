"""The documents' JSON API, on the shared ``/api`` blueprint:

    GET  /api/cases/<case_no>/documents        staff who may see the case: its documents
    GET  /api/documents/<doc_id>/pdf               the signed PDF
    POST /api/documents/preview                designer (sample data) or staff who may see the case
    GET  /api/public/documents/<public_id>     anyone: type, number, date, SHA-256, status (the QR target)
    GET  /api/signing/certificate              anyone: the bureau's signing certificate (PEM)
    GET  /api/signing/ca                       anyone: the trust root(s) documents verify against (PEM)
"""
from __future__ import annotations

from flask import Response, g, jsonify, redirect, request, url_for

from app.api import bp
from app.api.helpers import load_json, login_required
from app.api.openapi import register_openapi
from app.cases.access import case_for_viewer, may_view_case
from app.core.errors import Forbidden, NotFound
from app.documents import service
from app.documents.models import IssuedDocument
from app.documents.schemas import (
    CertificateSchema,
    DocumentListSchema,
    DocumentRefSchema,
    DocumentSchema,
    PreviewSchema,
    PublicDocumentSchema,
)
from app.extensions import db


@bp.get("/cases/<case_no>/documents")
@login_required
def case_documents(case_no: str):
    case = case_for_viewer(g.user, case_no)
    return jsonify(DocumentListSchema().dump({"case_no": case.case_no,
                                              "documents": service.case_documents(case)}))


@bp.get("/documents/<int:doc_id>/pdf")
@login_required
def document_pdf(doc_id: int):
    doc = db.session.get(IssuedDocument, doc_id)
    if doc is None:
        raise NotFound.of("not_found", what=str(doc_id))
    if not may_view_case(g.user, doc.case):
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
        context["case"] = case_for_viewer(g.user, body["case_no"])
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
        return redirect(url_for("public.document", public_id=public_id, **_lang()), 303)
    return jsonify(PublicDocumentSchema().dump(service.public_view(doc)))


def _lang() -> dict:
    return {"lang": request.args["lang"]} if request.args.get("lang") in ("zh", "en") else {}


@bp.get("/signing/certificate")
def signing_certificate():
    from app.documents.signing import load_key
    key = load_key()
    if request.args.get("format") == "json":
        cert = key.certificate
        return jsonify(CertificateSchema().dump({"pem": key.certificate_pem(), "subject": cert.subject.rfc4514_string(),
                                                 "issuer": cert.issuer.rfc4514_string(), "sha256": key.fingerprint}))
    return Response(key.certificate_pem(), mimetype="application/x-pem-file")


@bp.get("/signing/ca")
def signing_ca():
    from cryptography.hazmat.primitives.serialization import Encoding

    from app.documents.signing import load_key
    pem = "".join(c.public_bytes(Encoding.PEM).decode("ascii") for c in load_key().trust_roots)
    return Response(pem, mimetype="application/x-pem-file")


def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    """(paths, component schemas) for app.api.openapi."""
    case, public = [path_param("case_no")], [path_param("public_id")]
    doc_id = [path_param("doc_id")]
    paths = {
        "/api/cases/{case_no}/documents": {"get": op("The case's official documents (执法文书)", DocumentListSchema,
                                                     params=case)},
        "/api/documents/{doc_id}/pdf": {"get": op("The signed PDF of a document (application/pdf)", None, params=doc_id)},
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
    return paths, schemas


register_openapi(openapi_parts)
