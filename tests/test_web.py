"""The staff web, through the Flask test client with CSRF protection on (tokens read from the pages)."""
import hashlib
import io
import re

from sqlalchemy import select

from tests.support import forms as f
from tests.support.web import PDF, html


def test_pages_need_sign_in(browser, api):
    case_no = api.new_case()["case_no"]
    anonymous = browser()
    for url in ("/", "/cases/new", f"/cases/{case_no}", "/tasks/whatever"):
        res = anonymous.get(url)
        assert res.status_code == 302 and "/login" in res.headers["Location"], url


def test_sign_in_errors_and_sign_out(browser):
    b = browser()
    b.get("/login")
    res = b.post("/login", {"username": "clerk", "password": "wrong"})
    assert res.status_code == 401 and "用户名或密码错误" in html(res)
    b.login("clerk")
    assert b.get("/").status_code == 200
    assert b.post("/logout").status_code == 302
    assert b.get("/").status_code == 302


def test_posts_without_csrf_token_are_refused(browser, api):
    case_no = api.new_case()["case_no"]
    task = api.open_task(case_no, "receive")
    b = browser("clerk")
    res = b.post(f"/tasks/{task['id']}", {"outcome": "accept"}, csrf=False)
    assert res.status_code == 400 and "CSRF" in html(res)
    assert api.open_task(case_no, "receive")  # nothing happened


def test_open_redirect_after_sign_in_is_refused(browser):
    b = browser()
    b.get("/login")
    res = b.post("/login?next=//evil.example/x", {"username": "clerk", "password": "demo"})
    assert res.headers["Location"] == "/"


def test_task_list_filters_search_and_pages(browser, api):
    numbers = [api.new_case()["case_no"] for _ in range(27)]
    api.new_case(item="XK-003")  # a major one
    b = browser("clerk")
    page = html(b.get("/?scope=available"))
    assert "可认领" in page and numbers[0] in page and "共 28 条" in page
    assert numbers[26] not in page  # 25 a page, oldest first
    second = html(b.get("/?scope=available&page=2"))  # a short page is the last: its total is counted all the same
    assert numbers[26] in second and "共 28 条" in second
    assert "共 1 条" in html(b.get(f"/?scope=available&q={numbers[5]}"))
    assert "共 28 条" in html(b.get(f"/?scope=available&q={numbers[5][:6].lower()}"))  # case ignored
    assert "没有可认领的任务" in html(b.get("/?scope=available&q=%25"))  # a % is a percent sign, not a wildcard
    assert "共 1 条" in html(b.get("/?scope=available&item=XK-003"))
    assert "没有可认领的任务" in html(b.get("/?scope=available&item=XK-999"))  # no such item
    major = html(b.get("/?scope=available&major=1"))
    assert "共 1 条" in major and "重大" in major
    assert "共 0 条" not in html(b.get("/?scope=available&step=receive"))
    assert "没有可认领的任务" in html(b.get("/?scope=available&step=review"))


def test_a_filtered_list_counts_up_to_a_cap(browser, api, monkeypatch):
    """A filter matching more than COUNT_CAP tasks says "more than" and pages on while pages are full; the
    unfiltered list keeps its exact count."""
    from app.cases import web
    monkeypatch.setattr(web, "COUNT_CAP", 3)
    monkeypatch.setattr(web, "PAGE_SIZE", 2)
    numbers = [api.new_case()["case_no"] for _ in range(5)]
    b = browser("clerk")
    first = html(b.get("/?scope=available&step=receive"))
    assert "超过 3 条，第 1 页" in first and "下一页" in first and numbers[0] in first
    assert "超过 3 条，第 2 页" in html(b.get("/?scope=available&step=receive&page=2"))
    last = html(b.get("/?scope=available&step=receive&page=3"))  # short: the last page, its total known
    assert numbers[4] in last and "共 5 条，第 3 / 3 页" in last and "下一页" not in last
    assert "共 5 条，第 1 / 3 页" in html(b.get("/?scope=available"))
    b.post("/language", {"lang": "en", "next": "/"})
    assert "more than 3, page 1" in html(b.get("/?scope=available&step=receive"))


def test_claim_and_claimed_by_another(browser, api):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    task = api.open_task(case_no, "review")
    first = browser("reviewer")
    first.get("/?scope=available")
    assert first.post(f"/tasks/{task['id']}/claim").status_code == 302
    assert case_no in html(first.get("/?scope=mine"))
    second = browser("reviewer2")
    page = html(second.get(f"/tasks/{task['id']}"))
    assert "此任务已由 李审查 认领" in page
    res = second.post(f"/tasks/{task['id']}", {**f.review(), "action": "submit"})
    assert res.status_code == 409 and "李审查" in html(res)


