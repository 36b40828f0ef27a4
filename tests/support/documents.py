"""Issued documents for tests: a case's documents by type, and the text of a signed PDF."""
from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from app.cases.models import Case
from app.documents import service
from app.documents.models import IssuedDocument
from app.extensions import db


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "").replace(" ", "")


def docs_of(case_no: str) -> dict[str, IssuedDocument]:
    db.session.expire_all()
    case = db.session.scalar(select(Case).where(Case.case_no == case_no))
    return {d.doc_type: d for d in service.case_documents(case)}


def text(doc: IssuedDocument) -> str:
    return text_of(service.document_pdf(doc))
