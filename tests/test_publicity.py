"""Publicity (公示): the publication of decisions (双公示) and its review by staff, and the public portal —
service guide, enforcement staff list, progress query, published decisions with CSV/JSON downloads.

The worked dates are those of domain.md §6–7 (scenarios 1, 15, 16, 20), with the clock frozen."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.support import forms as f
from tests.support.chromium import shot
from tests.support.flows import actions, at, run_scan
from tests.support.web import Browser, html

COMPANY = {"name": "鞍山示例食品有限公司", "type": "legal_person", "code": "91210300MA0QC4XB9B"}
PERSON_ID = "210302198001011234"
PERSON = {"name": "张三", "type": "natural_person", "code": PERSON_ID}
MASKED_ID = "210302********1234"


APP = None


@pytest.fixture(autouse=True)
def fresh_query_limit(app):
    """The progress query's per-address limit is kept in memory: every test starts with none used.
    (No test here holds an app context across requests: the staff web keeps the user and the CSRF token
    in ``g``, which would then leak from one browser's request into the next.)"""
    global APP
    APP = app
    limiter = app.extensions.get("publicity_query_limiter")
    if limiter is not None:
        limiter.reset()
    yield


@pytest.fixture
def staff(app):
    def sign_in(username: str) -> Browser:
        return Browser(app).login(username)
    return sign_in


FIRST_NO = "鞍行审许字〔2025〕第0001号"  # the register numbers decisions: the first of 2025 in each test


def decided(api, day="2025-09-30", accepted="2025-09-22", applicant=None, facts=None, confidentiality=None,
            **decision) -> str:
    """A general licence case (XK-002) accepted on ``accepted`` and granted on ``day``."""
    with at(accepted):
        body = {"item": decision.pop("item", "XK-002"), "applicant": applicant or COMPANY, "facts": facts or {}}
        if confidentiality:
            body["confidentiality"] = confidentiality
        res = api.post("/api/cases", "clerk", json=body)
        assert res.status_code == 201, res.get_json()
        case_no = res.get_json()["case_no"]
        api.complete(case_no, "receive", "clerk", f.ACCEPT)
    with at(day):
        api.complete(case_no, "review", "reviewer", f.review())
        api.complete(case_no, "decide", "leader", {**f.DECIDE_GRANT, "decision_date": day, **decision})
    return case_no


def publication(case_no):
    """The case's publication row, read in a context of its own (detached, loaded columns only)."""
    from app.cases.models import Case
    from app.publicity.models import Publication
    with APP.app_context():
        return db.session.scalar(select(Publication).join(Case, Case.id == Publication.case_id)
                                 .where(Case.case_no == case_no))


def case_row(case_no):
    from app.cases.models import Case
    with APP.app_context():
        return db.session.scalar(select(Case).where(Case.case_no == case_no))


def publish(staff, case_no, day, user="clerk", expect=302):
    with at(day):
        b = staff(user)
        pub_id = publication(case_no).id
        b.get(f"/publications/{pub_id}")
        res = b.post(f"/publications/{pub_id}/publish")
    assert res.status_code == expect, html(res)[:2000]
    return res


def record(api, case_no, action):
    found = [r for r in actions(api, case_no) if r["action"] == action]
    assert found, f"no {action} record on {case_no}"
    return found[-1]


# ------------------------------------------------------------------------------------------ the draft and its clock

def test_a_decision_before_national_day_creates_a_draft_due_16_october(api):
    case_no = decided(api, "2025-09-30")
    pub = publication(case_no)
    assert pub.state == "PENDING_REVIEW" and pub.due_on == dt.date(2025, 10, 16)  # 10/1–8 are not working days
    assert case_row(case_no).publication_due == dt.date(2025, 10, 16)
    fields = pub.fields
    assert fields["行政相对人名称"] == "鞍山示例食品有限公司" and fields["行政相对人类别"] == "法人及非法人组织"
    assert fields["行政相对人代码_1(统一社会信用代码)"] == "91210300MA0QC4XB9B"
    assert fields["行政许可决定文书号"] == FIRST_NO and fields["许可决定日期"] == "2025-09-30"
    assert fields["许可机关"] == "鞍山市行政审批局" and fields["当前状态"] == "有效" and fields["许可类别"] == "普通"
    # drafted in the decision's own transaction: its record sits among the decision's records
    names = [r["action"] for r in actions(api, case_no)]
    assert names.index("decision_made") < names.index("publication_drafted") < names.index("status_changed",
                                                                                         names.index("decision_made"))
    assert record(api, case_no, "publication_drafted")["payload"]["due"] == "2025-10-16"
    assert api.get(f"/api/cases/{case_no}/records/verify", "supervisor").get_json()["valid"] is True


def test_publishing_on_the_last_day_is_on_time_and_sets_published_on(api, app, staff):
    case_no = decided(api, "2025-09-30")
    publish(staff, case_no, "2025-10-16")
    assert publication(case_no).state == "PUBLISHED"
    assert case_row(case_no).published_on == dt.date(2025, 10, 16)
    rec = record(api, case_no, "publication_published")
    assert rec["payload"]["on_time"] is True and rec["to_state"] == "PUBLISHED"
    assert run_scan(app, "scan_publication", "2025-10-17") == {"publication_overdue": 0}
    # published before 公示 opened: the step is a confirmation of the record; no date can be typed
    with at("2025-10-20"):
        api.complete(case_no, "deliver", "clerk", {**f.deliver(), "delivered_on": "2025-10-20"})
        typed = api.complete(case_no, "publish", "clerk", {"published_on": "2025-10-20"}, expect=422)
        assert "published_on" in typed["fields"]
        api.complete(case_no, "publish", "clerk", f.PUBLISH)
    assert case_row(case_no).published_on == dt.date(2025, 10, 16)


def test_publishing_a_day_late_is_flagged(api, app, staff):
    case_no = decided(api, "2025-09-30")
    assert run_scan(app, "scan_publication", "2025-10-17") == {"publication_overdue": 1}
    publish(staff, case_no, "2025-10-17")
    assert record(api, case_no, "publication_published")["payload"]["on_time"] is False


# ------------------------------------------------------------------------------------------ withheld and redacted

def test_a_withheld_decision_needs_a_reason_and_a_leader_and_is_not_overdue(api, app, staff):
    withheld_no = decided(api, "2025-09-30", confidentiality="business_secret")
    other_no = decided(api, "2025-09-30")
    pub_id = publication(withheld_no).id
    b = staff("clerk")
    page = html(b.get(f"/publications/{pub_id}"))
    assert "商业秘密" in page and "不予公开" in page
    res = b.post(f"/publications/{pub_id}/withhold", {"withhold_class": "business_secret", "reason": "",
                                                      "approver": "clerk"})
    assert res.status_code == 422
    page = html(res)
    assert "请填写理由" in page and "批准人须为本机关负责人" in page
    assert publication(withheld_no).state == "PENDING_REVIEW"
    res = b.post(f"/publications/{pub_id}/withhold", {
        "withhold_class": "business_secret", "reason": "决定内容涉及申请人核心工艺，权利人不同意公开", "approver": "leader"})
    assert res.status_code == 302
    pub = publication(withheld_no)
    assert (pub.state, pub.withheld_class, pub.withheld_approver) == ("WITHHELD", "business_secret", "leader")
    rec = record(api, withheld_no, "publication_withheld")
    assert rec["actor"] == "clerk" and rec["payload"]["approver"] == "leader" and "核心工艺" in rec["payload"]["reason"]
    # past the due date: only the other decision is late
    assert run_scan(app, "scan_publication", "2025-10-20") == {"publication_overdue": 1}
    assert "publication_overdue" not in [r["action"] for r in actions(api, withheld_no)]
    assert "publication_overdue" in [r["action"] for r in actions(api, other_no)]
    # it is never on the portal, and it cannot be published any more
    assert "鞍行审许字〔2026〕1号" not in html(b.get("/public/decisions"))
    assert b.post(f"/publications/{pub_id}/publish").status_code == 409


def test_a_state_secret_decision_cannot_be_published(api, staff):
    case_no = decided(api, "2025-09-30", confidentiality="state_secret")
    res = publish(staff, case_no, "2025-10-09", user="leader", expect=409)
    assert "涉及国家秘密的决定不得公示" in html(res)
    assert publication(case_no).state == "PENDING_REVIEW" and case_row(case_no).published_on is None


def test_a_redaction_keeps_the_secret_out_of_the_portal_and_the_records(api, staff):
    case_no = decided(api, "2025-09-30", facts={"project_name": "秘方甲号生产线"})
    pub = publication(case_no)
    assert "秘方甲号生产线" in pub.fields["许可内容"]
    content = list(pub.fields).index("许可内容")
    b = staff("clerk")
    b.get(f"/publications/{pub.id}")
    res = b.post(f"/publications/{pub.id}/fields", {f"f_{content}": "准予食品经营许可", "redaction_class":
                                                    "business_secret", "reason": ""})
    assert res.status_code == 422 and "请填写理由" in html(res)
    assert "准予食品经营许可" in html(res)  # what was typed is kept
    res = b.post(f"/publications/{pub.id}/fields", {f"f_{content}": "准予食品经营许可", "redaction_class":
                                                    "business_secret", "reason": "生产线名称属商业秘密"})
    assert res.status_code == 302
    rec = record(api, case_no, "publication_redacted")
    assert rec["payload"]["fields"] == ["许可内容"] and rec["payload"]["class"] == "business_secret"
    assert "秘方甲号" not in json.dumps(rec, ensure_ascii=False)  # the removed text is not copied anywhere
    publish(staff, case_no, "2025-10-09")
    portal = html(b.get(f"/public/decisions/{pub.id}"))
    assert "准予食品经营许可" in portal and "秘方甲号" not in portal


# ------------------------------------------------------------------------------------------ natural persons

def test_natural_persons_id_numbers_are_masked_on_pages_csv_json_and_api(api, staff, client):
    case_no = decided(api, "2025-09-30", applicant=PERSON)
    pub = publication(case_no)
    assert pub.fields["证件号码"] == PERSON_ID and pub.fields["证件类型"] == "身份证"  # stored in full
    assert pub.fields["行政相对人代码_1(统一社会信用代码)"] == ""
    publish(staff, case_no, "2025-10-09")
    responses = {url: client.get(url) for url in (
        "/public/", "/public/decisions", f"/public/decisions/{pub.id}", "/public/decisions.csv",
        "/public/decisions.json", "/api/public/decisions", "/public/decisions?name=张三&lang=en")}
    for url, res in responses.items():
        body = res.get_data(as_text=True)
        assert res.status_code == 200, url
        assert PERSON_ID not in body, url
    assert MASKED_ID in html(responses[f"/public/decisions/{pub.id}"])
    raw = responses["/public/decisions.csv"].data
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0]["证件号码"] == MASKED_ID and rows[0]["行政相对人名称"] == "张三"
    assert list(rows[0])[:2] == ["行政相对人名称", "行政相对人类别"] and "许可机关统一社会信用代码" in rows[0]
    assert rows[0]["当前状态"] == "有效"
    records = json.loads(responses["/public/decisions.json"].data)
    assert list(records[0]) == list(rows[0])  # the standard's fields, in its order
    assert records[0]["证件号码"] == MASKED_ID and records[0]["行政许可决定文书号"] == FIRST_NO
    assert responses["/api/public/decisions"].get_json()["items"][0]["证件号码"] == MASKED_ID


