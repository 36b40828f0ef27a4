"""``GET /api/public/checkpoints``: every signed checkpoint, for anyone to copy (oldest first, paged; with
``after_seq`` a mirror fetches only what is new). Each item is exactly a line of the checkpoint file."""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import func, select

from app.anchoring.models import Checkpoint
from app.api import bp
from app.api.openapi import register_openapi
from app.documents.schemas import (
    CheckpointEntrySchema,
    CheckpointListSchema,
    CheckpointQuerySchema,
)
from app.extensions import db


@bp.get("/public/checkpoints")
def public_checkpoints():
    args = CheckpointQuerySchema().load(request.args)
    where = Checkpoint.seq > args["after_seq"]
    total = db.session.scalar(select(func.count()).select_from(Checkpoint).where(where))
    rows = db.session.scalars(select(Checkpoint).where(where).order_by(Checkpoint.seq)
                              .limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"]))
    response = jsonify(CheckpointListSchema().dump({"total": total, "page": args["page"], "per_page": args["per_page"],
                                                    "items": [row.entry() for row in rows]}))
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    params = [{"name": name, "in": "query", "schema": {"type": "integer"}} for name in ("page", "per_page", "after_seq")]
    paths = {"/api/public/checkpoints": {"get": op(
        "Public, no sign-in: the signed checkpoints of every record chain (oldest first); keep a copy",
        CheckpointListSchema, auth=False, params=params)}}
    return paths, {"CheckpointList": component(CheckpointListSchema), "CheckpointEntry": component(CheckpointEntrySchema)}


register_openapi(openapi_parts)
