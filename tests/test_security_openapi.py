"""Issue 10, point 8: /api/openapi.json tells the truth — every API route and no other, nullable fields
marked, date-times with their offset, the rules the code enforces (lengths, ranges, required bodies, unknown
fields refused), and no two schemas under one name. The fuzz run (test_security_fuzz) checks the answers."""
from __future__ import annotations

import datetime as dt
import re

import pytest


@pytest.fixture
def document(client):
    return client.get("/api/openapi.json").get_json()


def test_every_api_route_is_documented_and_nothing_else(app, document):
    routes = {(method.lower(), re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule))
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(method, path) for path, operations in document["paths"].items() for method in operations}
    assert routes == documented


def test_nullable_fields_are_marked(document):
    schemas = document["components"]["schemas"]
    for schema, field in (("Case", "completed_at"), ("SupervisedCase", "engine_error"), ("Task", "claimed_by"),
                          ("Task", "completed_at"), ("Verify", "first_invalid_seq"), ("MonthRate", "rate")):
        assert schemas[schema]["properties"][field].get("nullable") is True, (schema, field)


def test_enforced_rules_are_in_the_document(document):
    schemas, paths = document["components"]["schemas"], document["paths"]
    token = schemas["TokenRequest"]
    assert token["additionalProperties"] is False and set(token["required"]) == {"username", "password"}
    assert token["properties"]["username"]["minLength"] == 1 and token["properties"]["username"]["maxLength"] == 64
    assert schemas["Reason"]["properties"]["reason"]["minLength"] == 1
    page = next(p for p in paths["/api/public/decisions"]["get"]["parameters"] if p["name"] == "page")
    assert page["schema"]["minimum"] == 1 and page["schema"]["maximum"] >= 1000
    year = next(p for p in paths["/api/annual/{year}"]["get"]["parameters"] if p["name"] == "year")
    assert (year["schema"]["minimum"], year["schema"]["maximum"]) == (2000, 2100)
    after = next(p for p in paths["/api/cases/{case_no}/records"]["get"]["parameters"] if p["name"] == "after_seq")
    assert after["schema"]["maximum"] == 2 ** 31 - 1  # the record numbers' INTEGER column
    evidence_id = paths["/api/documents/{doc_id}/pdf"]["get"]["parameters"][0]
    assert evidence_id["schema"]["type"] == "integer" and evidence_id["schema"]["maximum"] == 2 ** 31 - 1
    for path, operations in paths.items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert operation["requestBody"]["required"] is True, (method, path)


def test_date_times_carry_their_offset(api, document):
    assert document["components"]["schemas"]["Case"]["properties"]["created_at"]["format"] == "date-time"
    case = api.new_case()
    created = dt.datetime.fromisoformat(case["created_at"])
    assert created.utcoffset() == dt.timedelta(0) and case["created_at"].endswith("+00:00")


def test_two_schemas_under_one_name_are_refused(app):
    from marshmallow import Schema, fields

    from app.api import openapi

    def clash(op, component, path_param):
        reason = type("ReasonSchema", (Schema,), {"other": fields.String()})
        return {"/api/x": {"get": op("x", reason)}}, {}
    openapi.register_openapi(clash)
    try:
        with app.test_request_context(), pytest.raises(RuntimeError, match="two schemas are named Reason"):
            openapi.build_document()
    finally:
        openapi._PARTS.remove(clash)
