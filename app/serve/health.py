"""``GET /healthz``: for a load balancer or systemd watchdog — 200 when this process can reach the database,
503 otherwise. Public, tiny, nothing about the data."""
from __future__ import annotations

from flask import Flask, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db


def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify({"status": "database_unavailable"}), 503, {"Retry-After": "5", "Cache-Control": "no-store"}
    return jsonify({"status": "ok"}), 200, {"Cache-Control": "no-store"}


def install(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", healthz)