def test_a_natural_person_with_an_organisation_code_is_refused(api, staff):
    case_no = decided(api, "2025-09-30", applicant=PERSON)
    pub = publication(case_no)
    code_field = list(pub.fields).index("行政相对人代码_1(统一社会信用代码)")
    b = staff("clerk")
    b.get(f"/publications/{pub.id}")
    assert b.post(f"/publications/{pub.id}/fields", {f"f_{code_field}": "91210300MA0QC4XB9B"}).status_code == 302
    res = publish(staff, case_no, "2025-10-09", expect=422)
    assert "行政相对人类别为自然人时不填写行政相对人代码" in html(res)
    assert publication(case_no).state == "PENDING_REVIEW"


# ------------------------------------------------------------------------------------------ revocation and change

def test_a_revoked_decision_is_withdrawn_shows_invalid_and_records_the_reason(api, staff, client):
    case_no = decided(api, "2025-09-30")
    publish(staff, case_no, "2025-10-09")
    pub_id = publication(case_no).id
    b = staff("leader")
    b.get(f"/publications/{pub_id}")
    assert b.post(f"/publications/{pub_id}/withdraw", {"reason": " "}).status_code == 422
    reason = "该许可决定已被鞍山市人民政府行政复议决定撤销（鞍政复决字〔2025〕12号）"
    assert b.post(f"/publications/{pub_id}/withdraw", {"reason": reason}).status_code == 302
    pub = publication(case_no)
    assert pub.state == "WITHDRAWN" and pub.fields["当前状态"] == "无效"
    rec = record(api, case_no, "publication_withdrawn")
    assert rec["actor"] == "leader" and rec["payload"]["reason"] == reason and rec["from_state"] == "PUBLISHED"
    detail = html(client.get(f"/public/decisions/{pub_id}"))
    assert "无效" in detail and "鞍政复决字〔2025〕12号" in detail
    listing = html(client.get("/public/decisions"))
    assert FIRST_NO in listing and 'class="state invalid"' in listing
    rows = list(csv.DictReader(io.StringIO(client.get("/public/decisions.csv").data.decode("utf-8-sig"))))
    assert rows[0]["当前状态"] == "无效"
    # nothing more can be done to a withdrawn record
    assert b.post(f"/publications/{pub_id}/withdraw", {"reason": reason}).status_code == 409


