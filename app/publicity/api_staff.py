"""The publication desk's action on the API: publish a case's reviewed decision (双公示). Publishing completes
the case's open 公示 task in the same transaction (app.publicity.publications.publish)."""
from __future__ import annotations

from flask import g, jsonify
from marshmallow import fields
from sqlalchemy import select

from app.api import bp
from app.api.helpers import load_json, login_required
from app.api.openapi import register_openapi
from app.cases import access as case_access
from app.cases.models import Case
from app.cases.schemas import dump_case
from app.core.errors import Forbidden, NotFound
from app.core.roles import role_label
from app.core.schemas import StrictSchema
from app.extensions import db
from app.publicity import publications
from app.publicity.models import Publication


class PublicationPublishSchema(StrictSchema):
    version = fields.Integer(load_default=None, metadata={"description": "the record's lock_version, if known"})


@bp.post("/cases/<case_no>/publication/publish")
@login_required
def publish_publication(case_no: str):
    body = load_json(PublicationPublishSchema())
    if not publications.STAFF_ROLES & g.user.roles:  # before anything about the case is looked up
        raise Forbidden.of("role_required", role=f"{role_label('clerk')}/{role_label('leader')}")
    pub_id = db.session.scalar(select(Publication.id).join(Case, Case.id == Publication.case_id)
                               .where(Case.case_no == case_no))
    if pub_id is None:
        raise NotFound.of("not_found", what=case_no)
    pub = publications.publish(g.user, pub_id, expected_version=body["version"])
    return jsonify({"state": pub.state, "case": dump_case(case_access.get_case(case_no))})


def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    paths = {"/api/cases/{case_no}/publication/publish": {"post": op(
        "Publish the case's reviewed decision (clerk or leader); completes the open 公示 task", None,
        body=PublicationPublishSchema, params=[path_param("case_no")])}}
    return paths, {"PublicationPublish": component(PublicationPublishSchema)}


register_openapi(openapi_parts)