def test_task_form_errors_keep_what_was_typed(browser, api):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    task = api.open_task(case_no, "review")
    b = browser("reviewer")
    b.get(f"/tasks/{task['id']}")
    typed = {**f.review(), "investment": "很多", "action": "submit", "opinion": "我写了很长的意见"}
    del typed["proposal"]
    res = b.post(f"/tasks/{task['id']}", {k: str(v).lower() if isinstance(v, bool) else v for k, v in typed.items()})
    page = html(res)
    assert res.status_code == 422
    assert re.search(r'id="field-investment".*?请输入数字', page, re.S)
    assert re.search(r'id="field-proposal".*?此项为必填项', page, re.S)
    assert "我写了很长的意见" in page and 'value="很多"' in page


def test_save_draft_then_submit_says_where_the_case_went(browser, api):
    case_no = api.new_case()["case_no"]
    task = api.open_task(case_no, "receive")
    b = browser("clerk")
    b.get(f"/tasks/{task['id']}")
    b.post(f"/tasks/{task['id']}", {"comment": "材料待核对", "action": "draft"})
    assert "材料待核对" in html(b.get(f"/tasks/{task['id']}"))
    res = b.post(f"/tasks/{task['id']}", {"outcome": "accept", "materials_complete": "true", "action": "submit"})
    assert res.status_code == 302
    assert "已转至：审查（审查人员）" in html(b.get("/"))


def test_wrong_role_gets_a_403_page_and_nothing_moves(browser, api):
    case_no = api.new_case()["case_no"]
    task = api.open_task(case_no, "receive")
    b = browser("legal")
    b.get(f"/tasks/{task['id']}")
    res = b.post(f"/tasks/{task['id']}", {"outcome": "accept", "materials_complete": "true", "action": "submit"})
    assert res.status_code == 403 and "窗口受理人员" in html(res)
    assert browser("reviewer").get("/cases/new").status_code == 403
    assert api.open_task(case_no, "receive")["id"] == task["id"]


def test_new_application_checks_the_credit_code_and_stores_materials(browser, app, api):
    b = browser("clerk")
    b.get("/cases/new")
    form = {"item": "XK-002", "applicant_type": "legal_person", "applicant_name": "鞍山某公司",
            "applicant_code": "91210300MA0QC4XB9X", "confidentiality": "internal", "file_confidentiality": "internal"}
    res = b.post("/cases/new", form)
    assert res.status_code == 422 and "统一社会信用代码须为18位" in html(res) and "鞍山某公司" in html(res)
    form["applicant_code"] = "91210300MA0QC4XB9B"
    res = b.post("/cases/new", {**form, "files": (io.BytesIO(PDF), "申请书.pdf")},
                 content_type="multipart/form-data")
    assert res.status_code == 302
    case_no = res.headers["Location"].rsplit("/", 1)[-1]
    page = html(b.get(f"/cases/{case_no}"))
    assert "申请书.pdf" in page and "登记了申请" in page and "上传了文件 申请书.pdf" in page
    sha = hashlib.sha256(PDF).hexdigest()
    with app.app_context():
        from app.evidence.service import blob_path
        assert blob_path(sha).read_bytes() == PDF
    recs = api.get(f"/api/cases/{case_no}/records", "clerk").get_json()["records"]
    added = [r for r in recs if r["action"] == "evidence_added"]
    assert added and added[0]["payload"]["sha256"] == sha


def _case_with_file(browser, api, confidentiality, name="现场照片.jpg", content=b"\xff\xd8\xff\xe0photo"):
    case_no = api.new_case()["case_no"]
    b = browser("clerk")
    b.get(f"/cases/{case_no}")
    res = b.post(f"/cases/{case_no}/files", {"files": (io.BytesIO(content), name),
                                             "file_confidentiality": confidentiality},
                 content_type="multipart/form-data")
    assert res.status_code == 302
    return case_no, b


def _evidence(app, case_no):
    from app.cases.models import Case
    from app.evidence.models import Evidence
    from app.extensions import db
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.case_no == case_no))
        return [(e.id, e.sha256, e.superseded, e.supersedes_id)
                for e in db.session.scalars(select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.id))]


def test_confidential_download_is_checked_and_recorded(browser, app, api):
    case_no, clerk = _case_with_file(browser, api, "privacy")
    (evidence_id, _sha, _, _), = _evidence(app, case_no)
    assert clerk.get(f"/files/{evidence_id}").status_code == 200  # the uploader
    secretary = browser("secretary")
    assert secretary.get(f"/files/{evidence_id}").status_code == 403
    res = browser("reviewer").get(f"/files/{evidence_id}")
    assert res.status_code == 200 and res.data.startswith(b"\xff\xd8")
    actions = [(r["actor"], r["action"]) for r in api.get(f"/api/cases/{case_no}/records", "clerk").get_json()["records"]]
    assert ("secretary", "refused") in actions and ("reviewer", "evidence_downloaded") in actions
    assert ("clerk", "evidence_downloaded") in actions