def test_a_changed_decision_updates_the_published_record_with_a_reason(api, staff, client):
    case_no = decided(api, "2025-09-30")
    publish(staff, case_no, "2025-10-09")
    pub = publication(case_no)
    assert pub.fields["有效期至"] == "2030-09-29"  # the licence register's term (app.licences): 5 years
    valid_to = list(pub.fields).index("有效期至")
    b = staff("clerk")
    b.get(f"/publications/{pub.id}")
    assert b.post(f"/publications/{pub.id}/update", {f"f_{valid_to}": "2030-12-31", "reason": ""}).status_code == 422
    res = b.post(f"/publications/{pub.id}/update", {f"f_{valid_to}": "2030-12-31",
                                                    "reason": "依申请延续许可有效期", "version": pub.lock_version})
    assert res.status_code == 302
    assert publication(case_no).state == "UPDATED"
    rec = record(api, case_no, "publication_updated")
    assert rec["payload"]["changes"] == {"有效期至": "2030-12-31"} and rec["payload"]["reason"] == "依申请延续许可有效期"
    detail = html(client.get(f"/public/decisions/{pub.id}"))
    assert "2030-12-31" in detail and "依申请延续许可有效期" in detail and "有效" in detail
    # a form from before that change is stale
    stale = b.post(f"/publications/{pub.id}/update", {f"f_{valid_to}": "2031-01-01", "reason": "x",
                                                      "version": pub.lock_version})
    assert stale.status_code == 409 and publication(case_no).fields["有效期至"] == "2030-12-31"


