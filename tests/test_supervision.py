"""The supervisor's desk: lists, CSV, the per-step picture, the on-time rate and the supervisor's actions,
through the JSON API and the web, with the clock frozen on Wednesday 2026-11-25 (China time)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from sqlalchemy import select, update

from app.extensions import db
from tests.support import forms as f
from tests.support.chromium import shot
from tests.support.web import Browser, html

TODAY = dt.date(2026, 11, 25)  # a Wednesday
NOW_UTC = dt.datetime(2026, 11, 25, 2, 0)  # 10:00 in China


def frozen():
    return time_machine.travel(dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
                               tick=False)


@pytest.fixture
def today():
    with frozen():
        yield TODAY


# ------------------------------------------------------------------------------------------ helpers

def case_at(api, step="receive", item="XK-002") -> str:
    case_no = api.new_case(item=item)["case_no"]
    if step in ("review", "legal_review"):
        api.complete(case_no, "receive", "clerk", f.ACCEPT)
    if step == "legal_review":
        api.complete(case_no, "review", "reviewer", f.review())
    return case_no


def set_case(app, case_no, **values):
    from app.cases.models import Case
    with app.app_context():
        db.session.execute(update(Case).where(Case.case_no == case_no).values(**values))
        db.session.commit()


def set_task(app, case_no, name, **values):
    from app.cases.models import Case, TaskItem
    with app.app_context():
        case_id = db.session.scalar(select(Case.id).where(Case.case_no == case_no))
        db.session.execute(update(TaskItem).where(TaskItem.case_id == case_id, TaskItem.name == name,
                                                  TaskItem.state == "READY").values(**values))
        db.session.commit()


def clear_deadlines(app):
    """Forget the due dates the deadline hooks set, so each test states exactly the ones it needs."""
    from app.cases.models import Case, TaskItem
    with app.app_context():
        db.session.execute(update(TaskItem).values(due_at=None, due_confirmed=True))
        db.session.execute(update(Case).values(decision_due=None, decision_due_confirmed=True, decided_on=None))
        db.session.commit()


def records(api, case_no, action):
    recs = api.get(f"/api/cases/{case_no}/records", "supervisor").get_json()["records"]
    return [r for r in recs if r["action"] == action]


def rows(api, name, **params):
    res = api.get(f"/api/supervision/{name}", "supervisor", query_string=params)
    assert res.status_code == 200, res.get_json()
    return res.get_json()["rows"]


@pytest.fixture
def deadlines(app, api, today):
    """A set of cases with known deadlines on 2026-11-25:
    a: receive due 11-20 (3 working days overdue, unconfirmed); b: review due 11-27 (due in 2 wd), claimed;
    c: a major case past its decision deadline 11-24, its review due far ahead; d: decided on its deadline;
    e: rejected at intake with an old deadline; f: receive due today; g: review due 11-30 (3 wd away)."""
    cases = {"a": case_at(api), "b": case_at(api, "review"), "c": case_at(api, "review", "XK-003"),
             "d": case_at(api, "review"), "e": case_at(api), "f": case_at(api), "g": case_at(api, "review")}
    clear_deadlines(app)
    set_task(app, cases["a"], "receive", due_at=dt.date(2026, 11, 20), due_confirmed=False)
    set_task(app, cases["b"], "review", due_at=dt.date(2026, 11, 27))
    task_b = api.open_task(cases["b"], "review")
    assert api.post(f"/api/tasks/{task_b['id']}/claim", "reviewer").status_code == 200
    set_task(app, cases["c"], "review", due_at=dt.date(2026, 12, 31))
    set_case(app, cases["c"], decision_due=dt.date(2026, 11, 24))
    set_case(app, cases["d"], decision_due=dt.date(2026, 11, 24), decided_on=dt.date(2026, 11, 24))
    set_case(app, cases["e"], decision_due=dt.date(2026, 11, 1), status="rejected_at_intake")
    set_task(app, cases["f"], "receive", due_at=TODAY)
    set_task(app, cases["g"], "review", due_at=dt.date(2026, 11, 30))
    return cases


# ------------------------------------------------------------------------------------------ lists

def test_overdue_lists_late_tasks_and_cases_past_their_decision_deadline(api, deadlines):
    c = deadlines
    found = rows(api, "overdue")
    assert [(r["kind"], r["case_no"]) for r in found] == [("task", c["a"]), ("case", c["c"])]
    late_task, late_case = found
    assert late_task["step"] == "receive" and late_task["due"] == "2026-11-20"
    assert late_task["days_overdue"] == 3  # Mon 23, Tue 24, Wed 25
    assert late_task["due_confirmed"] is False and late_task["assignee"] is None
    assert late_case["due"] == "2026-11-24" and late_case["days_overdue"] == 1 and late_case["is_major"] is True
    assert late_case["step"] == "review" and late_case["due_confirmed"] is True

    assert [r["case_no"] for r in rows(api, "overdue", step="receive")] == [c["a"]]
    assert [r["case_no"] for r in rows(api, "overdue", major="true")] == [c["c"]]
    assert [r["case_no"] for r in rows(api, "overdue", major="false")] == [c["a"]]
    assert [r["case_no"] for r in rows(api, "overdue", item="XK-003")] == [c["c"]]
    assert rows(api, "overdue", item="XK-001") == []
    bad = api.get("/api/supervision/overdue", "supervisor", query_string={"major": "perhaps"})
    assert bad.status_code == 422


def test_due_soon_is_today_up_to_the_second_working_day(api, deadlines):
    c = deadlines
    found = rows(api, "due-soon")
    assert [(r["case_no"], r["due"], r["days_left"]) for r in found] == [
        (c["f"], "2026-11-25", 0), (c["b"], "2026-11-27", 2)]
    assert found[1]["assignee"] == "reviewer"
    # A Friday: the window runs over the weekend to Tuesday.
    with time_machine.travel(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False):
        assert {r["case_no"] for r in rows(api, "due-soon")} == {c["b"], c["g"]}


def test_desk_page_shows_the_lists_with_markers_and_filters(api, browser, deadlines):
    c = deadlines
    b = browser("supervisor")
    page = html(b.get("/supervision"))
    assert "督办台" in page and c["a"] in page and c["c"] in page and c["b"] not in page
    assert "期限未确认" in page and "3 个工作日" in page and "决定期限" in page
    assert re.search(r'class="tile overdue active">\s*<span class="n">2</span>', page)
    for view in ("due-soon", "stuck", "broken"):  # the tiles count what the lists hold
        n = len(rows(api, view))
        assert re.search(rf'class="tile {view} ">\s*<span class="n">{n}</span>', page), view
    assert re.search(r'class="tile open ">\s*<span class="n">7</span>', page)
    soon = html(b.get("/supervision?view=due-soon"))
    assert c["f"] in soon and c["b"] in soon and c["a"] not in soon and "李审查" in soon
    filtered = html(b.get("/supervision?view=overdue&major=1"))
    assert c["c"] in filtered and c["a"] not in filtered
    assert c["g"] in html(b.get("/supervision?view=open&step=review"))


def test_csv_export_is_utf8_with_bom_and_holds_the_rows(browser, deadlines):
    c = deadlines
    res = browser("supervisor").get("/supervision?view=overdue&format=csv")
    assert res.status_code == 200 and res.mimetype == "text/csv"
    assert "attachment" in res.headers["Content-Disposition"] and "2026-11-25" in res.headers["Content-Disposition"]
    raw = res.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = table[0], table[1:]
    assert header[:3] == ["类型", "案件编号", "事项编码"] and header[-1] == "超期工作日"
    by_case = {row[1]: dict(zip(header, row)) for row in body}
    assert set(by_case) == {c["a"], c["c"]}
    assert by_case[c["a"]]["超期工作日"] == "3" and by_case[c["a"]]["期限已确认"] == "否"
    assert by_case[c["a"]]["环节"] == "收件" and by_case[c["a"]]["到期日"] == "2026-11-20"
    assert by_case[c["c"]]["类型"] == "案件" and by_case[c["c"]]["重大"] == "是"
    filtered = browser("supervisor").get("/supervision?view=overdue&major=1&format=csv").get_data().decode("utf-8-sig")
    assert c["c"] in filtered and c["a"] not in filtered


def test_stuck_cases_are_running_unsuspended_and_idle_for_n_working_days(app, api, today):
    china = dt.timezone(dt.timedelta(hours=8))

    def utc(day, hour=10):
        return dt.datetime(2026, 11, day, hour, tzinfo=china).astimezone(dt.timezone.utc).replace(tzinfo=None)

    idle7, idle4, suspended, done = (case_at(api, "review") for _ in range(4))
    set_case(app, idle7, updated_at=utc(16))  # Mon 16 → 7 working days by Wed 25
    set_case(app, idle4, updated_at=utc(19))  # Thu 19 → 4
    set_case(app, suspended, updated_at=utc(2), suspended=True)
    set_case(app, done, updated_at=utc(2), status="completed")
    found = rows(api, "stuck")
    assert [(r["case_no"], r["idle_workdays"]) for r in found] == [(idle7, 7)]
    assert found[0]["step"] == "review" and found[0]["kind"] == "case"
    app.config["SUPERVISION_STUCK_WORKDAYS"] = 4
    try:
        assert [(r["case_no"], r["idle_workdays"]) for r in rows(api, "stuck")] == [(idle7, 7), (idle4, 4)]
    finally:
        del app.config["SUPERVISION_STUCK_WORKDAYS"]
    # A China-date boundary: 16:30 UTC on the 18th is already the 19th in China.
    set_case(app, idle4, updated_at=dt.datetime(2026, 11, 18, 16, 30))
    app.config["SUPERVISION_STUCK_WORKDAYS"] = 5
    try:
        assert [r["case_no"] for r in rows(api, "stuck")] == [idle7]
    finally:
        del app.config["SUPERVISION_STUCK_WORKDAYS"]


def test_broken_cases_have_an_engine_error_or_wait_for_nothing(app, api, today):
    failed, orphan, timer, healthy, finished = (case_at(api, "review") for _ in range(5))
    set_case(app, failed, engine_error="ExpressionError: name 'x' is not defined")
    set_task(app, orphan, "review", state="CANCELLED")
    set_task(app, timer, "review", state="CANCELLED")
    set_case(app, timer, next_timer_at=dt.datetime(2026, 12, 1))
    set_task(app, finished, "review", state="COMPLETED")
    set_case(app, finished, status="completed")
    found = {r["case_no"]: r for r in rows(api, "broken")}
    assert set(found) == {failed, orphan}
    assert found[failed]["problem"] == "engine_error" and "not defined" in found[failed]["engine_error"]
    assert found[orphan]["problem"] == "no_open_task" and found[orphan]["step"] is None
    page = html(Browser(app).login("supervisor").get("/supervision?view=broken"))
    assert "流程执行出错" in page and "无待办任务且无定时器" in page and "not defined" in page


# ------------------------------------------------------------------------------------------ picture

def test_step_picture_counts_open_tasks_and_average_waits(app, api, browser, today):
    at_receive = [case_at(api) for _ in range(3)]
    at_review = [case_at(api, "review") for _ in range(2)]
    for case_no, hours in zip(at_receive, (10, 20, 30)):
        set_task(app, case_no, "receive", created_at=NOW_UTC - dt.timedelta(hours=hours))
    for case_no, hours in zip(at_review, (48, 96)):
        set_task(app, case_no, "review", created_at=NOW_UTC - dt.timedelta(hours=hours))

    versions = api.get("/api/supervision/steps", "supervisor").get_json()["versions"]
    assert [(v["key"], v["open"]) for v in versions] == [("standard_permit", 5)]
    steps = {s["name"]: s for s in versions[0]["steps"]}
    assert set(steps) == {"receive", "review"}
    assert steps["receive"]["open"] == 3 and steps["review"]["open"] == 2
    assert steps["receive"]["avg_wait_hours"] == pytest.approx(20, abs=0.01)
    assert steps["receive"]["max_wait_hours"] == pytest.approx(30, abs=0.01)
    assert steps["review"]["avg_wait_hours"] == pytest.approx(72, abs=0.01)
    assert steps["review"]["max_wait_hours"] == pytest.approx(96, abs=0.01)

    page = html(browser("supervisor").get("/supervision?view=steps"))
    receive_row = re.search(r'<tr data-step="receive">(.*?)</tr>', page, re.S).group(1)
    assert '<td class="num open-count">3</td>' in receive_row and "20.0 小时" in receive_row
    review_row = re.search(r'<tr data-step="review">(.*?)</tr>', page, re.S).group(1)
    assert '<td class="num open-count">2</td>' in review_row and "3.0 天" in review_row and "4.0 天" in review_row
    # The chart: one group per step, the open-count bar of the fuller step the full width.
    chart = re.search(r'<svg class="chart".*?</svg>', page, re.S).group(0)
    bars = dict(re.findall(r'data-step="(\w+)">.*?<rect class="bar open" x="\d+" y="[\d.]+" width="([\d.]+)"', chart))
    assert float(bars["receive"]) == 420 and float(bars["review"]) == 280
    # The diagram: a badge with the open count on each step, linking to the open list of that step.
    diagram = re.search(r'standard_permit v\d+）</figcaption>.*?(<svg[^>]*class="bpmn-diagram".*?</svg>)', page,
                        re.S).group(1)
    receive_node = re.search(r'<g class="bpmn-node[^"]*" data-element-id="receive".*?</g>\s*</a>', diagram, re.S).group(0)
    assert 'data-count="3"' in receive_node and "view=open&amp;step=receive" in receive_node
    review_node = re.search(r'data-element-id="review".*?data-count="(\d+)"', diagram, re.S)
    assert review_node.group(1) == "2"
    assert re.search(r'data-element-id="decide"(?:(?!data-element-id).)*?data-count="0"', diagram, re.S)  # 0 too
    listed = html(browser("supervisor").get("/supervision?view=open&step=receive"))
    assert all(n in listed for n in at_receive) and not any(n in listed for n in at_review)


def test_on_time_rate_per_month_for_a_hand_made_set(app, api, browser, today):
    decided = [  # (decided_on, decision_due)
        ("2026-11-03", "2026-11-10"), ("2026-11-10", "2026-11-10"), ("2026-11-20", "2026-11-19"),  # Nov: 2 of 3
        ("2026-10-15", "2026-10-20"), ("2026-10-16", None),  # Oct: 1 of 1, one without a deadline
        ("2025-11-30", "2025-11-01"),  # 13 months ago: outside the window
    ]
    running = case_at(api)  # undecided: not counted
    clear_deadlines(app)
    set_case(app, running, decision_due=dt.date(2026, 11, 1))
    for decided_on, due in decided:
        case_no = case_at(api)
        set_case(app, case_no, status="completed", decided_on=dt.date.fromisoformat(decided_on),
                 decision_due=dt.date.fromisoformat(due) if due else None)
    months = api.get("/api/supervision/on-time", "supervisor").get_json()["months"]
    assert [m["month"] for m in months] == ["2025-12"] + [f"2026-{m:02d}" for m in range(1, 12)]
    by_month = {m["month"]: m for m in months}
    assert by_month["2026-11"] == {"month": "2026-11", "decided": 3, "with_deadline": 3, "on_time": 2, "late": 1,
                                   "no_deadline": 0, "rate": pytest.approx(2 / 3)}
    assert by_month["2026-10"] == {"month": "2026-10", "decided": 2, "with_deadline": 1, "on_time": 1, "late": 0,
                                   "no_deadline": 1, "rate": 1.0}
    assert all(m["decided"] == 0 and m["rate"] is None for k, m in by_month.items() if k not in ("2026-10", "2026-11"))

    page = html(browser("supervisor").get("/supervision?view=on-time"))
    nov = re.search(r'<tr data-month="2026-11">(.*?)</tr>', page, re.S).group(1)
    assert "66.7%" in nov and '<td class="num overdue">1</td>' in nov
    assert "100.0%" in re.search(r'<tr data-month="2026-10">(.*?)</tr>', page, re.S).group(1)
    chart = re.search(r'<svg class="chart".*?</svg>', page, re.S).group(0)
    assert "67%" in chart and "100%" in chart and chart.count('class="bar ') == 2


# ------------------------------------------------------------------------------------------ actions

def test_reassign_gives_the_task_to_another_holder_of_the_role(app, api, today):
    case_no = case_at(api, "review")
    task = api.open_task(case_no, "review")
    api.post(f"/api/tasks/{task['id']}/claim", "reviewer")
    url = f"/api/supervision/tasks/{task['id']}/reassign"

    assert api.post(url, "supervisor", json={"to": "reviewer2"}).status_code == 422  # no reason
    blank = api.post(url, "supervisor", json={"to": "reviewer2", "reason": "   "})
    assert blank.status_code == 422 and blank.get_json()["error"] == "reason_required"
    lacks = api.post(url, "supervisor", json={"to": "legal", "reason": "审查人员请假"})
    assert lacks.status_code == 422 and lacks.get_json()["error"] == "user_lacks_role"
    assert api.post(url, "supervisor", json={"to": "nobody", "reason": "x"}).status_code == 422
    assert api.post(url, "reviewer", json={"to": "reviewer2", "reason": "x"}).status_code == 403
    assert api.post(url, json={"to": "reviewer2", "reason": "x"}).status_code == 401
    assert records(api, case_no, "task_reassigned") == []

    res = api.post(url, "supervisor", json={"to": "reviewer2", "reason": "审查人员请假，改派"})
    assert res.status_code == 200, res.get_json()
    assert res.get_json()["claimed_by"] == "reviewer2" and res.get_json()["case_no"] == case_no
    [rec] = records(api, case_no, "task_reassigned")
    assert rec["actor"] == "supervisor" and rec["role"] == "supervisor" and rec["task_id"] == task["id"]
    assert rec["payload"]["from"] == "reviewer" and rec["payload"]["to"] == "reviewer2"
    assert rec["payload"]["reason"] == "审查人员请假，改派"
    again = api.post(url, "supervisor", json={"to": "reviewer2", "reason": "再次"})
    assert again.status_code == 409
    # The new holder works it; the old one may not.
    api.complete(case_no, "review", "reviewer", f.review(), expect=409)
    api.complete(case_no, "review", "reviewer2", f.review())
    gone = api.post(url, "supervisor", json={"to": "reviewer", "reason": "x"})
    assert gone.status_code == 409 and gone.get_json()["error"] == "task_not_open"


def test_reassign_respects_separation_of_duties(app, api, today):
    from app.users.models import User, UserRole
    with app.app_context():
        dual = User(username="dual", full_name="双岗人员")
        dual.set_password("demo")
        dual.role_rows = [UserRole(role="reviewer"), UserRole(role="legal")]
        db.session.add(dual)
        db.session.commit()
    case_no = case_at(api, "review", "XK-003")
    api.complete(case_no, "review", "dual", f.review())
    task = api.open_task(case_no, "legal_review")
    url = f"/api/supervision/tasks/{task['id']}/reassign"
    res = api.post(url, "supervisor", json={"to": "dual", "reason": "人手不足"})
    assert res.status_code == 422 and res.get_json()["error"] == "sod_legal_is_reviewer"
    assert api.post(url, "supervisor", json={"to": "legal2", "reason": "人手不足"}).status_code == 200
    assert api.open_task(case_no, "legal_review")["claimed_by"] == "legal2"


def test_note_is_recorded_with_its_text(api, today):
    case_no = case_at(api, "review")
    url = f"/api/supervision/cases/{case_no}/note"
    assert api.post(url, "supervisor", json={}).status_code == 422
    assert api.post(url, "supervisor", json={"reason": ""}).status_code == 422
    assert api.post(url, "legal", json={"reason": "督办"}).status_code == 403
    assert api.post("/api/supervision/cases/XK-0000-000000/note", "supervisor",
                    json={"reason": "督办"}).status_code == 404
    res = api.post(url, "supervisor", json={"reason": "请于本周内办结"})
    assert res.status_code == 200 and res.get_json()["case_no"] == case_no
    [rec] = records(api, case_no, "supervisory_note")
    assert rec["actor"] == "supervisor" and rec["role"] == "supervisor"
    assert rec["payload"] == {"text": "请于本周内办结"}


def test_suspend_stops_staff_until_resumed(api, today):
    case_no = case_at(api, "review")
    base = f"/api/supervision/cases/{case_no}"
    assert api.post(f"{base}/suspend", "supervisor", json={}).status_code == 422
    assert api.post(f"{base}/suspend", "reviewer", json={"reason": "x"}).status_code == 403
    res = api.post(f"{base}/suspend", "supervisor", json={"reason": "收到投诉，暂停核查"})
    assert res.status_code == 200 and res.get_json()["suspended"] is True
    twice = api.post(f"{base}/suspend", "supervisor", json={"reason": "再次"})
    assert twice.status_code == 409 and twice.get_json()["error"] == "case_already_suspended"

    refused = api.complete(case_no, "review", "reviewer", f.review(), expect=409)
    assert refused["error"] == "case_suspended"
    task = api.open_task(case_no, "review")
    assert api.post(f"/api/tasks/{task['id']}/claim", "reviewer").get_json()["error"] == "case_suspended"

    assert api.post(f"{base}/resume", "supervisor", json={"reason": " "}).status_code == 422
    res = api.post(f"{base}/resume", "supervisor", json={"reason": "核查完毕，恢复办理"})
    assert res.status_code == 200 and res.get_json()["suspended"] is False
    assert api.post(f"{base}/resume", "supervisor", json={"reason": "再次"}).get_json()["error"] == \
        "case_not_suspended"
    api.complete(case_no, "review", "reviewer", f.review())

    [suspended] = records(api, case_no, "case_suspended")
    [resumed] = records(api, case_no, "case_resumed")
    assert (suspended["actor"], suspended["role"], suspended["payload"]["reason"]) == \
        ("supervisor", "supervisor", "收到投诉，暂停核查")
    assert (resumed["actor"], resumed["role"], resumed["payload"]["reason"]) == \
        ("supervisor", "supervisor", "核查完毕，恢复办理")
    assert suspended["seq"] < resumed["seq"]


def test_suspended_cases_leave_the_stuck_list_and_show_on_the_desk(app, api, browser, today):
    case_no = case_at(api, "review")
    set_case(app, case_no, updated_at=NOW_UTC - dt.timedelta(days=20))
    assert [r["case_no"] for r in rows(api, "stuck")] == [case_no]
    api.post(f"/api/supervision/cases/{case_no}/suspend", "supervisor", json={"reason": "暂停"})
    assert rows(api, "stuck") == []
    assert "已中止" in html(browser("supervisor").get(f"/supervision/cases/{case_no}"))


def test_retry_runs_the_engine_for_a_case_with_an_error(app, api, today):
    case_no = case_at(api, "review")
    url = f"/api/supervision/cases/{case_no}/retry"
    healthy = api.post(url, "supervisor", json={"reason": "重试"})
    assert healthy.status_code == 409 and healthy.get_json()["error"] == "nothing_to_retry"
    set_case(app, case_no, engine_error="SpiffWorkflowException: rule input missing")
    assert api.post(url, "supervisor", json={}).status_code == 422
    assert api.post(url, "clerk", json={"reason": "重试"}).status_code == 403
    res = api.post(url, "supervisor", json={"reason": "规则已修复，重试"})
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["error"] is None and body["transitions"] == 0 and body["case"]["engine_error"] is None
    [rec] = records(api, case_no, "engine_woken")
    assert rec["actor"] == "supervisor" and rec["payload"]["reason"] == "规则已修复，重试"
    assert rows(api, "broken") == []
    api.complete(case_no, "review", "reviewer", f.review())  # the case goes on


# ------------------------------------------------------------------------------------------ web

def test_web_actions_need_a_reason_and_write_records(app, api, browser, today):
    case_no = case_at(api, "review")
    task = api.open_task(case_no, "review")
    b = browser("supervisor")
    page = html(b.get(f"/supervision/cases/{case_no}"))
    assert "在办任务" in page and "审查" in page and "孙审查（reviewer2）" in page and "张法制" not in page

    res = b.post(f"/supervision/cases/{case_no}/note", {"reason": ""})
    assert res.status_code == 422 and "请填写理由" in html(res)
    res = b.post(f"/supervision/cases/{case_no}/note", {"reason": "请加快办理"})
    assert res.status_code == 302
    page = html(b.get(f"/supervision/cases/{case_no}"))
    assert "督办意见已记录" in page and "请加快办理" in page

    res = b.post(f"/supervision/tasks/{task['id']}/reassign", {"to": "legal", "reason": "改派"})
    assert res.status_code == 422 and "不具有所需角色" in html(res)
    res = b.post(f"/supervision/tasks/{task['id']}/reassign", {"to": "reviewer2", "reason": ""})
    assert res.status_code == 422 and "请填写理由" in html(res)
    res = b.post(f"/supervision/tasks/{task['id']}/reassign", {"to": "reviewer2", "reason": "改派"})
    assert res.status_code == 302
    assert "已将“审查”改派给 reviewer2" in html(b.get(f"/supervision/cases/{case_no}"))

    assert b.post(f"/supervision/cases/{case_no}/suspend", {"reason": "暂停"}).status_code == 302
    res = b.post(f"/supervision/cases/{case_no}/suspend", {"reason": "暂停"})
    assert res.status_code == 409 and "已处于中止状态" in html(res)
    page = html(b.get(f"/supervision/cases/{case_no}"))
    assert "恢复办理" in page
    assert b.post(f"/supervision/cases/{case_no}/resume", {"reason": "恢复"}).status_code == 302

    res = b.post(f"/supervision/cases/{case_no}/retry", {"reason": "重试"})
    assert res.status_code == 409 and "没有需要重试" in html(res)
    set_case(app, case_no, engine_error="boom")
    assert "重新运行流程" in html(b.get(f"/supervision/cases/{case_no}"))
    assert b.post(f"/supervision/cases/{case_no}/retry", {"reason": "重试"}).status_code == 302
    assert "流程推进了 0 步" in html(b.get(f"/supervision/cases/{case_no}"))

    actions = [r["action"] for r in api.get(f"/api/cases/{case_no}/records", "supervisor").get_json()["records"]
               if r["role"] == "supervisor" or r["action"] == "engine_woken"]
    assert actions == ["supervisory_note", "task_reassigned", "case_suspended", "case_resumed", "engine_woken"]


def test_only_supervisors_see_the_desk(app, api, browser, today):
    case_no = case_at(api, "review")
    task = api.open_task(case_no, "review")
    clerk = browser("clerk")
    assert "督办台" not in html(clerk.get("/"))
    for url in ("/supervision", "/supervision?view=steps", "/supervision?view=overdue&format=csv",
                f"/supervision/cases/{case_no}"):
        assert clerk.get(url).status_code == 403, url
    for url in (f"/supervision/cases/{case_no}/note", f"/supervision/cases/{case_no}/suspend",
                f"/supervision/tasks/{task['id']}/reassign"):
        assert clerk.post(url, {"reason": "x", "to": "reviewer2"}).status_code == 403, url
    assert records(api, case_no, "supervisory_note") == [] and records(api, case_no, "case_suspended") == []
    anonymous = app.test_client().get("/supervision")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    for name in ("overdue", "due-soon", "stuck", "broken", "steps", "on-time"):
        assert api.get(f"/api/supervision/{name}", "leader").status_code == 403, name
        assert api.get(f"/api/supervision/{name}").status_code == 401, name
    assert "督办台" in html(browser("supervisor").get("/"))


def test_desk_in_english_and_openapi(api, browser, deadlines):
    b = browser("supervisor")
    page = html(b.get("/supervision?lang=en"))
    assert "Supervisor&#39;s desk" in page or "Supervisor's desk" in page
    assert "Overdue" in page and "Deadline unconfirmed" in page
    doc = api.get("/api/openapi.json").get_json()
    for path in ("/api/supervision/overdue", "/api/supervision/due-soon", "/api/supervision/stuck",
                 "/api/supervision/broken", "/api/supervision/steps", "/api/supervision/on-time",
                 "/api/supervision/tasks/{task_id}/reassign", "/api/supervision/cases/{case_no}/suspend"):
        assert path in doc["paths"], path
    assert doc["components"]["schemas"]["Reassign"]["required"] == ["reason", "to"]
    assert "days_overdue" in doc["components"]["schemas"]["SupervisionRow"]["properties"]


# ------------------------------------------------------------------------------------------ screenshot

@pytest.mark.browser
def test_screenshot_of_the_supervisor_desk(app, api, chromium, live_server):
    """Real dates (no frozen clock: the browser needs time to run): a desk with something in every list."""
    from app.calendar.service import WorkingCalendar
    with app.app_context():
        from app.core.clock import china_today
        cal = WorkingCalendar.load()
        today = china_today()
        back = lambda n: today - dt.timedelta(days=n)  # noqa: E731
        soon = cal.add_workdays(today, 1).date
    cases = [case_at(api, step, item) for step, item in (
        ("receive", "XK-002"), ("review", "XK-003"), ("review", "XK-002"), ("legal_review", "XK-003"),
        ("receive", "XK-001"), ("review", "XK-002"), ("review", "XK-001"))]
    clear_deadlines(app)
    set_task(app, cases[0], "receive", due_at=back(9), due_confirmed=False, created_at=utc_days_ago(16))
    set_task(app, cases[1], "review", due_at=back(3), created_at=utc_days_ago(6))
    set_case(app, cases[1], decision_due=back(2))
    set_task(app, cases[2], "review", due_at=back(15), claimed_by="reviewer", created_at=utc_days_ago(22))
    set_task(app, cases[3], "legal_review", due_at=soon, claimed_by="legal2", created_at=utc_days_ago(5))
    set_task(app, cases[4], "receive", due_at=today, created_at=utc_days_ago(2))
    set_task(app, cases[5], "review", created_at=utc_days_ago(12))
    set_case(app, cases[5], updated_at=utc_days_ago(12))
    set_case(app, cases[6], engine_error="SpiffWorkflowException: 'investment' is not defined")

    for months_back, late in ((0, False), (0, True), (1, False), (1, False), (2, False), (2, True), (2, True),
                              (4, False), (5, False), (7, False), (7, True), (9, False)):
        decided_case = case_at(api)
        set_task(app, decided_case, "receive", state="COMPLETED")
        decided_on = today - dt.timedelta(days=30 * months_back)
        set_case(app, decided_case, status="completed", decided_on=decided_on,
                 decision_due=decided_on + dt.timedelta(days=-2 if late else 3))
    server = live_server
    context = chromium.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", "demo")
    page.click("button.primary")
    page.wait_for_url(f"{server}/**")
    page.click("text=督办台")
    page.wait_for_selector("table.desk")
    assert page.locator("table.desk tbody tr").count() == 4
    assert "期限未确认" in page.content()
    desk = shot(page, "06-supervisor-desk")
    page.click("a.tile.picture >> nth=0")
    page.wait_for_selector("svg.chart")
    shot(page, "07-supervisor-steps")
    page.click("a.tile.picture >> nth=1")
    page.wait_for_selector("svg.chart")
    shot(page, "09-supervisor-on-time")
    page.goto(f"{server}/supervision/cases/{cases[2]}")
    page.select_option("select[name=to]", "reviewer2")
    page.fill("form.reassign input[name=reason]", "原承办人出差，改派孙审查")
    page.click("form.reassign button")
    page.wait_for_selector(".flash.success")
    page.fill("textarea[name=reason]", "请于两个工作日内办结并报告。")
    page.click("text=记录督办意见")
    page.wait_for_selector("text=请于两个工作日内办结并报告。")
    shot(page, "08-supervisor-case")
    context.close()
    assert desk.stat().st_size > 10_000


def utc_days_ago(days: int) -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(days=days)


def test_csv_cells_cannot_run_as_spreadsheet_formulas(app):
    """Names reach the desk from the public contact form: every CSV export neutralises formula cells."""
    from app.core.exports import csv_bytes
    body = csv_bytes([["=HYPERLINK(\"http://x\")", "+1", "-2", "@a", "张三", 5, -3]]).decode("utf-8")
    assert body.startswith("\ufeff")
    import csv
    (row,) = list(csv.reader(body.lstrip("\ufeff").splitlines()))
    assert row == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@a", "张三", "5", "-3"]
