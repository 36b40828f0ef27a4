"""Execution records (全过程记录): append-only, hash-chained per case, refused UPDATE/DELETE by the database."""
from app.records.chain import (
    RecordDraft,
    VerifyResult,
    append_records,
    record_hash,
    verify_case,
)

__all__ = ["RecordDraft", "VerifyResult", "append_records", "record_hash", "verify_case"]