# ------------------------------------------------------------------------------------------ the staff pages

def test_staff_review_list_marks_overdue_drafts_and_is_for_clerks_and_leaders(api, staff):
    late_no = decided(api, "2025-09-30")
    decided(api, "2025-10-15", accepted="2025-10-09")
    with at("2025-10-20"):
        page = html(staff("clerk").get("/publications"))
        assert page.count('class="pub-overdue"') == 1 and "超期 2 个工作日" in page and late_no in page
        assert "2025-10-24（剩 4 个工作日）" in page  # 10-15 + 7 wd = 10-24: 10/21–24 left
        assert "公示管理" in html(staff("leader").get("/"))
        assert staff("reviewer").get("/publications").status_code == 403
        assert "公示管理" not in html(staff("reviewer").get("/"))
        pub_id = publication(late_no).id
        reviewer = staff("reviewer")
        reviewer.get("/")  # a fresh CSRF token after signing in
        assert reviewer.post(f"/publications/{pub_id}/publish").status_code == 403
    assert publication(late_no).state == "PENDING_REVIEW"


def test_the_query_code_is_on_the_case_page(api, staff):
    case_no = api.new_case()["case_no"]
    code = case_row(case_no).query_code
    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}", code)
    page = html(staff("clerk").get(f"/cases/{case_no}"))
    assert code in page and "查询码" in page
    assert api.new_case()["case_no"] != case_no and case_row(api.new_case()["case_no"]).query_code != code


