"""The licence register: a grant registers a licence (number from the gap-free register, holder, scope, term);
the API and the staff pages find it."""
from urllib.parse import quote

from tests.support import forms as f
from tests.support.api import APPLICANT
from tests.support.licences import decided_case
from tests.support.web import html


def test_a_grant_registers_a_licence_with_the_next_number_and_its_term(api, ctx):
    first = decided_case(api)
    second = decided_case(api, day="2026-03-23")
    res = api.get(f"/api/licences?holder_code={APPLICANT['code']}", "clerk")
    assert res.status_code == 200
    body = res.get_json()
    assert body["total"] == 2
    by_case = {row["case_no"]: row for row in body["licences"]}
    one, two = by_case[first], by_case[second]
    assert one["number"] == "鞍审证〔2026〕第0001号" and two["number"] == "鞍审证〔2026〕第0002号"
    assert one["licence_name"] == "食品经营许可证" and one["holder_name"] == APPLICANT["name"]
    assert one["valid_from"] == "2026-03-20" and one["valid_until"] == "2031-03-19"  # 5 years (catalogue)
    assert one["status"] == "valid" and one["status_label"] == "有效" and one["in_force"] is True
    documents = api.get(f"/api/cases/{first}/documents", "clerk").get_json()["documents"]
    grant_no = next(d["number"] for d in documents if d["type"] == "grant_decision")
    assert one["document_no"] == grant_no and one["scope"] == "食品经营许可"
    # the licence certificate carries the register's number: one number, not two
    assert next(d["number"] for d in documents if d["type"] == "licence") == one["number"]

    detail = api.get(f"/api/licences/{quote(one['number'])}", "reviewer").get_json()
    assert [e["action"] for e in detail["history"]] == ["granted"]
    assert detail["history"][0]["case_no"] == first and detail["history"][0]["actor"] == "leader"
    # the grant's records name the licence
    records = api.get(f"/api/cases/{first}/records", "clerk").get_json()["records"]
    granted = [r for r in records if r["action"] == "licence_granted"]
    assert len(granted) == 1 and granted[0]["payload"]["licence_no"] == one["number"]
    # the 双公示 draft carries the licence's number and term
    from app.extensions import db
    from app.publicity.models import Publication
    from sqlalchemy import select
    from tests.support.flows import case_row
    pub = db.session.scalar(select(Publication).where(Publication.case_id == case_row(first).id))
    assert pub.fields["许可编号"] == one["number"] and pub.fields["有效期至"] == "2031-03-19"
    assert pub.fields["许可证书名称"] == "食品经营许可证"


def test_a_denial_registers_nothing_and_an_item_without_term_takes_the_decisions(api, ctx):
    decided_case(api, decision=f.DECIDE_DENY)
    assert api.get("/api/licences", "clerk").get_json()["total"] == 0
    case_no = decided_case(api, item="XK-001")
    row = api.get("/api/licences", "clerk").get_json()["licences"][0]
    # no term in the catalogue: the term the decision states (作出决定's 有效期至)
    assert row["case_no"] == case_no and row["valid_until"] == f.DECIDE_GRANT["valid_until"]
    assert row["licence_name"] == "建设工程规划许可证"


def test_search_filters_and_refusals(api, ctx):
    decided_case(api)
    assert api.get("/api/licences?holder_code=91210300MA0QC4XB9X", "clerk").get_json()["total"] == 0
    assert api.get("/api/licences?q=食品", "clerk").get_json()["total"] == 1
    assert api.get("/api/licences?status=revoked", "clerk").get_json()["total"] == 0
    assert api.get("/api/licences?status=nonsense", "clerk").status_code == 422
    assert api.get("/api/licences?colour=red", "clerk").status_code == 422
    assert api.get("/api/licences/" + quote("鞍审证〔2026〕第9999号"), "clerk").status_code == 404
    for user in ("designer", "admin"):
        assert api.get("/api/licences", user).status_code == 403
    assert api.get("/api/licences").status_code == 401


def test_the_staff_pages_list_and_show_a_licence(api, browser):
    case_no = decided_case(api)
    b = browser("reviewer")
    page = html(b.get("/licences?holder_code=" + APPLICANT["code"]))
    assert "鞍审证〔2026〕第0001号" in page and "食品经营许可证" in page and APPLICANT["name"] in page
    page = html(b.get("/licences/" + quote("鞍审证〔2026〕第0001号")))
    assert "2031-03-19" in page and case_no in page and "准予许可，登记许可证" in page and "刘局长" in page
    assert b.get("/licences/" + quote("鞍审证〔2026〕第9999号")).status_code == 404
    assert html(b.get("/licences?q=没有这个")).count("没有符合条件的许可证") == 1
    # the case page links its licence
    page = html(b.get(f"/cases/{case_no}"))
    assert "登记许可证 鞍审证〔2026〕第0001号（有效期至 2031-03-19）" in page and "licence_granted" not in page
    assert "本案许可证" in page and "/licences/" + quote("鞍审证〔2026〕第0001号") in page
