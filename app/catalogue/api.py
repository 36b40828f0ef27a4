"""``GET /api/service-items``: the active items of the catalogue."""
from flask import jsonify
from sqlalchemy import select

from app.api import bp
from app.api.helpers import login_required
from app.api.openapi import register_openapi
from app.catalogue.models import ServiceItem
from app.catalogue.schemas import ServiceItemSchema
from app.extensions import db


@bp.get("/service-items")
@login_required
def list_service_items():
    items = db.session.scalars(select(ServiceItem).where(ServiceItem.active.is_(True)).order_by(ServiceItem.code))
    return jsonify({"items": ServiceItemSchema(many=True).dump(items)})


def openapi_parts(op, component, path_param) -> tuple[dict, dict]:
    return ({"/api/service-items": {"get": op("The service items (事项目录)", None)}},
            {"ServiceItem": component(ServiceItemSchema)})


register_openapi(openapi_parts)
