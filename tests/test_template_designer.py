"""Document templates in the designer's area (issue 13): versions listed, a draft previewed with sample data
or a case's data before deploying, deployed as a new version — issued documents keep theirs."""
from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from app.cases.models import Case
from app.documents import service
from app.extensions import db
from tests.support import forms as f
from tests.support.web import html


def _text(pdf: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "").replace(" ", "")


def test_the_designer_previews_a_draft_with_sample_data_then_deploys_it(browser, api, app):
    designer = browser("designer")
    page = html(designer.get("/designer/documents?doc_type=acceptance_notice"))
    assert "文书模板" in page and "受理通知书" in page and "v1" in page and "吴设计" in page  # name, not username
    from app.documents.templating import current_template
    with app.app_context():
        source = current_template("acceptance_notice").content
    draft = source.replace("</h1>", "</h1><p class=\"noindent\">草稿新增的一段文字</p>", 1)
    res = designer.post("/designer/documents/preview", {"doc_type": "acceptance_notice", "source": draft})
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    words = _text(res.get_data())
    assert "草稿新增的一段文字" in words and "预览" in words and "鞍山示例食品有限公司" in words  # sample data
    with app.app_context():
        assert current_template("acceptance_notice").version == 1  # previewing deploys nothing

    broken = designer.post("/designer/documents/preview", {"doc_type": "acceptance_notice", "source": "{{ ''.__class__ }}"})
    assert broken.status_code == 422 and ("沙箱" in html(broken) or "sandbox" in html(broken))

    res = designer.post("/designer/documents/deploy", {"doc_type": "acceptance_notice", "source": draft,
                                                        "note": "新增说明段"})
    assert res.status_code == 302
    with app.app_context():
        assert current_template("acceptance_notice").version == 2
    assert "v2" in html(designer.get("/designer/documents?doc_type=acceptance_notice"))


def test_a_case_keeps_its_template_version_and_case_data_stays_with_those_who_may_see_it(browser, api, app):
    from app.documents.templating import current_template, deploy_templates
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    with app.app_context():
        source = current_template("acceptance_notice").content
        deploy_templates([("acceptance_notice.html", source + "<p>第二版</p>")], "designer", "v2")
        case = db.session.scalar(select(Case).where(Case.case_no == case_no))
        (doc,) = service.case_documents(case)
        assert doc.template.version == 1 and "第二版" not in _text(service.document_pdf(doc))
    # Designers see no case data (docs/security.md): previewing with a case is for those who may see it.
    designer = browser("designer")
    designer.get("/designer/documents")
    res = designer.post("/designer/documents/preview", {"doc_type": "acceptance_notice", "source": source,
                                                        "case_no": case_no})
    assert res.status_code == 403
