"""Database triggers that make execution_record append-only. Used by the migration (and by tests that
must reach behind them to simulate tampering)."""

SQLITE = [
    """CREATE TRIGGER execution_record_no_update BEFORE UPDATE ON execution_record
       BEGIN SELECT RAISE(ABORT, 'execution records are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER execution_record_no_delete BEFORE DELETE ON execution_record
       BEGIN SELECT RAISE(ABORT, 'execution records are append-only: DELETE refused'); END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS execution_record_no_update",
               "DROP TRIGGER IF EXISTS execution_record_no_delete"]

POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION execution_record_append_only() RETURNS trigger AS $$
       BEGIN
         RAISE EXCEPTION 'execution records are append-only: % refused', TG_OP
           USING ERRCODE = 'insufficient_privilege';
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER execution_record_no_change BEFORE UPDATE OR DELETE ON execution_record
       FOR EACH ROW EXECUTE FUNCTION execution_record_append_only()""",
    """CREATE TRIGGER execution_record_no_truncate BEFORE TRUNCATE ON execution_record
       FOR EACH STATEMENT EXECUTE FUNCTION execution_record_append_only()""",
]
POSTGRESQL_DROP = ["DROP TRIGGER IF EXISTS execution_record_no_truncate ON execution_record",
                   "DROP TRIGGER IF EXISTS execution_record_no_change ON execution_record",
                   "DROP FUNCTION IF EXISTS execution_record_append_only()"]


def create_statements(dialect: str) -> list[str]:
    return POSTGRESQL if dialect == "postgresql" else SQLITE


def drop_statements(dialect: str) -> list[str]:
    return POSTGRESQL_DROP if dialect == "postgresql" else SQLITE_DROP
