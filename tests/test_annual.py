"""统计年报 (domain.md §5, scenarios 24 and 25): a year of cases through the API with the clock frozen in
2026, the report's figures against hand-computed totals, publishing and locking, versions, exports, CLI."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from sqlalchemy import select, text, update

from app.extensions import db
from tests.support import forms as f
from tests.support.flows import at
from tests.support.web import Browser


def signed_in(app, username: str) -> Browser:
    return Browser(app).login(username)


def set_case(app, case_no, **values):
    from app.cases.models import Case
    with app.app_context():
        db.session.execute(update(Case).where(Case.case_no == case_no).values(**values))
        db.session.commit()


def publication_action(app, case_no, fn, username, **kwargs):
    from app.cases.models import Case
    from app.publicity import publications
    from app.publicity.models import Publication
    from app.users.models import User
    with app.app_context():
        pub_id = db.session.scalar(select(Publication.id).join(Case, Case.id == Publication.case_id)
                                   .where(Case.case_no == case_no))
        user = db.session.scalar(select(User).where(User.username == username))
        getattr(publications, fn)(user, pub_id, **kwargs)
        db.session.remove()


MAJOR_STEPS = {"legal_review": ("legal", None), "amend": ("reviewer", f.amend()),
               "counsel": ("counsel", f.COUNSEL), "committee": ("secretary", f.committee("pass")),
               "sign_conclusion": ("leader", f.SIGN)}


def registered(api, day, item="XK-002", accept=True):
    with at(day):
        case_no = api.new_case(item=item)["case_no"]
        if accept:
            api.complete(case_no, "receive", "clerk", f.ACCEPT)
    return case_no


def decide(api, case_no, day, data, review=None):
    with at(day):
        api.complete(case_no, "review", "reviewer", review or f.review())
        api.complete(case_no, "decide", "leader", {**data, "decision_date": day})


@pytest.fixture
def year_2026(app, api):
    """Six applications in 2026 and one case of 2025:
    a rejected at intake (outside competence); b at its hearing (requested: the clock paused); c granted on time,
    extended, published on time then withdrawn; d granted late, published late; e denied, never published;
    f major (two legal review rounds: revise, approve) granted, publication withheld;
    g accepted and decided (late, extended) in 2025."""
    cases = {}
    with at("2026-03-02"):
        cases["a"] = api.new_case()["case_no"]
        api.complete(cases["a"], "receive", "clerk", f.REJECT)
    cases["b"] = registered(api, "2026-03-02")
    with at("2026-03-04"):  # the hearing pauses the clock from its record, not from a typed notice
        api.complete(cases["b"], "review", "reviewer", f.review(hearing_needed="major_interests"))
        api.complete(cases["b"], "hearing_notice", "reviewer", f.HEARING_NOTICE)
        api.complete(cases["b"], "hearing_request", "clerk", f.hearing_request("2026-03-04"))
    cases["c"] = registered(api, "2026-03-02")
    decide(api, cases["c"], "2026-03-10", f.DECIDE_GRANT)
    cases["d"] = registered(api, "2026-03-02")
    decide(api, cases["d"], "2026-04-15", f.DECIDE_GRANT)  # due 20 wd after 03-02: late
    cases["e"] = registered(api, "2026-05-06")
    decide(api, cases["e"], "2026-05-12", f.DECIDE_DENY)
    cases["f"] = registered(api, "2026-06-01", item="XK-003")  # major by catalogue
    steps = [("2026-06-02", "review", "reviewer", f.review()),  # one day each: the guard
             ("2026-06-03", "legal_review", "legal", f.legal_review("revise", failed=("evidence",))),
             ("2026-06-04", "amend", "reviewer", f.amend()),  # compares fact and approval times
             ("2026-06-05", "legal_review", "legal", f.legal_review("approve"))]
    for day, name, user, data in steps:
        with at(day):
            api.complete(cases["f"], name, user, data)
    with at("2026-06-08"):
        for _ in range(6):
            open_names = [t["name"] for t in api.case(cases["f"])["tasks"]]
            if "decide" in open_names:
                break
            name = open_names[0]
            user, data = MAJOR_STEPS[name]
            api.complete(cases["f"], name, user, data)
    with at("2026-06-10"):
        api.complete(cases["f"], "decide", "leader", {**f.DECIDE_GRANT, "decision_date": "2026-06-10"})
    cases["g"] = registered(api, "2025-11-03")
    decide(api, cases["g"], "2025-11-10", f.DECIDE_GRANT)

    with at("2026-03-12"):
        publication_action(app, cases["c"], "publish", "clerk")
    with at("2026-12-01"):
        publication_action(app, cases["c"], "withdraw", "leader", reason="许可被依法撤销")
    with at("2026-05-06"):
        publication_action(app, cases["d"], "publish", "clerk")  # due 7 wd after 04-15: late
    with at("2026-06-11"):
        publication_action(app, cases["f"], "withhold", "leader", withhold_class="business_secret",
                           reason="涉及商业秘密", approver="leader")
    set_case(app, cases["c"], extension_days=10)
    set_case(app, cases["g"], extension_days=10, decision_due=dt.date(2025, 11, 5))
    return cases


EXPECTED = {
    # case c's 双公示 record was withdrawn: that is no revocation of the licence (the register has none)
    "licensing": {"applications": 6, "accepted": 5, "granted": 3, "changed": 0, "renewed": 0, "denied": 1,
                  "revoked": 0, "cancelled": 0, "withdrawn": 0},
    "legal_review": {"cases": 1, "rounds": 2, "by_outcome": {"approve": 1, "revise": 1, "return": 0},
                     "cases_multi_round": 1, "cases_approved": 1},
    "hearings": 1, "extensions": 1, "late_decisions": 1, "late_publications": 2,
}
ITEM_ROWS = {
    "XK-002": {"applications": 5, "accepted": 4, "granted": 2, "denied": 1, "revoked": 0, "late_decisions": 1,
               "late_publications": 2},
    "XK-003": {"applications": 1, "accepted": 1, "granted": 1, "denied": 0, "revoked": 0, "late_decisions": 0,
               "late_publications": 0},
}
ZERO_ITEM = {"applications": 0, "accepted": 0, "granted": 0, "denied": 0, "revoked": 0, "late_decisions": 0,
             "late_publications": 0}


def check_figures(figures):
    assert {k: figures[k] for k in EXPECTED} == EXPECTED
    items = {row["code"]: {k: row[k] for k in ZERO_ITEM} for row in figures["items"]}
    for code, row in items.items():
        assert row == ITEM_ROWS.get(code, ZERO_ITEM), code
    assert set(ITEM_ROWS) <= set(items) and len(items) > 2  # every active item, zeros included


def test_the_year_is_counted_exactly(app, api, year_2026):
    with at("2027-01-10"):
        res = api.get("/api/annual/2026", "supervisor")
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["versions"] == [] and body["draft"] is None
    preview = body["preview"]
    assert preview["status"] == "preview" and preview["version"] is None
    assert preview["figures"]["year"] == 2026 and preview["figures"]["as_of"] == "2027-01-10"
    check_figures(preview["figures"])
    # the 2025 case is counted in 2025 only
    with at("2027-01-10"):
        figures_2025 = api.get("/api/annual/2025", "supervisor").get_json()["preview"]["figures"]
    assert figures_2025["licensing"] == {"applications": 1, "accepted": 1, "granted": 1, "changed": 0, "renewed": 0,
                                       "denied": 0, "revoked": 0, "cancelled": 0, "withdrawn": 0}
    assert figures_2025["late_decisions"] == 1 and figures_2025["extensions"] == 1
    assert figures_2025["legal_review"]["rounds"] == 0 and figures_2025["hearings"] == 0


def test_publish_locks_and_a_correction_is_a_new_version_with_a_reason(app, api, year_2026):
    with at("2027-01-10"):
        assert api.post("/api/annual/2026/publish", "supervisor", json={"narrative": " "}).status_code == 422
        draft = api.post("/api/annual/2026/draft", "supervisor", json={"narrative": "草稿说明"})
        assert draft.status_code == 200 and draft.get_json()["narrative"] == "草稿说明"
        res = api.post("/api/annual/2026/publish", "supervisor", json={"narrative": "2026 年度行政许可情况说明。"})
    assert res.status_code == 201, res.get_json()
    v1 = res.get_json()
    assert v1["version"] == 1 and v1["status"] == "published" and v1["valid"] is True and v1["reason"] is None
    check_figures(v1["figures"])

    with at("2027-01-12"):
        again = api.post("/api/annual/2026/publish", "supervisor", json={"narrative": "更正后的说明"})
        assert again.status_code == 422 and set(again.get_json()["fields"]) == {"reason"}
        # data changes after publication: version 1 stays as published
        api.new_case()
        v2 = api.post("/api/annual/2026/publish", "supervisor",
                      json={"narrative": "更正后的说明", "reason": "补录一件漏登的申请"})
    assert v2.status_code == 201, v2.get_json()
    v2 = v2.get_json()
    assert v2["version"] == 2 and v2["reason"] == "补录一件漏登的申请" and v2["sha256"] != v1["sha256"]
    old = api.get("/api/annual/2026/versions/1", "supervisor").get_json()
    assert old == v1
    overview = api.get("/api/annual/2026", "supervisor").get_json()
    assert [(v["version"], v["valid"]) for v in overview["versions"]] == [(1, True), (2, True)]
    assert overview["draft"] is None

    # the content and its hash: SHA-256 over the canonical JSON stored once
    import hashlib

    from app.annual.models import AnnualReport
    from app.records.chain import canonical_json
    with app.app_context():
        row = db.session.scalar(select(AnnualReport).where(AnnualReport.version == 1))
        assert hashlib.sha256(row.content.encode()).hexdigest() == row.sha256 == v1["sha256"]
        assert canonical_json(json.loads(row.content)) == row.content
        # the database refuses to change or remove a published version
        for stmt in ("UPDATE annual_report SET reason = 'x'", "DELETE FROM annual_report"):
            with pytest.raises(Exception, match="locked"):
                db.session.execute(text(stmt))
                db.session.commit()
            db.session.rollback()
        assert db.session.scalar(text("SELECT count(*) FROM annual_report")) == 2
        db.session.remove()


def test_no_edit_is_offered_for_a_published_version(app, api, year_2026):
    with at("2027-01-10"):
        api.post("/api/annual/2026/publish", "supervisor", json={"narrative": "说明"})
    for method in ("PUT", "PATCH", "DELETE"):
        for path in ("/api/annual/2026", "/api/annual/2026/versions/1"):
            assert api.call(method, path, "supervisor", json={"narrative": "x"}).status_code == 405
    page = signed_in(app, "supervisor").get("/annual/2026?version=1").get_data(as_text=True)
    assert "<textarea" not in page and "<form method=\"post\" class=\"stack\">" not in page
    assert 'data-status="published"' in page


def test_exports_csv_with_bom_and_json(app, api, year_2026):
    with at("2027-01-10"):
        api.post("/api/annual/2026/publish", "supervisor", json={"narrative": "说明，含逗号"})
    res = api.get("/api/annual/2026/export?format=csv", "supervisor")
    assert res.status_code == 200 and res.mimetype == "text/csv"
    assert res.data.startswith(b"\xef\xbb\xbf")
    assert "annual-report-2026-v1.csv" in res.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(res.data.decode("utf-8-sig"))))
    values = {r[0]: r[1] for r in rows if len(r) == 2}
    assert values["申请数量"] == "6" and values["受理数量"] == "5" and values["许可数量"] == "3"
    assert values["不予许可数量"] == "1" and values["撤销许可数量"] == "0" and values["逾期决定数"] == "1"
    assert values["逾期公示数"] == "2" and values["听证案件数"] == "1" and values["退回补充材料轮次"] == "0"
    assert values["行政执法情况说明"] == "说明，含逗号"
    header = next(r for r in rows if r and r[0] == "事项编码")
    xk2 = next(r for r in rows if r and r[0] == "XK-002")
    assert dict(zip(header[2:], xk2[2:])) == {"申请数量": "5", "受理数量": "4", "许可数量": "2", "其中：准予变更": "0",
                                             "其中：准予延续": "0", "不予许可数量": "1", "撤销许可数量": "0",
                                             "注销许可数量": "0", "撤回申请数量": "0",
                                             "逾期决定数": "1", "逾期公示数": "2"}
    assert all(cell != "" for r in rows if r and r[0].startswith("XK-") for cell in r)  # zero is 0, never blank

    doc = json.loads(api.get("/api/annual/2026/export?format=json&version=1", "supervisor").data)
    assert doc["version"] == 1 and doc["narrative"] == "说明，含逗号"
    check_figures(doc["figures"])
    # the web page offers the same downloads
    b = signed_in(app, "supervisor")
    web_csv = b.get("/annual/2026/export.csv?version=1")
    assert web_csv.status_code == 200 and web_csv.data == res.data


def test_page_shows_figures_and_bar_charts_and_publishes(app, api, year_2026):
    with at("2027-01-10"):
        b = signed_in(app, "supervisor")  # signed in at the frozen time (the session carries its age)
        page = b.get("/annual/2026").get_data(as_text=True)
        assert 'data-status="preview"' in page
        ind = dict(re.findall(r'<tr data-key="([^"]+)"><td>[^<]*</td><td class="num">(\d+)</td>', page))
        assert ind["applications"] == "6" and ind["accepted"] == "5" and ind["legal_review.return"] == "0"
        charts = re.findall(r'<svg class="chart".*?</svg>', page, re.S)
        assert len(charts) == 2 and charts[0].count('class="bar ') == 4  # applications, accepted, granted, denied > 0
        assert ">0</text>" in charts[1]  # zero shown as 0
        res = b.post("/annual/2026/publish", {"narrative": ""})
        assert res.status_code == 422 and "发布前须填写" in res.get_data(as_text=True)
        assert b.post("/annual/2026/draft", {"narrative": "网页草稿"}).status_code == 302
        assert "网页草稿" in b.get("/annual/2026").get_data(as_text=True)
        res = b.post("/annual/2026/publish", {"narrative": "网页发布的说明"})
        assert res.status_code == 302 and res.headers["Location"].endswith("/annual/2026?version=1")
        page = b.get("/annual/2026?version=1").get_data(as_text=True)
        assert "网页发布的说明" in page and 'data-version="1"' in page
        res = b.post("/annual/2026/publish", {"narrative": "再次发布", "reason": ""})
        assert res.status_code == 422 and "须填写原因" in res.get_data(as_text=True)


def test_only_supervisors(app, api, year_2026):
    for user in ("clerk", "leader", "legal"):
        assert api.get("/api/annual/2026", user).status_code == 403
        assert api.post("/api/annual/2026/publish", user, json={"narrative": "x"}).status_code == 403
        assert api.get("/api/annual/2026/export?format=csv", user).status_code == 403
    assert api.get("/api/annual/2026").status_code == 401
    b = signed_in(app, "clerk")
    assert b.get("/annual/2026").status_code == 403
    assert b.post("/annual/2026/publish", {"narrative": "x"}).status_code == 403
    assert "统计年报" not in b.get("/tasks").get_data(as_text=True)
    assert "统计年报" in signed_in(app, "supervisor").get("/tasks").get_data(as_text=True)
    assert api.get("/api/annual/2026/versions/1", "supervisor").status_code == 404
    assert api.get("/api/annual/1999", "supervisor").status_code == 422


def test_cli_generate_publish_show(app, year_2026):
    runner = app.test_cli_runner()
    with at("2027-01-10"):
        out = runner.invoke(args=["annual", "generate", "2026"])
        assert out.exit_code == 0, out.output
        assert "申请数量: 6" in out.output and "受理数量: 5" in out.output and "逾期公示数: 2" in out.output
        assert runner.invoke(args=["annual", "show", "2026"]).exit_code == 1
        out = runner.invoke(args=["annual", "generate", "2026", "--publish", "--as", "clerk", "--narrative", "x"])
        assert out.exit_code == 1 and "403" in out.output
        out = runner.invoke(args=["annual", "generate", "2026", "--publish", "--narrative", "命令行发布"])
        assert out.exit_code == 0 and "version 1" in out.output, out.output
        out = runner.invoke(args=["annual", "generate", "2026", "--publish", "--narrative", "y"])
        assert out.exit_code == 1 and "reason" in out.output
        out = runner.invoke(args=["annual", "generate", "2026", "--publish", "--narrative", "y", "--reason", "更正"])
        assert out.exit_code == 0 and "version 2" in out.output
    out = runner.invoke(args=["annual", "show", "2026", "--version", "1", "--format", "json"])
    doc = json.loads(out.output)
    assert doc["version"] == 1 and doc["narrative"] == "命令行发布"
    check_figures(doc["figures"])
    out = runner.invoke(args=["annual", "show", "2026", "--format", "csv"])
    assert out.exit_code == 0 and "申请数量,6" in out.output and "更正" in out.output


def test_reminder_reports_whether_last_years_report_is_published(app, api):
    from app.annual.scans import annual_report_reminder
    with app.app_context():
        assert annual_report_reminder(dt.date(2027, 1, 10)) == {"in_season": 1, "published": False,
                                                               "days_left": 21}
    with at("2027-01-10"):
        assert api.post("/api/annual/2026/publish", "supervisor", json={"narrative": "说明"}).status_code == 201
    with app.app_context():
        assert annual_report_reminder(dt.date(2027, 1, 20))["published"] is True
        assert annual_report_reminder(dt.date(2027, 3, 1)) == {"in_season": 0, "published": True,
                                                              "days_left": None}


def test_the_public_sees_only_published_versions_with_charts(app, api, year_2026):
    from app.annual import service as annual
    from app.users.models import User
    client = app.test_client()
    assert client.get("/public/annual/2026").status_code == 404  # nothing published: no preview leaks out
    assert "尚无已公布的年报" in client.get("/public/annual").get_data(as_text=True)
    with app.app_context():
        supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
        annual.publish(supervisor, 2026, "2026年度行政执法情况总体平稳。")
    page = client.get("/public/annual/2026").get_data(as_text=True)  # no sign-in
    assert "2026 年度统计年报" in page and "2026年度行政执法情况总体平稳" in page
    assert page.count('<svg class="chart"') == 2 and "申请数量" in page
    assert "2026 年度" in client.get("/public/annual").get_data(as_text=True)
