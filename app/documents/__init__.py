"""Official documents (执法文书): numbered, signed (PAdES) and sealed PDFs, verifiable by anyone.

What the case kernel calls (docs/documents.md, "For the kernel"):

    issue_document(case, doc_type, context, actor, drafts=drafts, task_id=…, supersedes=…)
    void_document(doc, reason, actor, drafts)
    case_documents(case)
    preview(template_source, context, doc_type=…) / preview_current(doc_type, context)

The names are loaded on first use, so that ``app.models`` can import the tables from ``.models`` without
pulling in the service layer.
"""
from __future__ import annotations

_EXPORTS = {
    "issue_document": "service", "void_document": "service", "case_documents": "service", "preview": "service",
    "preview_current": "service", "verify_pdf_bytes": "service", "public_view": "service",
    "case_context": "service", "document_pdf": "service", "archive_members": "service",
    "DOC_TYPES": "types", "SAMPLE_DATA": "types",
    "IssuedDocument": "models", "DocumentTemplate": "models", "DocumentCounter": "models",
    "deploy_templates": "templating", "deploy_directory": "templating",
    "load_key": "signing", "init_demo_signing": "signing",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(name)
    from importlib import import_module
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
