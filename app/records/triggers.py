"""Database triggers that make a table append-only (execution records, the deployment log, published
annual reports). Used by the migrations, and by tests that must reach behind them to simulate tampering."""
from __future__ import annotations

from dataclasses import dataclass

# Every append-only table, by name (tests reach behind all of them to reset the database between tests).
APPEND_ONLY_TABLES: dict[str, "AppendOnly"] = {}


@dataclass(frozen=True)
class AppendOnly:
    table: str
    label: str  # the start of the refusal message, e.g. "execution records are append-only"

    def __post_init__(self) -> None:
        APPEND_ONLY_TABLES[self.table] = self

    def create_statements(self, dialect: str) -> list[str]:
        t, label = self.table, self.label
        if dialect == "postgresql":
            return [
                f"""CREATE OR REPLACE FUNCTION {t}_append_only() RETURNS trigger AS $$
                   BEGIN
                     RAISE EXCEPTION '{label}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
                   END $$ LANGUAGE plpgsql""",
                f"""CREATE TRIGGER {t}_no_change BEFORE UPDATE OR DELETE ON {t}
                   FOR EACH ROW EXECUTE FUNCTION {t}_append_only()""",
                f"""CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}
                   FOR EACH STATEMENT EXECUTE FUNCTION {t}_append_only()""",
            ]
        return [
            f"""CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t}
               BEGIN SELECT RAISE(ABORT, '{label}: UPDATE refused'); END""",
            f"""CREATE TRIGGER {t}_no_delete BEFORE DELETE ON {t}
               BEGIN SELECT RAISE(ABORT, '{label}: DELETE refused'); END""",
        ]

    def drop_statements(self, dialect: str) -> list[str]:
        t = self.table
        if dialect == "postgresql":
            return [f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}", f"DROP TRIGGER IF EXISTS {t}_no_change ON {t}",
                    f"DROP FUNCTION IF EXISTS {t}_append_only()"]
        return [f"DROP TRIGGER IF EXISTS {t}_no_update", f"DROP TRIGGER IF EXISTS {t}_no_delete"]

    def behind(self, statements: list[str]) -> None:
        """Run SQL on the table with its triggers out of the way, in one transaction. Tests only: this is
        what someone with direct database access could do, and what the hash checks must notice."""
        from sqlalchemy import text

        from app.extensions import db
        dialect = db.engine.dialect.name
        db.session.rollback()  # our own open read would block DROP TRIGGER's exclusive lock on PostgreSQL
        with db.engine.begin() as conn:
            for stmt in self.drop_statements(dialect) + list(statements) + self.create_statements(dialect):
                conn.execute(text(stmt))


EXECUTION_RECORDS = AppendOnly("execution_record", "execution records are append-only")


def create_statements(dialect: str) -> list[str]:
    return EXECUTION_RECORDS.create_statements(dialect)


def drop_statements(dialect: str) -> list[str]:
    return EXECUTION_RECORDS.drop_statements(dialect)