# ------------------------------------------------------------------------------------------ the public portal

def test_public_pages_need_no_sign_in(api, staff, client):
    case_no = decided(api, "2025-09-30")
    publish(staff, case_no, "2025-10-09")
    pub_id = publication(case_no).id
    for url in ("/public/", "/public/guide", "/public/guide/XK-001", "/public/officers", "/public/progress",
                "/public/decisions", f"/public/decisions/{pub_id}", "/public/decisions.csv", "/public/decisions.json",
                "/api/public/decisions"):
        res = client.get(url)
        assert res.status_code == 200, url
        assert "Set-Cookie" not in res.headers, url  # no session is started either
    page = html(client.get("/public/?lang=en"))
    assert '<html lang="en">' in page and 'href="/public/guide?lang=en"' in page  # the language follows the links
    assert client.get("/public/guide/NO-SUCH").status_code == 404
    assert client.get("/public/decisions/999999").status_code == 404


def test_the_public_never_sees_an_unpublished_case(api, client):
    case_no = decided(api, "2025-09-30", applicant={**COMPANY, "name": "未公开测试企业有限公司"},
                      facts={"project_name": "保密项目代号丙"})
    number = publication(case_no).document_no
    assert number == FIRST_NO  # the register's number
    code, due = case_row(case_no).query_code, case_row(case_no).decision_due.isoformat()
    assert due == "2025-10-24"  # 20 working days from 2025-09-22 (9/28 and 10/11 are working days)
    pub_id = publication(case_no).id
    for url in ("/public/", "/public/decisions", "/public/decisions?name=未公开", "/public/decisions.csv",
                "/public/decisions.json", "/api/public/decisions", "/public/decisions?document_no=0001"):
        body = client.get(url).get_data(as_text=True)
        assert "未公开测试企业" not in body and "保密项目" not in body and number not in body, url
    assert client.get(f"/public/decisions/{pub_id}").status_code == 404
    # the applicant's own progress query shows the step and the dates, nothing personal
    res = client.post("/public/progress", data={"case_no": case_no, "code": code.lower()})
    body = html(res)
    assert res.status_code == 200 and "待送达" in body and "2025-09-22" in body and due in body
    assert "未公开测试企业" not in body and "保密项目" not in body and "91210300MA0QC4XB9B" not in body
    res = client.get(f"/api/public/progress/{case_no}?code={code}&lang=en")
    assert res.status_code == 200
    assert res.get_json() == {"case_no": case_no, "item": "Food business licence", "status": "delivering",
                              "status_label": "Awaiting delivery", "received_on": "2025-09-22",
                              "accepted_on": "2025-09-22", "decision_due": due,
                              "decision_due_confirmed": True, "decided_on": "2025-09-30"}


