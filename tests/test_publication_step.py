"""公示 completes only from the publication record (published or withheld), never from a typed date; the
annual report's late count and the publications desk agree."""
import datetime as dt

from sqlalchemy import select

from app.extensions import db
from tests.support import forms as f
from tests.support.flows import accepted_case, actions, at, case_row, publication_action


def at_publish_step(api, accepted="2026-03-02", decided="2026-03-10"):
    case_no = accepted_case(api, accepted)
    with at(decided):
        api.complete(case_no, "review", "reviewer", f.review())
        api.complete(case_no, "decide", "leader", {**f.DECIDE_GRANT, "decision_date": decided})
        api.complete(case_no, "deliver", "clerk", f.deliver())
    assert api.open_task(case_no, "publish")
    return case_no


def _publication(case_no):
    from app.publicity.models import Publication
    db.session.expire_all()
    return db.session.scalar(select(Publication).where(Publication.case_id == case_row(case_no).id))


def test_the_step_cannot_be_completed_while_the_record_is_under_review_nor_with_a_typed_date(api, ctx):
    case_no = at_publish_step(api)
    before = len(actions(api, case_no))
    with at("2026-03-11"):
        typed = api.complete(case_no, "publish", "clerk", {"publication_ref": "https://x", "published_on": "2026-03-09"},
                             expect=422)
        assert set(typed["fields"]) == {"publication_ref", "published_on"}
        pending = api.complete(case_no, "publish", "clerk", f.PUBLISH, expect=409)
    assert pending["error"] == "publication_not_final"
    assert len(actions(api, case_no)) == before and case_row(case_no).published_on is None
    assert api.open_task(case_no, "publish")["state"] == "READY"


def test_publishing_on_the_desk_completes_the_step_itself(api, app, ctx):
    case_no = at_publish_step(api)
    with at("2026-03-12"):
        publication_action(app, case_no, "publish", "clerk")
    case = api.case(case_no)
    assert [t["name"] for t in case["tasks"]] == ["archive"] and case["status"] == "archiving"
    assert case_row(case_no).published_on == dt.date(2026, 3, 12)
    [done] = [r for r in actions(api, case_no) if r["action"] == "task_completed" and r["task_name"] == "publish"]
    assert done["payload"]["source"] == "publication_published" and done["actor"] == "clerk"
    assert api.get(f"/api/cases/{case_no}/records/verify", "supervisor").get_json()["valid"] is True


def test_withholding_completes_the_step_without_a_publication_date(api, app, ctx):
    case_no = at_publish_step(api)
    with at("2026-03-12"):
        publication_action(app, case_no, "withhold", "leader", withhold_class="business_secret",
                           reason="涉及申请人核心工艺，权利人不同意公开", approver="leader")
    assert [t["name"] for t in api.case(case_no)["tasks"]] == ["archive"]
    assert case_row(case_no).published_on is None and _publication(case_no).state == "WITHHELD"


def test_the_annual_late_count_agrees_with_the_publications_desk(api, app, ctx):
    """Decided 03-10, due 03-19 (7 working days). Still under review on 04-01: the desk shows it late, the
    report counts it; published on 04-01, both still call it late, and the typed step cannot hide it."""
    from app.annual.figures import generate
    from app.publicity.publications import is_overdue
    case_no = at_publish_step(api)
    pub = _publication(case_no)
    assert pub.due_on == dt.date(2026, 3, 19)
    with at("2026-04-01"):
        api.complete(case_no, "publish", "clerk", f.PUBLISH, expect=409)
    assert is_overdue(_publication(case_no), dt.date(2026, 4, 1)) is True
    assert generate(2026, as_of=dt.date(2026, 4, 1))["late_publications"] == 1
    with at("2026-04-01"):
        publication_action(app, case_no, "publish", "clerk")
    [rec] = [r for r in actions(api, case_no) if r["action"] == "publication_published"]
    assert rec["payload"]["on_time"] is False
    assert generate(2026, as_of=dt.date(2026, 12, 31))["late_publications"] == 1


def test_publishing_through_the_api_completes_the_step(api, ctx):
    case_no = at_publish_step(api)
    refused = api.post(f"/api/cases/{case_no}/publication/publish", "reviewer", json={})
    assert refused.status_code == 403 and _publication(case_no).state == "PENDING_REVIEW"
    with at("2026-03-12"):
        res = api.post(f"/api/cases/{case_no}/publication/publish", "clerk", json={})
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["state"] == "PUBLISHED" and [t["name"] for t in body["case"]["tasks"]] == ["archive"]
    again = api.post(f"/api/cases/{case_no}/publication/publish", "clerk", json={})
    assert again.status_code == 409
    assert api.post("/api/cases/XK-2026-999999/publication/publish", "clerk", json={}).status_code == 404
