"""Issue 10, point 7: uploads are checked first and stored after (a refused file leaves nothing on disk), a
task named must belong to the case, and only people who may act on the case attach files."""
from __future__ import annotations

import io
import os
from pathlib import Path

from tests.support import forms as f
from tests.support.api import APPLICANT
from tests.support.web import PDF


def stored_files(app) -> list[str]:
    root = Path(app.config["EVIDENCE_DIR"])
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload(b, case_no, name, content, **form):
    return b.post(f"/cases/{case_no}/files", {"files": (io.BytesIO(content), name), **form},
                  content_type="multipart/form-data")


def test_a_refused_file_leaves_nothing_on_disk(app, api, browser):
    case_no = api.new_case()["case_no"]
    clerk = browser("clerk")
    clerk.get(f"/cases/{case_no}")
    before = stored_files(app)
    for name, content in (("fake.pdf", b"MZ\x90\x00 not a pdf at all " + os.urandom(64)),  # content mismatch
                          ("empty.pdf", b""),
                          ("tool.exe", b"MZ" + os.urandom(64))):  # type not allowed
        res = upload(clerk, case_no, name, content)
        assert res.status_code in (302, 422), name
        assert stored_files(app) == before, name


def test_when_one_file_of_several_is_refused_none_is_stored(app, api, browser):
    case_no = api.new_case()["case_no"]
    clerk = browser("clerk")
    clerk.get(f"/cases/{case_no}")
    before = stored_files(app)
    res = clerk.post(f"/cases/{case_no}/files", {"files": [(io.BytesIO(PDF + os.urandom(32)), "good.pdf"),
                                                           (io.BytesIO(b"not a pdf" + os.urandom(32)), "bad.pdf")]},
                     content_type="multipart/form-data")
    assert res.status_code in (302, 422)
    assert stored_files(app) == before
    assert not [r for r in api.get(f"/api/cases/{case_no}/records", "clerk").get_json()["records"]
                if r["action"] == "evidence_added"]


def test_a_task_of_another_case_cannot_be_named(app, api, browser):
    secret = api.post("/api/cases", "clerk", json={"item": "XK-002", "applicant": APPLICANT,
                                                   "confidentiality": "state_secret"}).get_json()["case_no"]
    secret_task = api.open_task(secret, "receive")
    case_no = api.new_case()["case_no"]
    clerk = browser("clerk")
    clerk.get(f"/cases/{case_no}")
    before = stored_files(app)
    res = upload(clerk, case_no, "a.pdf", PDF + os.urandom(32), task_id=secret_task["id"])
    assert res.status_code in (302, 422)
    assert stored_files(app) == before
    assert not [r for r in api.get(f"/api/cases/{secret}/records", "clerk").get_json()["records"]
                if r["action"] == "evidence_added"]


def test_supervisors_and_other_non_actors_cannot_attach_files(app, api, browser):
    case_no = api.new_case()["case_no"]
    api.complete(case_no, "receive", "clerk", f.ACCEPT)
    before = stored_files(app)
    for who in ("supervisor", "designer", "admin"):
        b = browser(who)
        b.get("/")
        res = upload(b, case_no, "a.pdf", PDF + os.urandom(32))
        assert res.status_code == 403, who
    assert stored_files(app) == before
    refused = [r for r in api.get(f"/api/cases/{case_no}/records", "clerk").get_json()["records"]
               if r["action"] == "refused" and r["payload"].get("attempted") == "attach"]
    assert [r["actor"] for r in refused] == ["supervisor", "designer", "admin"]  # each refusal is evidence
    reviewer = browser("reviewer")
    reviewer.get(f"/cases/{case_no}")
    assert upload(reviewer, case_no, "ok.pdf", PDF + os.urandom(32)).status_code == 302
    assert len(stored_files(app)) == len(before) + 1


def test_the_upload_form_is_shown_to_those_who_may_attach(api, browser):
    case_no = api.new_case()["case_no"]
    assert 'name="files"' in browser("clerk").get(f"/cases/{case_no}").get_data(as_text=True)
    assert 'name="files"' not in browser("supervisor").get(f"/cases/{case_no}").get_data(as_text=True)
