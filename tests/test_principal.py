"""The principal head (主要负责人) signs major decisions and committee conclusions; a deputy only while an
administrator has designated them acting (recorded in the account log and on the case)."""
import datetime as dt

from sqlalchemy import select

from app.extensions import db
from tests.support import forms as f
from tests.support.flows import actions
from tests.support.web import html


def deputy(app):
    """A deputy director: a leader with a valid certificate, not the principal head."""
    from app.users.models import User, UserRole
    user = User(username="leader2", full_name="马副局长", role_rows=[UserRole(role="leader")], post="副局长",
                certificate_no="21030020150002", certificate_valid_until=dt.date(2030, 1, 1))
    user.set_password("demo")
    db.session.add(user)
    db.session.commit()
    return user


def major_case_at_signature(api):
    case_no = api.new_case(item="XK-003")["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review())
    api.complete(case_no, "legal_review", "legal", f.legal_review())
    api.complete(case_no, "committee", "secretary", f.committee())
    return case_no


def test_only_the_principal_head_or_an_acting_deputy_signs(app, api, ctx):
    deputy(app)
    case_no = major_case_at_signature(api)
    refused = api.complete(case_no, "sign_conclusion", "leader2", f.SIGN, expect=403)
    assert refused["error"] == "principal_head_required"
    assert [r["payload"]["reason"] for r in actions(api, case_no) if r["action"] == "refused"] == \
        ["principal_head_required"]
    assert api.open_task(case_no, "sign_conclusion")["state"] == "READY"

    result = app.test_cli_runner().invoke(args=["users", "acting", "leader2", "--as", "admin",
                                                "--until", "2099-12-31", "--ref", "鞍行审任〔2026〕5号"])
    assert result.exit_code == 0, result.output
    api.complete(case_no, "sign_conclusion", "leader2", f.SIGN)
    [acting] = [r for r in actions(api, case_no) if r["action"] == "signed_as_acting"]
    assert acting["payload"] == {"acting_until": "2099-12-31", "designation_ref": "鞍行审任〔2026〕5号"}
    api.complete(case_no, "decide", "leader2", f.DECIDE_GRANT)


def test_a_minor_decision_needs_no_principal_head(app, api, ctx):
    deputy(app)
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review())
    api.complete(case_no, "decide", "leader2", f.DECIDE_GRANT)


def test_the_demo_director_is_the_principal_head_and_signs(api, ctx):
    case_no = major_case_at_signature(api)
    api.complete(case_no, "sign_conclusion", "leader", f.SIGN)
    api.complete(case_no, "decide", "leader", f.DECIDE_GRANT)
    assert not [r for r in actions(api, case_no) if r["action"] == "signed_as_acting"]


def test_the_administrator_designates_on_the_user_page(app, browser):
    from app.users.models import User
    from app.users.records import account_records
    with app.app_context():
        deputy(app)
    admin = browser("admin")
    page = html(admin.get("/admin/users/leader2"))
    assert "设为主要负责人" in page and "指定代行主要负责人职责" in page
    bad = admin.post("/admin/users/leader2/principal", {"designation": "acting", "until": "2000-01-01", "ref": "x"})
    assert bad.status_code == 422
    admin.post("/admin/users/leader2/principal", {"designation": "principal"})
    notleader = admin.post("/admin/users/reviewer/principal", {"designation": "principal"})
    assert notleader.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(User.acting_principal_until).where(User.username == "leader2")) is None
        heads = db.session.scalars(select(User.username).where(User.principal_head.is_(True))).all()
        assert heads == ["leader2"]  # one principal head: the director stopped being it, recorded
        assert [r.action for r, _p in account_records("leader", 5)][0] == "principal_ended"
        assert [r.action for r, _p in account_records("leader2", 5)][0] == "principal_designated"
