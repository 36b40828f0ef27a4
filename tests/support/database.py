"""The test database: built once by the real migrations, then reset before every test to exactly the rows it
had after the baseline (demo users, catalogue, deployed diagrams) — generated from the metadata, so a new
table is reset without anyone listing it here."""
from __future__ import annotations

import os

from flask_migrate import upgrade
from sqlalchemy import text

from app.extensions import db
from app.records.triggers import APPEND_ONLY_TABLES


def on_postgres() -> bool:
    """Whether this run's database is PostgreSQL (TEST_DATABASE_URL; .ci/run's second run)."""
    return (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql")


def build_schema(app) -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(directory=os.path.join(app.root_path, "..", "migrations"))


def snapshot() -> dict[str, list[dict]]:
    """Every row of every table of the metadata."""
    with db.engine.connect() as conn:
        return {table.name: [dict(row) for row in conn.execute(table.select()).mappings()]
                for table in db.metadata.sorted_tables}


def restore(rows: dict[str, list[dict]]) -> None:
    """Back to ``rows``: every table emptied (children first) and refilled (parents first), in one
    transaction with the append-only triggers out of the way (tests only)."""
    db.session.rollback()  # our own open read would block DROP TRIGGER's exclusive lock on PostgreSQL
    dialect = db.engine.dialect.name
    guards = list(APPEND_ONLY_TABLES.values())
    with db.engine.begin() as conn:
        for guard in guards:
            for statement in guard.drop_statements(dialect):
                conn.execute(text(statement))
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        for table in db.metadata.sorted_tables:
            if rows.get(table.name):
                conn.execute(table.insert(), rows[table.name])
        for guard in guards:
            for statement in guard.create_statements(dialect):
                conn.execute(text(statement))


def behind_the_triggers(table: str, statements: list[str]) -> None:
    """Run SQL on an append-only table with its triggers out of the way: what someone with direct database
    access could do, and what the hash checks must notice."""
    APPEND_ONLY_TABLES[table].behind(statements)
