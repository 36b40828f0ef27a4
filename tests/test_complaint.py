"""Consultation and complaint intake (咨询 / 投诉举报): the public form at /public/contact starts a case of the
service item ZX-TS in its own process (bpmn/complaint.bpmn), handled by clerk → reviewer → leader → clerk in
the staff task list; the case number is the tracking number for the progress query, which shows nothing
personal."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from tests.support.chromium import shot
from tests.support.web import Browser, html

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NAME, PHONE = "李明远", "13912345678"
CONTENT = "窗口工作人员要求重复提交营业执照复印件，往返三次仍未受理。"
APP = None


@pytest.fixture(autouse=True)
def fresh_limits(app):
    """The per-address limits are kept in memory: every test starts with none used."""
    global APP
    APP = app
    for name in ("public_contact_limiter", "publicity_query_limiter"):
        limiter = app.extensions.get(name)
        if limiter is not None:
            limiter.reset()
    yield


def token(client) -> str:
    res = client.get("/public/contact")
    assert res.status_code == 200
    return CSRF.search(html(res)).group(1)


def send(client, expect=201, csrf=True, **fields):
    data = {"contact_type": "complaint", "name": NAME, "phone": PHONE, "subject": "材料重复提交",
            "content": CONTENT, "about_case_no": "", **fields}
    if csrf:
        data["csrf_token"] = token(client)
    res = client.post("/public/contact", data=data)
    assert res.status_code == expect, html(res)[:3000]
    return res


def receipt(res) -> tuple[str, str]:
    page = html(res)
    case_no = re.search(r'id="case-no">([^<]+)<', page).group(1)
    code = re.search(r'id="query-code">([^<]+)<', page).group(1)
    return case_no, code


def case_count() -> int:
    from app.cases.models import Case
    with APP.app_context():
        return db.session.scalar(select(func.count(Case.id)))


def case_row(case_no):
    from app.cases.models import Case
    with APP.app_context():
        return db.session.scalar(select(Case).where(Case.case_no == case_no))


# ------------------------------------------------------------------------------------------ the diagram

def test_the_diagram_lints_clean_and_is_deployed(ctx):
    from app.definitions.service import latest_versions, major_process_keys
    from app.designer.linter import lint_files
    from app.engine.definitions import read_source
    latest = latest_versions()
    assert "complaint" in latest and latest["complaint"].filename == "complaint.bpmn"
    others = [read_source(v.filename, v.content) for k, v in latest.items() if k != "complaint"]
    path = ROOT / "bpmn" / "complaint.bpmn"
    assert lint_files([(path.name, path.read_bytes())], others, major_process_keys()) == []
    assert lint_files([(path.name, path.read_bytes())], [], None) == []  # alone, too
    from app.definitions.service import bundle_key, get_bundle
    bundle = get_bundle(bundle_key(v.id for v in latest.values()))
    tasks = {name: bundle.task_meta("complaint", name) for name in
             ("register_complaint", "investigate", "approve_reply", "reply")}
    assert {n: (m.role, m.kind) for n, m in tasks.items()} == {
        "register_complaint": ("clerk", "complaint_register"), "investigate": ("reviewer", "complaint_investigate"),
        "approve_reply": ("leader", "complaint_approve"), "reply": ("clerk", "complaint_reply")}
    assert all(m.instructions for m in tasks.values())
    assert {o.value for o in tasks["register_complaint"].form.by_name["route"].options} == {
        "answer_directly", "investigate"}


def test_the_service_item_runs_the_complaint_process(api):
    items = {i["code"]: i for i in api.get("/api/service-items", "clerk").get_json()["items"]}
    item = items["ZX-TS"]
    assert item["name"] == "咨询与投诉举报" and item["process_key"] == "complaint"
    assert item["major"] is False and item["statutory_days"] == 15 and item["category"] == "general"


# ------------------------------------------------------------------------------------------ the public form

def test_the_form_creates_a_case_and_the_progress_query_shows_nothing_personal(client, api):
    assert "Cache-Control" in client.get("/public/contact").headers
    res = send(client, about_case_no="xk-2025-000123")
    page = html(res)
    case_no, code = receipt(res)
    assert re.fullmatch(r"TS-\d{4}-000001", case_no) and re.fullmatch(r"[2-9A-Z]{8}", code)
    assert "已收到您的投诉" in page and 'href="/public/progress"' in page and res.headers["Cache-Control"] == "no-store"
    assert NAME not in page and PHONE not in page

    case = case_row(case_no)
    assert case.query_code == code and case.process_key == "complaint" and case.created_by == "public-intake"
    assert case.applicant_name == NAME and case.status == "complaint_registering"
    assert case.facts == {"contact_type": "complaint", "subject": "材料重复提交", "content": CONTENT,
                          "contact_name": NAME, "phone": PHONE, "about_case_no": "XK-2025-000123"}

    # in the clerks' task list like any case, the form filled in from what was sent
    task = api.open_task(case_no, "register_complaint")
    listed = [t for t in api.get("/api/tasks", "clerk").get_json()["tasks"] if t["case_no"] == case_no]
    assert [t["id"] for t in listed] == [task["id"]] and listed[0]["item"] == "咨询与投诉举报"
    assert task["role"] == "clerk" and not [t for t in api.get("/api/tasks", "reviewer").get_json()["tasks"]
                                            if t["case_no"] == case_no]
    detail = api.get(f"/api/tasks/{task['id']}", "clerk").get_json()
    assert detail["values"]["content"] == CONTENT and detail["values"]["contact_type"] == "complaint"
    staff = Browser(APP).login("clerk")
    assert "受理登记中" in html(staff.get(f"/cases/{case_no}"))
    assert CONTENT in html(staff.get(f"/tasks/{task['id']}"))

    # the tracking number and code show the progress, never the name, phone or content
    res = client.post("/public/progress", data={"case_no": case_no, "code": code})
    body = html(res)
    assert res.status_code == 200 and "受理登记中" in body and "咨询与投诉举报" in body
    for secret in (NAME, PHONE, CONTENT, "材料重复提交", "XK-2025-000123"):
        assert secret not in body
    data = client.get(f"/api/public/progress/{case_no}?code={code}").get_json()
    assert data["status_label"] == "受理登记中"
    assert not {NAME, PHONE, CONTENT} & {str(v) for v in data.values()}


def test_a_clerk_a_reviewer_and_the_leader_handle_it_with_one_revise_loop(client, api):
    case_no, code = receipt(send(client))
    api.complete(case_no, "register_complaint", "clerk", {
        "contact_type": "complaint", "subject": "材料重复提交", "content": CONTENT, "route": "investigate",
        "assign_note": "转审查科核实"})
    case = api.case(case_no)
    assert case["status"] == "complaint_investigating"
    row = case_row(case_no)
    assert row.accepted_on == row.received_on and row.decision_due is not None  # 15 working days from registration
    api.complete(case_no, "investigate", "reviewer", {"findings": "经调阅办件材料，情况部分属实。",
                                                      "substantiated": "partly", "proposed_reply": "已责成窗口整改。"})
    assert api.case(case_no)["status"] == "complaint_approving"
    # the leader sends it back: a reason is required
    task = api.open_task(case_no, "approve_reply")
    res = api.post(f"/api/tasks/{task['id']}/complete", "leader", json={"data": {"approval": "revise"}})
    assert res.status_code == 422 and "approval_opinion" in res.get_json()["fields"]
    api.complete(case_no, "approve_reply", "leader", {"approval": "revise", "approval_opinion": "请核实往返次数"})
    assert api.case(case_no)["status"] == "complaint_investigating"
    api.complete(case_no, "investigate", "reviewer", {"findings": "往返三次属实。", "substantiated": "substantiated",
                                                      "proposed_reply": "致歉并已整改，一次性告知材料清单。"})
    api.complete(case_no, "approve_reply", "leader", {"approval": "approve"})
    assert api.case(case_no)["status"] == "complaint_replying"
    res = client.post("/public/progress", data={"case_no": case_no, "code": code})
    assert "待答复" in html(res)
    done = api.complete(case_no, "reply", "clerk", {"reply_text": "已电话答复并致歉。", "reply_method": "phone",
                                                   "replied_on": dt.date.today().isoformat()})
    case = api.case(case_no)
    assert case["status"] == "completed" and case["tasks"] == [] and "已办结" in done["message"]
    from app.cases.models import TaskItem
    with APP.app_context():
        steps = db.session.execute(select(TaskItem.name, TaskItem.completed_by).where(
            TaskItem.case_id == case_row(case_no).id).order_by(TaskItem.completed_at)).all()
    assert [tuple(s) for s in steps] == [
        ("register_complaint", "clerk"), ("investigate", "reviewer"), ("approve_reply", "leader"),
        ("investigate", "reviewer"), ("approve_reply", "leader"), ("reply", "clerk")]
    assert "已办结" in html(client.post("/public/progress", data={"case_no": case_no, "code": code}))
    assert api.get(f"/api/cases/{case_no}/records/verify", "supervisor").get_json()["valid"] is True


def test_a_consultation_answered_directly_goes_straight_to_the_reply(client, api):
    case_no, _code = receipt(send(client, contact_type="consultation", subject="食品经营许可需要哪些材料",
                                  content="请问食品经营许可需要准备哪些材料？"))
    api.complete(case_no, "register_complaint", "clerk", {
        "contact_type": "consultation", "subject": "食品经营许可需要哪些材料", "content": "请问？",
        "route": "answer_directly"})
    assert api.case(case_no)["status"] == "complaint_replying"
    api.complete(case_no, "reply", "clerk", {"reply_text": "见办事指南。", "reply_method": "sms",
                                            "replied_on": dt.date.today().isoformat()})
    assert api.case(case_no)["status"] == "completed"


def test_validation_errors_show_next_to_the_fields_and_create_nothing(client):
    res = send(client, expect=422, content="   ", phone="12345")
    page = html(res)
    assert re.search(r'id="content-error">此项为必填项<', page)
    assert 'id="phone-error"' in page and "11位手机号码" in page
    assert 'aria-describedby="phone-error"' in page and 'aria-invalid="true"' in page
    assert 'value="材料重复提交"' in page and f'value="{NAME}"' in page  # what was typed is kept
    res = send(client, expect=422, name="", contact_type="complaint")
    assert 'id="name-error"' in html(res) and "只有举报可以匿名" in html(res)
    res = send(client, expect=422, content="字" * 2001, about_case_no="123")
    assert 'id="content-error">最多 2000 个字符<' in html(res) and 'id="about_case_no-error"' in html(res)
    res = send(client, expect=422, contact_type="petition")
    assert 'id="contact_type-error"' in html(res)
    assert case_count() == 0


def test_landline_numbers_are_accepted(client):
    send(client, phone="0412-5551234")
    assert case_count() == 1


def test_without_the_csrf_token_nothing_is_created(client):
    res = send(client, expect=400, csrf=False)
    assert "页面已过期" in html(res)
    res = client.post("/public/contact", data={"contact_type": "complaint", "name": NAME, "subject": "x",
                                               "content": "y", "csrf_token": "forged"})
    assert res.status_code == 400
    assert case_count() == 0


def test_an_anonymous_report_works(client, api):
    res = send(client, contact_type="report", name="", phone="", subject="工作人员索要好处费",
               content="某窗口工作人员暗示办理需要“打点”。")
    assert "已收到您的举报" in html(res)
    case_no, code = receipt(res)
    case = case_row(case_no)
    assert case.applicant_name == "匿名" and case.facts["contact_name"] is None and case.facts["phone"] is None
    api.complete(case_no, "register_complaint", "clerk", {
        "contact_type": "report", "subject": "工作人员索要好处费", "content": "同上", "route": "investigate"})
    assert "调查核实中" in html(client.post("/public/progress", data={"case_no": case_no, "code": code}))


def test_too_many_submissions_from_one_address_get_429(client, app):
    for _ in range(4):
        send(client, expect=422, content="")
    send(client)  # the fifth in ten minutes still goes through
    res = send(client, expect=429)
    assert "提交过于频繁" in html(res) and int(res.headers["Retry-After"]) > 0
    assert case_count() == 1
    other = app.test_client()
    data = {"contact_type": "consultation", "name": "王五", "subject": "问", "content": "问题",
            "csrf_token": token(other)}
    assert other.post("/public/contact", data=data, environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 201


def test_the_service_account_cannot_sign_in(client, api):
    send(client)
    from app.users.models import User
    with APP.app_context():
        user = db.session.scalar(select(User).where(User.username == "public-intake"))
        assert user is not None and user.roles == {"clerk"} and user.active is False
        assert not user.check_password("") and not user.check_password("demo")
    for password in ("demo", "public-intake", "!no-login-"):
        # refused, and after five failures locked out (429) before the password is even looked at
        res = client.post("/api/auth/token", json={"username": "public-intake", "password": password})
        assert res.status_code in (401, 429) and "token" not in res.get_json()
        web = Browser(APP)
        web.get("/login")
        assert web.post("/login", {"username": "public-intake", "password": password}).status_code in (401, 429)
    send(client)  # the account is reused
    with APP.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(User.username == "public-intake")) == 1


def test_the_form_in_english(client):
    page = html(client.get("/public/contact?lang=en"))
    assert '<html lang="en">' in page and 'action="/public/contact?lang=en"' in page


# ------------------------------------------------------------------------------------------ in a browser

@pytest.mark.browser
def test_the_form_and_the_confirmation_in_a_browser(app, chromium, live_server):
    server = live_server
    page = chromium.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN").new_page()
    page.goto(f"{server}/public/contact")
    page.check("input[name=contact_type][value=complaint]")
    page.fill("input[name=name]", NAME)
    page.fill("input[name=phone]", "1391234")
    page.fill("input[name=subject]", "材料重复提交")
    page.click("form.contact button")
    page.wait_for_selector("#phone-error")
    assert "此项为必填项" in page.inner_text("#content-error")
    page.fill("input[name=phone]", PHONE)
    page.fill("textarea[name=content]", CONTENT)
    page.click("form.contact button")
    page.wait_for_selector("#case-no")
    case_no, code = page.inner_text("#case-no"), page.inner_text("#query-code")
    confirmation = page.screenshot(full_page=True)
    page.goto(f"{server}/public/contact")
    page.check("input[name=contact_type][value=report]")
    page.fill("input[name=phone]", "1391234")
    page.fill("input[name=subject]", "材料重复提交")
    page.click("form.contact button")
    page.wait_for_selector("#phone-error")
    form = page.screenshot(full_page=True)
    page.goto(f"{server}/public/progress")
    page.fill("input[name=case_no]", case_no)
    page.fill("input[name=code]", code)
    page.click("form.query button")
    page.wait_for_selector("dl.fields")
    assert "受理登记中" in page.content() and NAME not in page.content()
    # the form (with its errors) and the confirmation side by side in one picture
    import base64
    images = "".join(f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}" '
                     'style="width:1360px;vertical-align:top;margin-right:20px">' for png in (form, confirmation))
    page.set_viewport_size({"width": 2740, "height": 900})
    page.set_content(f'<body style="margin:0;background:#cfd4da;white-space:nowrap">{images}</body>')
    shot(page, "12-public-contact")
