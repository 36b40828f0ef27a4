"""Change, renewal and cancellation of a licence as catalogue items whose cases name the licence; the renewal's
30-day rule and the deemed renewal at expiry (行政许可法 第四十九、五十、七十条)."""
from sqlalchemy import func, select

from app.extensions import db
from tests.support import forms as f
from tests.support.api import APPLICANT
from tests.support.flows import at, run_scan
from tests.support.licences import apply_on, decided_case, licence

NUMBER = "鞍审证〔2026〕第0001号"  # the first licence of 2026: XK-002 granted 2026-03-20, valid until 2031-03-19


def _cases():
    from app.cases.models import Case
    return db.session.scalar(select(func.count(Case.id)))


def _decide(api, case_no, day):
    with at(day):
        api.complete(case_no, "receive", "clerk", f.ACCEPT)
        api.complete(case_no, "review", "reviewer", f.review())
        api.complete(case_no, "decide", "leader", {**f.DECIDE_GRANT, "decision_date": day})


def test_renewal_31_days_before_expiry_is_accepted_29_days_refused(api, ctx):
    decided_case(api)
    assert licence(api, NUMBER)["valid_until"] == "2031-03-19"
    before = _cases()
    res = apply_on(api, "XK-002-YX", NUMBER, "2031-02-18")  # 29 days before 2031-03-19
    assert res.status_code == 422 and res.get_json()["error"] == "renewal_too_late"
    assert "2031-02-17" in res.get_json()["fields"]["licence_no"][0]
    assert _cases() == before and [e["action"] for e in licence(api, NUMBER)["history"]] == ["granted"]
    res = apply_on(api, "XK-002-YX", NUMBER, "2031-02-17")  # 30 days before: the last day
    assert res.status_code == 201, res.get_json()
    # 31 days before, on another licence
    decided_case(api, day="2026-03-21")
    other = "鞍审证〔2026〕第0002号"
    res = apply_on(api, "XK-002-YX", other, "2031-02-18")  # valid until 2031-03-20: 30 days; fine
    assert res.status_code == 201
    case_no = res.get_json()["case_no"]
    _decide(api, case_no, "2031-03-02")
    renewed = licence(api, other)
    assert renewed["status"] == "renewed" and renewed["valid_until"] == "2036-03-20"
    assert [e["action"] for e in renewed["history"]] == ["granted", "applied", "renewed"]


def test_renewal_exactly_31_days_before(api, ctx):
    decided_case(api)
    res = apply_on(api, "XK-002-YX", NUMBER, "2031-02-16")  # 31 days before expiry
    assert res.status_code == 201, res.get_json()


def test_a_renewal_undecided_at_expiry_is_deemed_renewed_and_recorded(api, app, ctx):
    decided_case(api)
    decided_case(api, day="2026-03-21")  # no renewal: expires
    case_no = apply_on(api, "XK-002-YX", NUMBER, "2031-02-10").get_json()["case_no"]
    assert run_scan(app, "scan_licences", "2031-03-19") == {"deemed_renewed": 0, "expired": 0}  # last valid day
    assert run_scan(app, "scan_licences", "2031-03-21") == {"deemed_renewed": 1, "expired": 1}
    assert run_scan(app, "scan_licences", "2031-03-22") == {"deemed_renewed": 0, "expired": 0}  # idempotent
    renewed = licence(api, NUMBER)
    assert renewed["status"] == "renewed" and renewed["valid_until"] == "2036-03-19"
    assert renewed["history"][-1]["action"] == "deemed_renewed" and renewed["history"][-1]["actor"] == "scheduler"
    records = api.get(f"/api/cases/{case_no}/records", "clerk").get_json()["records"]
    deemed = [r for r in records if r["action"] == "licence_deemed_renewed"]
    assert len(deemed) == 1 and deemed[0]["payload"]["valid_until"] == "2036-03-19"
    assert licence(api, "鞍审证〔2026〕第0002号")["status"] == "expired"
    # the late decision confirms the deemed renewal: the term is not extended twice
    _decide(api, case_no, "2031-03-25")
    assert licence(api, NUMBER)["valid_until"] == "2036-03-19"


