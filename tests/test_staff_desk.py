"""Issue 12, staff at the desk: Beijing time and labels (not codes, not sign-in names) on every staff page of
a finished major case; the approval sheet (流转意见) on the task and case pages."""
from __future__ import annotations

import re

from tests.support import forms as f
from tests.support.flows import actions, at, finish_after_decision
from tests.support.web import html

# The codes of the diagrams' outcome fields: what the page must show as labels instead.
OUTCOME_CODES = ("revise", "approve", "resubmit", "grant", "deny", "accept", "reject", "correct", "pass")
USERNAMES = ("clerk", "reviewer", "reviewer2", "legal", "legal2", "counsel", "secretary", "leader", "supervisor")


def visible_text(page: str) -> str:
    """What a person reads: no scripts, styles, tags or attribute values."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", page)


def legal_review(outcome, failed=()):
    """The legal review's form, its opinion in words (the shared one quotes the outcome's code)."""
    return {**f.legal_review(outcome, failed), "opinion": "证据需补充后再报" if failed else "经审核，同意"}


def major_case(api) -> str:
    """A major case through two legal-review rounds (revise, then approve), counsel, the committee, the leader's
    signature and decision, delivery, publication and archiving."""
    with at("2026-11-20", hour=23):  # 15:00 UTC, shown as 23:00 Beijing time
        case_no = api.new_case(item="XK-001")["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review(category="resource_allocation", complex=True))
    api.complete(case_no, "legal_review", "legal", legal_review("revise", failed=("evidence",)))
    api.complete(case_no, "amend", "reviewer", f.amend(category="resource_allocation", complex=True))
    api.complete(case_no, "legal_review", "legal", legal_review("approve"))
    api.complete(case_no, "counsel", "counsel", f.COUNSEL)
    api.complete(case_no, "committee", "secretary", f.committee("pass"))
    api.complete(case_no, "sign_conclusion", "leader", f.SIGN)
    api.complete(case_no, "decide", "leader", f.DECIDE_GRANT)
    return case_no


def test_no_utc_no_codes_no_usernames_on_the_staff_pages_of_a_finished_major_case(api, browser):
    case_no = major_case(api)
    assert finish_after_decision(api, case_no)["case"]["status"] == "completed"
    record_codes = {r["action"] for r in actions(api, case_no)}  # document_issued, service_recorded…
    assert {"document_issued", "service_recorded", "task_completed"} <= record_codes
    pages = {"clerk": [f"/cases/{case_no}"], "reviewer": [f"/cases/{case_no}"], "legal": [f"/cases/{case_no}"],
             "leader": [f"/cases/{case_no}"],
             "supervisor": [f"/cases/{case_no}", f"/supervision/cases/{case_no}"]}
    for user, urls in pages.items():
        web = browser(user)
        for url in urls:
            res = web.get(url)
            assert res.status_code == 200, (user, url)
            text = visible_text(html(res))
            assert "UTC" not in text, (user, url)
            for code in (*OUTCOME_CODES, *USERNAMES, *record_codes):
                assert not re.search(rf"(?<![\w-]){code}(?![\w-])", text), (user, url, code, text[
                    max(text.find(code) - 80, 0):text.find(code) + 40])
            if url.startswith("/cases/"):  # the registration: 23:00 Beijing time, stored as 15:00 UTC
                assert "2026-11-20 23:00" in text, (user, url)
                assert "签发《受理通知书》鞍行审受字〔2026〕第" in text and "记录送达：" in text, (user, url)


def test_the_amend_page_shows_each_earlier_step_in_order_with_labels_and_the_revise_comments(api, browser):
    case_no = api.new_case(item="XK-001")["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review(category="resource_allocation", complex=True))
    api.complete(case_no, "legal_review", "legal", legal_review("revise", failed=("evidence",)))
    amend = api.open_task(case_no, "amend")
    page = visible_text(html(browser("reviewer").get(f"/tasks/{amend['id']}")))
    sheet = page[page.index("审批表 · 流转意见"):page.index("修改说明")]  # above the form
    steps = [sheet.index(s) for s in ("收件 王窗口 （窗口受理人员）", "审查 李审查 （审查人员）",
                                       "法制审核 张法制 （法制审核人员）")]
    assert steps == sorted(steps)
    legal = sheet[steps[2]:]
    assert "结论： 提出修改意见" in legal and "证据需补充后再报" in legal
    assert "✗ 证据是否确凿、合法、充分 证据不足" in legal and legal.count("✓") == 9
    assert "修改重报" not in sheet  # the open step itself is not in its own sheet


def test_the_sheet_in_english_shows_the_labels_in_english(api, browser):
    case_no = api.new_case(item="XK-001")["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    task = api.open_task(case_no, "review")
    page = visible_text(html(browser("reviewer").get(f"/tasks/{task['id']}?lang=en")))
    assert "Accept" in page and "受理 " not in page[page.index("Approval sheet"):]


def test_registration_errors_and_item_names_in_the_users_language(browser):
    web = browser("clerk")
    web.get("/cases/new")
    res = web.post("/cases/new", {"item": "XK-002", "applicant_type": "natural_person", "applicant_name": ""})
    assert res.status_code == 422
    page = visible_text(html(res))
    assert "此项为必填项" in page and "Length must be" not in page
    res = web.post("/cases/new?lang=en", {"item": "XK-002", "applicant_type": "natural_person", "applicant_name": ""})
    page = visible_text(html(res))
    assert "This field is required" in page and "Length must be" not in page
    assert "Food business licence" in page  # the catalogue's name_en


def test_a_task_claimed_by_another_is_read_only_with_its_holder_and_since_when(api, browser):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    task = api.open_task(case_no, "review")
    with at("2026-11-20", hour=9):
        assert api.post(f"/api/tasks/{task['id']}/claim", "reviewer").status_code == 200
    page = html(browser("reviewer2").get(f"/tasks/{task['id']}"))
    text = visible_text(page)
    assert "此任务已由 李审查 认领，您不能办理。" in text and "认领时间：2026-11-20 09:00" in text
    assert '<fieldset class="read-only" disabled' in page
    assert f'action="/tasks/{task["id"]}"' not in page  # no form posts to the task
    assert 'value="submit"' not in page and 'value="draft"' not in page and "认领此任务" not in text
    # the holder still has the form
    own = html(browser("reviewer").get(f"/tasks/{task['id']}"))
    assert 'value="submit"' in own and 'class="read-only"' not in own


def test_a_registration_form_submitted_twice_registers_once(api, browser):
    from tests.support.web import CSRF
    web = browser("clerk")
    form = html(web.get("/cases/new"))
    token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
    data = {"form_token": token, "item": "XK-002", "applicant_type": "natural_person", "applicant_name": "李四",
            "phone": "0412-5550123", "id_number": "11010519491231002X", "address": "铁东区胜利南路 1 号"}
    first = web.post("/cases/new", data)
    assert first.status_code == 302 and "/cases/XK-" in first.location
    again = web.post("/cases/new", data)  # the same form again (a second click, or Back with the page cached)
    assert again.status_code == 302 and again.location == first.location
    assert "已提交过" in html(web.get(again.location))
    # a new form for the same applicant and item the same day: a warning first, then registered on purpose
    token2 = re.search(r'name="form_token" value="([^"]+)"', html(web.get("/cases/new"))).group(1)
    warned = web.post("/cases/new", {**data, "form_token": token2})
    assert warned.status_code == 422 and "今天已为同一申请人登记过同一事项" in html(warned)
    confirmed = web.post("/cases/new", {**data, "form_token": token2, "confirm_same": "1"})
    assert confirmed.status_code == 302 and confirmed.location != first.location
    assert CSRF  # the helper reads the token from every page


def test_contact_details_are_kept_beside_the_case_not_in_its_records(app, api, browser):
    web = browser("clerk")
    token = re.search(r'name="form_token" value="([^"]+)"', html(web.get("/cases/new"))).group(1)
    bad = web.post("/cases/new", {"form_token": token, "item": "XK-002", "applicant_type": "natural_person",
                                  "applicant_name": "王五", "id_number": "110105194912310021", "phone": "abc"})
    page = visible_text(html(bad))
    assert bad.status_code == 422 and "身份证号码须为18位且校验位正确" in page and "请填写有效的联系电话" in page
    res = web.post("/cases/new", {"form_token": token, "item": "XK-002", "applicant_type": "natural_person",
                                  "applicant_name": "王五", "id_number": "11010519491231002x", "phone": "13800000000"})
    case_no = res.location.rsplit("/", 1)[1]
    from app.cases.models import Case
    from app.extensions import db
    from app.intake.registration import contact_of
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.case_no == case_no))
        contact = contact_of(case)
        assert contact.id_number == "11010519491231002X" and contact.phone == "13800000000"
    records = api.get(f"/api/cases/{case_no}/records", "supervisor").get_json()["records"]
    assert "13800000000" not in str(records) and "11010519491231002X" not in str(records)


def test_files_chosen_before_a_refused_registration_are_kept(api, browser):
    import io

    from tests.support.web import PDF
    web = browser("clerk")
    token = re.search(r'name="form_token" value="([^"]+)"', html(web.get("/cases/new"))).group(1)
    refused = web.post("/cases/new", {"form_token": token, "item": "XK-002", "applicant_type": "natural_person",
                                      "applicant_name": "", "files": (io.BytesIO(PDF), "申请书.pdf")},
                       content_type="multipart/form-data")
    assert refused.status_code == 422 and "申请书.pdf" in html(refused)  # shown as kept
    done = web.post("/cases/new", {"form_token": token, "item": "XK-002", "applicant_type": "natural_person",
                                   "applicant_name": "赵六"}, content_type="multipart/form-data")
    case_no = done.location.rsplit("/", 1)[1]
    files = [r for r in api.get(f"/api/cases/{case_no}/records", "supervisor").get_json()["records"]
             if r["action"] == "evidence_added"]
    assert [r["payload"]["filename"] for r in files] == ["申请书.pdf"]


def received(api, n: int) -> list[tuple[str, str]]:
    """n cases waiting at 审查: (case number, task id)."""
    out = []
    for _ in range(n):
        case_no = api.new_case()["case_no"]
        api.complete(case_no, "receive", "clerk", f.ACCEPT)
        out.append((case_no, api.open_task(case_no, "review")["id"]))
    return out


def test_batch_claim_from_the_list(api, browser):
    (a, ta), (b, tb), (c, tc) = received(api, 3)
    api.post(f"/api/tasks/{tc}/claim", "reviewer2")  # taken meanwhile by someone else
    web = browser("reviewer")
    listing = html(web.get("/?scope=available"))
    assert 'form="batch-claim"' in listing and "认领所选" in listing
    res = web.post("/tasks/claim", {"task_id": [ta, tb, tc]})
    assert res.status_code == 302 and "scope=mine" in res.location
    page = visible_text(html(web.get(res.location)))
    assert "已认领 2 件" in page and "1 件未能认领" in page
    assert api.open_task(a, "review")["claimed_by"] == "reviewer" and api.open_task(b, "review")["claimed_by"] == "reviewer"
    assert api.open_task(c, "review")["claimed_by"] == "reviewer2"


def test_submit_and_open_the_next(api, browser):
    (a, ta), (b, tb) = received(api, 2)
    web = browser("reviewer")
    web.get("/")  # the signed-in session's CSRF token
    for task_id in (ta, tb):
        web.post(f"/tasks/{task_id}/claim", {"next": "/"})
    data = {k: ("true" if v is True else "false" if v is False else v) for k, v in f.review().items()}
    res = web.post(f"/tasks/{ta}", {**data, "action": "submit_next"})
    assert res.status_code == 302 and res.location.endswith(f"/tasks/{tb}")
    res = web.post(f"/tasks/{tb}", {**data, "action": "submit_next"})  # nothing left: the list
    assert res.status_code == 302 and res.location.endswith("/")


def test_a_missing_comment_marks_only_its_own_row(api, browser):
    case_no = api.new_case(item="XK-001")["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review(category="resource_allocation", complex=True))
    task = api.open_task(case_no, "legal_review")
    web = browser("legal")
    web.get("/")
    web.post(f"/tasks/{task['id']}/claim", {"next": "/"})
    form = {f"checklist__{k}__result": "pass" for k in f.CHECKLIST_KEYS}
    form["checklist__evidence__result"] = "fail"  # and no comment
    res = web.post(f"/tasks/{task['id']}", {**form, "outcome": "revise", "opinion": "请补充", "action": "submit"})
    assert res.status_code == 422
    page = html(res)
    assert page.count('class="row-error"') == 1
    row = page[page.index('class="row-error"'):]
    assert "证据是否确凿" in row[:row.index("</tr>")]
    assert "全部通过" in page


def node_state(page: str, element: str) -> str:
    found = re.search(rf'<g[^>]*data-element-id="{element}"[^>]*>', page)
    assert found, element
    return next(s for s in ("current", "done", "todo") if s in found.group(0))


def test_the_case_page_after_a_loop_keeps_steps_done_and_folds_the_timeline(api, browser):
    case_no = api.new_case(item="XK-001")["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review(category="resource_allocation", complex=True))
    api.complete(case_no, "legal_review", "legal", legal_review("revise", failed=("evidence",)))
    api.complete(case_no, "amend", "reviewer", f.amend(category="resource_allocation", complex=True))
    # back at 法制审核 (in the called process) after the loop: the amendment stays done, the review too
    page = html(browser("supervisor").get(f"/cases/{case_no}"))
    assert node_state(page, "amend") == "done" and node_state(page, "legal_review") == "current"
    assert node_state(page, "review") == "done"
    # the engine marks 收件 REMOVED and the loop's gateway FUTURE once the loop ran: still done on the diagram
    assert node_state(page, "receive") == "done" and node_state(page, "gw_legal") == "done"
    assert '<ol class="timeline only-human">' in page and 'class="system"' in page and 'class="human"' in page
    assert '<details class="entry"><summary class="text">李审查 办理了“审查”</summary>' in page


def test_the_sealed_case_file_is_downloadable_by_who_may_and_recorded(api, browser):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review())
    api.complete(case_no, "decide", "leader", f.DECIDE_GRANT)
    assert finish_after_decision(api, case_no)["case"]["status"] == "completed"
    clerk = browser("clerk")
    assert "下载封存案卷" in html(clerk.get(f"/cases/{case_no}"))
    res = clerk.get(f"/cases/{case_no}/case-file")
    assert res.status_code == 200 and res.mimetype == "application/zip" and res.data[:2] == b"PK"
    assert browser("reviewer").get(f"/cases/{case_no}/case-file").status_code == 403
    assert "下载封存案卷" not in html(browser("reviewer").get(f"/cases/{case_no}"))
    actions = [r["action"] for r in api.get(f"/api/cases/{case_no}/records", "supervisor").get_json()["records"]]
    assert actions[-1] == "case_file_downloaded"
    assert "王窗口 下载了封存案卷" in html(browser("supervisor").get(f"/cases/{case_no}"))