def test_files_are_never_replaced_only_superseded_with_a_reason(browser, app, api):
    case_no, clerk = _case_with_file(browser, api, "internal")
    (old_id, old_sha, _, _), = _evidence(app, case_no)
    clerk.get(f"/cases/{case_no}")
    clerk.post(f"/files/{old_id}/supersede", {"case_no": case_no, "reason": "",
                                                    "file": (io.BytesIO(b"\xff\xd8\xff\xe0v2"), "现场照片.jpg")},
                     content_type="multipart/form-data")
    assert _evidence(app, case_no) == [(old_id, old_sha, False, None)]
    assert "此项为必填项" in html(clerk.get(f"/cases/{case_no}"))
    clerk.post(f"/files/{old_id}/supersede", {"case_no": case_no, "reason": "原照片模糊",
                                              "file": (io.BytesIO(b"\xff\xd8\xff\xe0v2"), "现场照片.jpg")},
               content_type="multipart/form-data")
    (first, second) = _evidence(app, case_no)
    assert first == (old_id, old_sha, True, None) and second[3] == old_id and second[1] != old_sha
    assert clerk.get(f"/files/{old_id}").status_code == 200  # the original stays readable


def test_upload_rules(browser, app, api):
    case_no, clerk = _case_with_file(browser, api, "internal")
    clerk.get(f"/cases/{case_no}")
    bad_type = clerk.post(f"/cases/{case_no}/files", {"files": (io.BytesIO(b"MZ..."), "tool.exe")},
                          content_type="multipart/form-data", follow_redirects=True)
    assert "不允许的文件类型：.exe" in html(bad_type)
    fake = clerk.post(f"/cases/{case_no}/files", {"files": (io.BytesIO(b"not a pdf"), "a.pdf")},
                      content_type="multipart/form-data", follow_redirects=True)
    assert "文件内容与扩展名不符" in html(fake)
    assert len(_evidence(app, case_no)) == 1
    secret = api.post("/api/cases", "clerk", json={"item": "XK-002", "confidentiality": "state_secret",
                                                   "applicant": {"name": "张三", "type": "natural_person"}})
    secret_no = secret.get_json()["case_no"]
    clerk.get(f"/cases/{secret_no}")
    video = clerk.post(f"/cases/{secret_no}/files", {"files": (io.BytesIO(b"\x00\x00\x00\x18ftypmp42"), "听证.mp4")},
                       content_type="multipart/form-data", follow_redirects=True)
    assert "涉及国家秘密、商业秘密或者个人隐私的案件不得进行音像记录" in html(video) and _evidence(app, secret_no) == []


