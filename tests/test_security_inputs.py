"""Issue 10, points 5 and 6: inputs that used to reach a 500 get a clear 4xx, and request bodies are small
unless the route takes uploads and the sender has signed in."""
from __future__ import annotations

import io
import json

import pytest

from tests.support.web import PDF


def raw_post(api, path, user, body: bytes):
    return api.post(path, user, data=body, content_type="application/json")


def test_an_unpaired_surrogate_in_any_string_field_is_a_422(api):
    case_no = api.new_case()["case_no"]
    task = api.open_task(case_no, "receive")
    before = len(api.get(f"/api/cases/{case_no}/records", "clerk").get_json()["records"])
    bodies = [
        ("/api/cases", b'{"item": "XK-002", "applicant": {"name": "\\ud800", "type": "legal_person"}}', "applicant.name"),
        (f"/api/tasks/{task['id']}/complete", b'{"data": {"outcome": "accept", "note": "x\\udfff"}}', "data.note"),
        (f"/api/tasks/{task['id']}/complete", b'{"data": {"\\ud800": 1}}', "data"),
        ("/api/auth/token", b'{"username": "\\ud800", "password": "demo"}', "username"),
    ]
    for path, body, field in bodies:
        res = raw_post(api, path, "clerk", body)
        assert res.status_code == 422, (path, res.get_json())
        assert res.get_json()["error"] == "invalid_unicode" and field in res.get_json()["fields"], res.get_json()
    assert len(api.get(f"/api/cases/{case_no}/records", "clerk").get_json()["records"]) == before


def test_json_nested_100000_deep_is_a_422(api, client):
    deep = b"[" * 100_000 + b"]" * 100_000
    for path in ("/api/auth/token", "/api/cases"):
        res = raw_post(api, path, "clerk", deep)
        assert res.status_code in (413, 422), path  # 200 kB: within the small limit, then refused as too deep
        assert res.is_json
    shallow_but_too_deep = json.dumps({"item": "XK-002", "facts": json.loads("[" * 40 + "]" * 40)}).encode()
    res = raw_post(api, "/api/cases", "clerk", shallow_but_too_deep)
    assert res.status_code == 422 and res.get_json()["error"] == "json_too_deep"


def test_nan_infinity_and_numbers_beyond_64_bits_in_bodies(api):
    for body in (b'{"item": "XK-002", "facts": {"investment": NaN}}',
                 b'{"item": "XK-002", "facts": {"investment": Infinity}}'):
        assert raw_post(api, "/api/cases", "clerk", body).get_json()["error"] == "json_malformed"
    res = raw_post(api, "/api/cases", "clerk", b'{"item": "XK-002", "facts": {"investment": 99999999999999999999}}')
    assert res.status_code == 422 and res.get_json()["error"] == "number_out_of_range"
    assert "facts.investment" in res.get_json()["fields"]


@pytest.mark.parametrize("path", ["/api/cases/{case_no}/records?after_seq=99999999999999999999",
                                  "/api/cases/{case_no}/records?after_seq=-1",
                                  "/api/cases/{case_no}/records?after_seq=2147483648",
                                  "/api/public/decisions?page=99999999999999999999",
                                  "/api/public/decisions?page=0",
                                  "/api/tasks?offset=99999999999999999999"])
def test_integers_beyond_the_columns_in_query_arguments_are_a_422(api, path):
    case_no = api.new_case()["case_no"]
    res = api.get(path.format(case_no=case_no), "clerk")
    assert res.status_code == 422 and res.is_json and res.get_json()["fields"], res.get_json()


@pytest.mark.parametrize("path", ["/files/99999999999999999999", "/files/2147483648", "/publications/99999999999999999999",
                                  "/annual/99999999999999999999", "/public/decisions/99999999999999999999"])
def test_integers_beyond_the_columns_in_paths_are_not_found(browser, path):
    assert browser("supervisor").get(path).status_code == 404


@pytest.mark.parametrize("path", ["/?page=99999999999999999999", "/supervision?page=99999999999999999999",
                                  "/public/decisions?page=99999999999999999999", "/annual/2026?version=99999999999999999999",
                                  "/public/annual/2026?version=99999999999999999999"])
def test_pages_with_huge_numbers_in_their_arguments_still_answer(browser, path):
    assert browser("supervisor").get(path).status_code in (200, 404)


# ------------------------------------------------------------------------------------------ request size

def test_a_60_mb_json_body_is_refused_before_sign_in_without_being_read(client):
    body = b'{"username": "clerk", "password": "' + b"x" * (60 * 1024 * 1024) + b'"}'
    res = client.post("/api/auth/token", data=body, content_type="application/json")
    assert res.status_code == 413 and res.is_json


def test_small_limits_for_json_and_forms_everywhere(api, client, browser):
    big = b'{"reason": "' + b"x" * (300 * 1024) + b'"}'
    case_no = api.new_case()["case_no"]
    assert raw_post(api, f"/api/supervision/cases/{case_no}/note", "supervisor", big).status_code == 413
    b = browser("clerk")
    b.get("/")
    assert b.post("/language", {"lang": "en", "next": "/" + "x" * (300 * 1024)}).status_code == 413


def test_large_uploads_only_on_upload_routes_and_only_after_sign_in(app, api, browser):
    case_no = api.new_case()["case_no"]
    big_pdf = PDF + b"0" * (600 * 1024)  # above the small limit, below the evidence limit
    anonymous = browser()
    anonymous.get("/login")
    res = anonymous.post(f"/cases/{case_no}/files", {"files": (io.BytesIO(big_pdf), "a.pdf")},
                         content_type="multipart/form-data")
    assert res.status_code == 413  # not signed in: the small limit, refused before the body is read
    clerk = browser("clerk")
    clerk.get(f"/cases/{case_no}")
    res = clerk.post(f"/cases/{case_no}/files", {"files": (io.BytesIO(big_pdf), "a.pdf")},
                     content_type="multipart/form-data")
    assert res.status_code == 302
    files = [r for r in api.get(f"/api/cases/{case_no}/records", "clerk").get_json()["records"]
             if r["action"] == "evidence_added"]
    assert files and files[-1]["payload"]["size"] == len(big_pdf)


def test_case_registration_with_materials_is_an_upload_route(api, browser):
    clerk = browser("clerk")
    clerk.get("/cases/new")
    big_pdf = PDF + b"0" * (600 * 1024)
    res = clerk.post("/cases/new", {"item": "XK-002", "applicant_name": "鞍山示例食品有限公司",
                                    "applicant_type": "legal_person", "applicant_code": "91210300MA0QC4XB9B",
                                    "confidentiality": "internal", "files": (io.BytesIO(big_pdf), "申请书.pdf")},
                     content_type="multipart/form-data")
    assert res.status_code != 413

