"""The checkpoint table: append-only (triggers, migration 0010), one row per signed checkpoint."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.records.triggers import AppendOnly


class Checkpoint(db.Model):
    """``payload`` is the canonical JSON that was signed, byte for byte; ``hash`` its SHA-256."""
    __tablename__ = "checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    taken_at: Mapped[dt.datetime]
    reason: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64))
    merkle_root: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(Text)  # base64 of the DER signature over payload's UTF-8 bytes
    certificate: Mapped[str] = mapped_column(Text)  # base64 of the signer's DER certificate

    def entry(self) -> dict:
        """The checkpoint as one line of the file and one item of the public API."""
        import json
        return {"payload": json.loads(self.payload), "hash": self.hash, "signature": self.signature,
                "certificate": self.certificate}


APPEND_ONLY = AppendOnly("checkpoint", "checkpoints are append-only")
