"""Case flows several tests share: finishing a decided case, freezing the clock, running a scan, reading
records."""
from __future__ import annotations

import datetime as dt

import time_machine
from sqlalchemy import select

from app.extensions import db
from tests.support import forms as f


def finish_after_decision(api, case_no):
    """Deliver, publish on the publication desk (which completes 公示), archive."""
    api.complete(case_no, "deliver", "clerk", f.deliver())
    publication_action(api.client.application, case_no, "publish", "clerk")
    return api.complete(case_no, "archive", "clerk", f.ARCHIVE)


def publication_action(app, case_no, fn, user, **kwargs):
    """Publish, withhold or withdraw the case's publication record as ``user`` (the publication desk's actions)."""
    from app.publicity import publications
    from app.publicity.models import Publication
    from app.users.models import User
    with app.app_context():
        pub_id = db.session.scalar(select(Publication.id).where(Publication.case_id == case_row(case_no).id))
        actor = db.session.scalar(select(User).where(User.username == user))
        getattr(publications, fn)(actor, pub_id, **kwargs)
        db.session.remove()


def at(day: str, hour: int = 10):
    """Freeze time at ``day`` 10:00 China time."""
    return time_machine.travel(dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00"), tick=False)


def case_row(case_no):
    from app.cases.models import Case
    db.session.expire_all()
    return db.session.scalar(select(Case).where(Case.case_no == case_no))


def actions(api, case_no, user="supervisor"):
    return [r for r in api.get(f"/api/cases/{case_no}/records", user).get_json()["records"]]


def run_scan(app, name, day):
    """Run the scheduler's scan function ``name`` (wherever the feature that owns it keeps it)."""
    from app.scheduler.jobs import JOBS
    scan = next(job.resolve() for job in JOBS.values() if job.func_path.endswith(f":{name}"))
    with app.app_context():
        return scan(dt.date.fromisoformat(day))


def accepted_case(api, day, item="XK-002"):
    with at(day):
        case_no = api.new_case(item=item)["case_no"]
        api.complete(case_no, "receive", "clerk", f.ACCEPT)
    return case_no


def granted_case(api, item="XK-002"):
    """A case registered, accepted, reviewed and granted today (the minor path up to 送达)."""
    case_no = api.new_case(item=item)["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    api.complete(case_no, "review", "reviewer", f.review())
    api.complete(case_no, "decide", "leader", f.DECIDE_GRANT)
    return case_no