def test_case_page_shows_timeline_files_and_the_diagram_with_the_current_step(browser, api):
    case_no = api.new_case(item="XK-003")["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review())
    page = html(browser("supervisor").get(f"/cases/{case_no}"))
    assert "法制审核中" in page and "目录清单所列重大执法决定事项" in page
    assert "李审查 办理了“审查”" in page and "拟准予许可" in page  # submitted data in plain words
    assert re.search(r'data-element-id="review"[^>]*class="[^"]*done', page) or \
        re.search(r'class="[^"]*done[^"]*"[^>]*data-element-id="review"', page)
    assert re.search(r'data-element-id="legal_review"[^>]*class="[^"]*current', page) or \
        re.search(r'class="[^"]*current[^"]*"[^>]*data-element-id="legal_review"', page)


def test_english_is_selectable_per_user(browser, app, api):
    b = browser("clerk")
    b.get("/")
    b.post("/language", {"lang": "en", "next": "/"})
    page = html(b.get("/"))
    assert "Sign out" in page and "退出" not in page
    again = browser("clerk")  # a new session remembers the user's choice
    assert "Sign out" in html(again.get("/"))
    again.post("/language", {"lang": "zh", "next": "/"})


def test_unknown_pages_get_a_404_page(browser):
    res = browser("clerk").get("/cases/XK-0000-999999")
    assert res.status_code == 404 and "页面不存在" in html(res)


def test_committee_form_offers_users_and_the_checklist_renders(browser, api):
    case_no = api.new_case(item="XK-003")["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review())
    checklist_page = html(browser("legal").get(f"/tasks/{api.open_task(case_no, 'legal_review')['id']}"))
    assert checklist_page.count('name="checklist__') == 40  # pass/fail/na and a comment for each of 10 items
    assert "执法主体是否合法" in checklist_page
    api.complete(case_no, "legal_review", "legal", f.legal_review())
    page = html(browser("secretary").get(f"/tasks/{api.open_task(case_no, 'committee')['id']}"))
    assert 'name="attendees" value="legal2"' in page and "法制审核人员" in page


def _at_onsite_check(api):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", {**f.ACCEPT, "onsite_needed": True})
    return case_no, api.open_task(case_no, "onsite_check")


ONSITE = {"check_date": "2026-11-24", "officers": ["reviewer", "reviewer2"], "identity_shown": True,
          "findings": "经营场所与申请材料一致", "result": "consistent"}


def test_onsite_check_needs_audio_video_or_a_written_reason(api, browser):
    case_no, task = _at_onsite_check(api)
    res = api.post(f"/api/tasks/{task['id']}/complete", "reviewer", json={"data": ONSITE})
    assert res.status_code == 422 and "av_exemption_reason" in res.get_json()["fields"]
    one_officer = api.post(f"/api/tasks/{task['id']}/complete", "reviewer",
                           json={"data": {**ONSITE, "officers": ["reviewer"], "av_exemption_reason": "x"}})
    assert one_officer.status_code == 422 and "officers" in one_officer.get_json()["fields"]
    # with a video uploaded to the task, no reason is needed
    b = browser("reviewer")
    b.get(f"/tasks/{task['id']}")
    b.post(f"/cases/{case_no}/files", {"task_id": task["id"], "files": (io.BytesIO(b"\x00\x00\x00\x18ftypmp42"),
                                                                       "现场核查.mp4")},
           content_type="multipart/form-data")
    assert api.post(f"/api/tasks/{task['id']}/complete", "reviewer", json={"data": ONSITE}).status_code == 200
    assert api.open_task(case_no, "review")


def test_a_fields_help_is_in_the_readers_language(api, browser):
    _case_no, task = _at_onsite_check(api)
    b = browser("reviewer")
    zh = html(b.get(f"/tasks/{task['id']}"))
    assert "上传了现场录音录像的无需填写" in zh and "Leave empty" not in zh
    b.post("/language", {"lang": "en", "next": "/"})
    en = html(b.get(f"/tasks/{task['id']}"))
    assert "Leave empty when audio/video was uploaded" in en and "上传了现场录音录像的无需填写" not in en
    b.post("/language", {"lang": "zh", "next": "/"})


def test_onsite_check_without_video_is_fine_with_a_reason(api):
    case_no, task = _at_onsite_check(api)
    data = {**ONSITE, "av_exemption_reason": "现场涉及申请人商业秘密，不宜录像，已作文字记录。"}
    assert api.post(f"/api/tasks/{task['id']}/complete", "reviewer", json={"data": data}).status_code == 200
    # and a case without the on-site check goes straight to review, as before
    other = api.new_case()["case_no"]
    assert [t["name"] for t in api.complete(other, "receive", "clerk", f.ACCEPT)["next_tasks"]] == ["review"]


def test_everyone_sees_only_what_their_roles_allow(api, browser):
    case_no = api.new_case()["case_no"]
    assert browser("designer").get(f"/cases/{case_no}").status_code == 403
    assert api.get(f"/api/cases/{case_no}", "designer").status_code == 403
    assert api.get(f"/api/cases/{case_no}/records", "admin").status_code == 403
    assert browser("legal").get(f"/cases/{case_no}").status_code == 200

    secret = api.post("/api/cases", "clerk", json={"item": "XK-002", "confidentiality": "state_secret",
                                                   "applicant": {"name": "某单位", "type": "natural_person"}})
    secret_no = secret.get_json()["case_no"]
    assert browser("clerk").get(f"/cases/{secret_no}").status_code == 200  # registered it
    assert browser("legal").get(f"/cases/{secret_no}").status_code == 403  # never acted on it
    assert browser("leader").get(f"/cases/{secret_no}").status_code == 200
    assert api.get(f"/api/cases/{secret_no}", "supervisor").status_code == 403  # only with a leader's grant
    api.complete(secret_no, "receive", "clerk", f.ACCEPT)
    assert browser("reviewer").get(f"/cases/{secret_no}").status_code == 403  # their role's step: not enough
    task = api.open_task(secret_no, "review")
    assert api.post(f"/api/tasks/{task['id']}/claim", "reviewer").status_code == 200
    assert browser("reviewer").get(f"/cases/{secret_no}").status_code == 200  # they hold its task now


def test_double_submit_of_a_task_page(api, browser):
    case_no = api.new_case()["case_no"]
    task = api.open_task(case_no, "receive")
    b = browser("clerk")
    b.get(f"/tasks/{task['id']}")
    form = {"outcome": "accept", "materials_complete": "true", "action": "submit"}
    assert b.post(f"/tasks/{task['id']}", form).status_code == 302
    again = b.post(f"/tasks/{task['id']}", form, follow_redirects=True)
    assert "任务已办结或不可办理" in html(again)
    recs = api.get(f"/api/cases/{case_no}/records", "clerk").get_json()["records"]
    assert len([r for r in recs if r["action"] == "task_completed"]) == 1
