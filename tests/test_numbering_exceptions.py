"""Complaints have their own numbering (TS-<year>-000001…), not a permit's XK-…; an item's publication
exception (法律法规、部门规章另有规定的除外) is a catalogue field with its legal basis, shown on the
publication desk, and the only ground besides secrets and privacy to keep its decisions off the portal."""
from sqlalchemy import select, update

from app.extensions import db
from tests.support import forms as f
from tests.support.flows import at, case_row, publication_action
from tests.support.web import html

BASIS = "《某某条例》第十二条：涉及国防设施的许可决定不予公开"


def test_complaints_are_numbered_on_their_own_from_one_each_year(api):
    with at("2026-05-06"):
        first = api.new_case(item="ZX-TS")["case_no"]
        permit = api.new_case()["case_no"]
        second = api.new_case(item="ZX-TS")["case_no"]
    assert (first, second) == ("TS-2026-000001", "TS-2026-000002")
    assert permit.startswith("XK-2026-")
    with at("2027-01-04"):
        assert api.new_case(item="ZX-TS")["case_no"] == "TS-2027-000001"


def _with_exception(app, code="XK-002", basis=BASIS):
    from app.catalogue.models import ServiceItem
    with app.app_context():
        db.session.execute(update(ServiceItem).where(ServiceItem.code == code).values(publication_exception=basis))
        db.session.commit()


def decided(api):
    with at("2026-03-02"):
        case_no = api.new_case()["case_no"]
        api.complete(case_no, "receive", "clerk", f.ACCEPT)
        api.complete(case_no, "review", "reviewer", f.review())
        api.complete(case_no, "decide", "leader", {**f.DECIDE_GRANT, "decision_date": "2026-03-02"})
    return case_no


def _pub(app, case_no):
    from app.publicity.models import Publication
    with app.app_context():
        pub = db.session.scalar(select(Publication).where(Publication.case_id == case_row(case_no).id))
        db.session.expunge(pub)
        return pub


def test_the_exception_and_its_basis_are_shown_on_the_publication_desk(app, api, browser):
    case_no = decided(api)
    pub_id = _pub(app, case_no).id
    clerk = browser("clerk")
    page = html(clerk.get(f"/publications/{pub_id}"))
    assert BASIS not in page and 'value="legal_exception"' not in page
    _with_exception(app)
    page = html(clerk.get(f"/publications/{pub_id}"))
    assert BASIS in page and 'value="legal_exception"' in page
    assert "另有规定" in html(clerk.get("/publications"))
    items = api.get("/api/service-items", "clerk").get_json()
    items = items["items"] if isinstance(items, dict) else items
    assert {i["code"]: i["publication_exception"] for i in items}["XK-002"] == BASIS


def test_withholding_on_the_items_exception_needs_the_catalogue_basis(app, api):
    from app.core.errors import InvalidData
    case_no = decided(api)
    try:
        publication_action(app, case_no, "withhold", "leader", withhold_class="legal_exception",
                           reason="依法不予公开", approver="leader")
        raise AssertionError("withheld without a basis in the catalogue")
    except InvalidData as exc:
        assert "withhold_class" in exc.fields
    assert _pub(app, case_no).state == "PENDING_REVIEW"
    _with_exception(app)
    publication_action(app, case_no, "withhold", "leader", withhold_class="legal_exception",
                       reason="依法不予公开", approver="leader")
    pub = _pub(app, case_no)
    assert (pub.state, pub.withheld_class) == ("WITHHELD", "legal_exception")