def test_change_updates_the_scope_and_cancellation_ends_the_licence(api, ctx):
    decided_case(api)
    res = apply_on(api, "XK-002-BG", NUMBER, "2027-05-10")
    assert res.status_code == 422 and res.get_json()["error"] == "change_scope_required"
    res = apply_on(api, "XK-002-BG", NUMBER, "2027-05-10", licence_scope="预包装食品销售、热食类食品制售")
    assert res.status_code == 201
    change_no = res.get_json()["case_no"]
    # one open application per licence
    res = apply_on(api, "XK-002-ZX", NUMBER, "2027-05-11")
    assert res.status_code == 422 and res.get_json()["error"] == "licence_case_pending"
    _decide(api, change_no, "2027-05-20")
    changed = licence(api, NUMBER)
    assert changed["status"] == "changed" and changed["scope"] == "预包装食品销售、热食类食品制售"
    assert changed["valid_until"] == "2031-03-19"

    cancel_no = apply_on(api, "XK-002-ZX", NUMBER, "2028-01-10").get_json()["case_no"]
    _decide(api, cancel_no, "2028-01-15")
    cancelled = licence(api, NUMBER)
    assert cancelled["status"] == "cancelled" and cancelled["in_force"] is False
    res = apply_on(api, "XK-002-YX", NUMBER, "2028-02-01")
    assert res.status_code == 422 and res.get_json()["error"] == "licence_not_in_force"
    # the annual report: 准予变更 is a 许可 (domain.md §5) and counted as a change; 注销 is no 许可
    from app.annual.figures import generate
    assert {k: generate(2027)["licensing"][k] for k in ("granted", "changed", "cancelled")} == \
        {"granted": 1, "changed": 1, "cancelled": 0}
    assert {k: generate(2028)["licensing"][k] for k in ("granted", "changed", "cancelled")} == \
        {"granted": 0, "changed": 0, "cancelled": 1}


def test_an_application_must_name_a_licence_of_the_item_and_the_applicant(api, ctx):
    decided_case(api)
    decided_case(api, item="XK-001", day="2026-03-23")  # 鞍审证〔2026〕第0002号: a planning permit
    before = _cases()
    for number, error in (("", "licence_no_required"), ("鞍审证〔2026〕第0099号", "licence_unknown"),
                          ("鞍审证〔2026〕第0002号", "licence_wrong_item")):
        with at("2027-01-05"):
            res = api.post("/api/cases", "clerk", json={"item": "XK-002-BG", "applicant": APPLICANT, "facts": {
                "licence_scope": "x", **({"licence_no": number} if number else {})}})
        assert res.status_code == 422 and res.get_json()["error"] == error, (number, res.get_json())
    other = {"name": "鞍山另一家食品有限公司", "type": "legal_person", "code": "91210300MA0QC4XB88"}
    res = apply_on(api, "XK-002-ZX", NUMBER, "2027-01-05", applicant=other)
    assert res.status_code == 422 and res.get_json()["error"] == "licence_other_holder"
    assert _cases() == before


def test_the_items_law_may_ask_for_another_lead_time(api, ctx):
    """第五十条第一款 "法律、法规、规章另有规定的，依照其规定": the catalogue's renewal_lead_days."""
    from app.catalogue.models import ServiceItem
    item = db.session.scalar(select(ServiceItem).where(ServiceItem.code == "XK-002-YX"))
    item.renewal_lead_days = 60
    db.session.commit()
    decided_case(api)  # valid until 2031-03-19
    res = apply_on(api, "XK-002-YX", NUMBER, "2031-01-19")  # 59 days before
    assert res.status_code == 422 and res.get_json()["error"] == "renewal_too_late"
    assert "60" in res.get_json()["message"]
    assert apply_on(api, "XK-002-YX", NUMBER, "2031-01-18").status_code == 201  # 60 days before