def test_progress_query_wrong_code_and_unknown_case_get_the_same_answer_then_429(api, client):
    case_no = api.new_case()["case_no"]
    code = case_row(case_no).query_code
    wrong = "23456789" if code != "23456789" else "98765432"
    web_wrong = client.post("/public/progress", data={"case_no": case_no, "code": wrong})
    web_unknown = client.post("/public/progress", data={"case_no": "XK-2099-999999", "code": wrong})
    assert web_wrong.status_code == web_unknown.status_code == 200
    assert web_wrong.data == web_unknown.data and "未查询到办件信息" in html(web_wrong)
    assert client.post("/public/progress", data={"case_no": case_no, "code": ""}).data == web_wrong.data
    api_wrong = client.get(f"/api/public/progress/{case_no}?code={wrong}")
    api_unknown = client.get(f"/api/public/progress/XK-2099-999999?code={wrong}")
    assert api_wrong.status_code == api_unknown.status_code == 404
    assert api_wrong.data == api_unknown.data and dict(api_wrong.headers) == dict(api_unknown.headers)
    right = client.post("/public/progress", data={"case_no": case_no, "code": code})
    assert right.status_code == 200 and "已收件" in html(right)
    # six queries so far from this address; the limit is ten a minute, web and API together
    for _ in range(4):
        assert client.get(f"/api/public/progress/{case_no}?code={code}").status_code == 200
    limited = client.post("/public/progress", data={"case_no": case_no, "code": code})
    assert limited.status_code == 429 and "查询过于频繁" in html(limited) and int(limited.headers["Retry-After"]) > 0
    assert "已收件" not in html(limited)
    api_limited = client.get(f"/api/public/progress/{case_no}?code={code}")
    assert api_limited.status_code == 429 and api_limited.get_json()["error"] == "too_many_requests"
    # another address is not affected
    other = client.get(f"/api/public/progress/{case_no}?code={code}", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200


def test_rate_limiter_window_and_memory_bound():
    from app.publicity.progress import RateLimiter
    limiter = RateLimiter(limit=2, window=60, max_keys=3)
    assert limiter.hit("a", 0)[0] and limiter.hit("a", 1)[0]
    assert limiter.hit("a", 2) == (False, 59)
    assert limiter.hit("a", 61)[0]  # the first hit left the window
    for key in ("b", "c", "d"):
        limiter.hit(key, 62)
    assert "a" not in limiter._hits and len(limiter._hits) == 3  # least recently seen forgotten


def test_service_guide_shows_every_active_item_with_its_fields_and_process(client):
    listing = html(client.get("/public/guide"))
    for code in ("XK-001", "XK-002", "XK-003", "XK-004"):
        assert code in listing
    assert "45 个工作日" in listing  # joint handling
    page = html(client.get("/public/guide/XK-001"))
    for text in ("建设工程规划许可证核发", "《中华人民共和国城乡规划法》第四十条", "符合控制性详细规划和规划条件",
                 "建设工程设计方案", "20 个工作日", "10 个工作日", "不收费", "综合受理窗口", "12345", "行政复议"):
        assert text in page, text
    assert "<svg" in page and 'data-element-id="decide"' in page


def test_enforcement_staff_list_shows_certificates_and_expired_ones(client):
    page = html(client.get("/public/officers"))
    assert "21030020180007" in page and "李审查" in page and "审查一科主任科员" in page and "2028-12-31" in page
    row = re.search(r"<tr>(?:(?!</tr>).)*钱法制(?:(?!</tr>).)*</tr>", page, re.S).group(0)
    assert "已过期" in row and "2026-06-30" in row
    assert "系统管理员" not in page and "周督查" not in page  # no certificate, not listed
    from app.users.models import User
    from app.users.officers import certificate_valid_on
    with APP.app_context():
        legal2 = db.session.scalar(select(User).where(User.username == "legal2"))
        assert certificate_valid_on(legal2, dt.date(2026, 6, 30))
        assert not certificate_valid_on(legal2, dt.date(2026, 7, 1))
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        assert not certificate_valid_on(admin, dt.date(2026, 1, 1))


def test_on_site_check_refuses_an_officer_whose_certificate_has_expired(api):
    from app.users.models import User, UserRole
    officer = User(username="reviewer3", full_name="赵核查", post="审查一科科员", certificate_no="21030020150099",
                   enforcement_category="行政许可", area="鞍山市", certificate_valid_until=dt.date(2026, 11, 23))
    with APP.app_context():
        officer.set_password("demo")
        officer.role_rows = [UserRole(role="reviewer")]
        db.session.add(officer)
        db.session.commit()
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", {**f.ACCEPT, "onsite_needed": True})
    task = api.open_task(case_no, "onsite_check")
    data = {"check_date": "2026-11-24", "officers": ["reviewer", "reviewer3"], "identity_shown": True,
            "findings": "经营场所与申请材料一致", "result": "consistent", "av_exemption_reason": "现场涉及商业秘密，不宜录像"}
    res = api.post(f"/api/tasks/{task['id']}/complete", "reviewer", json={"data": data})
    assert res.status_code == 422 and "赵核查" in res.get_json()["fields"]["officers"][0]  # the name, not the login
    assert "没有有效的行政执法证件" in res.get_json()["fields"]["officers"][0]
    # valid the day before its expiry ended; and with two certified officers the check goes through
    on_time = {**data, "check_date": "2026-11-23"}
    assert api.post(f"/api/tasks/{task['id']}/complete", "reviewer", json={"data": on_time}).status_code == 200


def test_decision_search_by_name_document_item_and_date(api, staff, client):
    # numbered by the register in the order decided: 鞍行审许字〔2025〕第0001号 … 第0003号
    first = decided(api, "2025-09-30")
    second = decided(api, "2025-10-15", accepted="2025-10-09", applicant={**COMPANY, "name": "鞍山光明餐饮店"})
    third = decided(api, "2025-10-15", accepted="2025-10-09", applicant={**COMPANY, "name": "海城矿业有限公司"},
                    item="XK-001")
    for case_no in (first, second, third):
        publish(staff, case_no, "2025-10-16")

    def found(**args):
        res = client.get("/api/public/decisions", query_string=args)
        assert res.status_code == 200, res.get_json()
        return sorted(r["行政许可决定文书号"][-4:-1] for r in res.get_json()["items"])

    assert found() == ["001", "002", "003"]
    assert found(name="光明") == ["002"]
    assert found(document_no="0003") == ["003"]
    assert found(item="XK-001") == ["003"]
    assert found(date_from="2025-10-01") == ["002", "003"]
    assert found(date_to="2025-09-30") == ["001"]
    assert found(name="%") == []  # a wildcard is searched for literally
    assert client.get("/api/public/decisions?bogus=1").status_code == 422
    page = html(client.get("/public/decisions", query_string={"name": "光明"}))
    assert "鞍山光明餐饮店" in page and "海城矿业" not in page and "共 1 条" in page
    assert "/public/decisions.csv?name=" in page  # downloads keep the search


def test_openapi_describes_the_public_endpoints(client):
    doc = client.get("/api/openapi.json").get_json()
    progress = doc["paths"]["/api/public/progress/{case_no}"]["get"]
    assert "security" not in progress and "429" in progress["responses"]
    assert "行政相对人名称" in doc["components"]["schemas"]["PublicDecision"]["properties"]


# ------------------------------------------------------------------------------------------ in a real browser

@pytest.fixture
def chromium_page(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    yield context.new_page(), live_server
    context.close()


@pytest.mark.browser
def test_public_portal_in_a_browser(api, staff, chromium_page):
    for name, person in (("鞍山示例食品有限公司", COMPANY), ("张三", PERSON),  # numbered 第0001号 … 第0003号
                         ("鞍山光明餐饮有限公司", {**COMPANY, "name": "鞍山光明餐饮有限公司"})):
        case_no = decided(api, "2025-09-30", applicant=person)
        publish(staff, case_no, "2025-10-09")
    b = staff("leader")  # the last one was revoked on review: withdrawn, shown as 无效
    b.get("/publications")
    b.post(f"/publications/{publication(case_no).id}/withdraw", {"reason": "经行政复议撤销（鞍政复决字〔2025〕12号）"})
    page, server = chromium_page

    page.goto(f"{server}/public/")
    page.click("nav.portal >> text=办事指南")
    page.click("text=建设工程规划许可证核发")
    page.wait_for_selector("figure.flow svg")
    assert "《中华人民共和国城乡规划法》第四十条" in page.content()
    shot(page, "10-public-guide")

    page.click("nav.portal >> text=双公示")
    assert page.locator("table.decisions tbody tr").count() == 3
    page.fill("input[name=name]", "光明")
    page.click("form.search button")
    page.wait_for_url("**/public/decisions?name=*")
    rows = page.locator("table.decisions tbody tr")
    assert rows.count() == 1 and "鞍山光明餐饮有限公司" in rows.first.inner_text()
    page.fill("input[name=name]", "")
    page.fill("input[name=document_no]", "0002号")
    page.click("form.search button")
    page.wait_for_selector("text=共 1 条")
    assert "张三" in page.content() and PERSON_ID not in page.content()
    page.fill("input[name=document_no]", "")
    page.select_option("select[name=item]", "XK-002")
    page.fill("input[name=date_from]", "2025-09-01")
    page.fill("input[name=date_to]", "2025-09-30")
    page.click("form.search button")
    page.wait_for_selector("text=共 3 条")
    assert page.locator("table.decisions .state.invalid").count() == 1
    shot(page, "11-public-decisions")

    page.click("text=张三")
    page.wait_for_selector("dl.fields")
    assert MASKED_ID in page.content() and PERSON_ID not in page.content()
    page.click("text=English")
    page.wait_for_selector("html[lang=en]")
    assert "ID number" in page.content() and MASKED_ID in page.content()
