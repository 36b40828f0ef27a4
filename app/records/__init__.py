"""Execution records (全过程记录): append-only, hash-chained per case, refused UPDATE/DELETE by the database."""
from app.records.chain import (
    RecordDraft,
    append_records,
    record_hash,
    verify_all,
    verify_case,
)

__all__ = ["RecordDraft", "append_records", "record_hash", "verify_case", "verify_all"]
