"""Deployment records: an append-only, hash-chained log of every definition version that was created.

One record per new version (a deployment that changes nothing writes none). Each record's hash is SHA-256
over the canonical JSON of all its fields and the previous record's hash, exactly like the execution
records of a case (app.records.chain), and the database refuses UPDATE, DELETE and TRUNCATE on the table
(triggers created by migration 0007). ``verify_deployments`` recomputes the chain and also checks it
against the stored versions: every version must have its record, with the same SHA-256, and the stored
content must still hash to it, so records cut off the end or a diagram changed in place are found too.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import String, Text, insert, select, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.definitions.models import DefinitionVersion
from app.extensions import db
from app.records.chain import GENESIS_HASH, HashChain
from app.records.triggers import AppendOnly

TABLE = "deployment_record"
HASHED_FIELDS = ("seq", "ts", "actor", "action", "key", "version", "sha256", "note", "prev_hash")


class DeploymentRecord(db.Model):
    """One definition version created by a deployment. ``hash`` covers every other column."""
    __tablename__ = TABLE

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    ts: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))  # 'deploy' | 'import' (versions from before the log)
    key: Mapped[str] = mapped_column(String(128), index=True)
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


DEPLOYMENT_CHAIN = HashChain(HASHED_FIELDS)


def append_deployments(versions, actor: str, note: str | None, action: str = "deploy") -> None:
    """Chain one record per version onto the log, in the caller's transaction (committed with the versions)."""
    if not versions:
        return
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        # One writer at a time: the next seq and prev_hash must not be read by two deployments at once.
        session.execute(text(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE"))
    last = session.execute(select(DeploymentRecord.seq, DeploymentRecord.hash)
                           .order_by(DeploymentRecord.seq.desc()).limit(1)).first()
    now = utcnow()
    rows = [{"ts": now, "actor": actor, "action": action, "key": v.key, "version": v.version, "sha256": v.sha256,
             "note": note} for v in versions]
    DEPLOYMENT_CHAIN.link(rows, *((last.seq, last.hash) if last else (0, GENESIS_HASH)))
    session.connection().execute(insert(DeploymentRecord.__table__), rows)


@dataclass
class DeployVerifyResult:
    valid: bool
    count: int
    first_invalid_seq: int | None = None
    reason: str | None = None

    def to_dict(self) -> dict:
        return {"valid": self.valid, "count": self.count, "first_invalid_seq": self.first_invalid_seq,
                "reason": self.reason}


def verify_deployments() -> DeployVerifyResult:
    """Recompute the chain; name the first record that does not match, then check the stored versions."""
    records = db.session.scalars(select(DeploymentRecord).order_by(DeploymentRecord.seq)).all()
    check = DEPLOYMENT_CHAIN.check(records)
    if not check.valid:
        return DeployVerifyResult(False, check.count, check.first_invalid_seq, check.reason)
    count = check.count
    by_version = {(rec.key, rec.version): rec for rec in records}
    versions = db.session.execute(select(DefinitionVersion.key, DefinitionVersion.version, DefinitionVersion.sha256,
                                         DefinitionVersion.content).order_by(DefinitionVersion.id))
    for key, version, sha256, content in versions:
        rec = by_version.get((key, version))
        if rec is None:
            return DeployVerifyResult(False, count, count + 1,
                                      f"{key} v{version} has no deployment record (records removed from the end?)")
        if rec.sha256 != sha256 or hashlib.sha256(content).hexdigest() != sha256:
            return DeployVerifyResult(False, count, rec.seq,
                                      f"{key} v{version}: the stored content does not match its deployment record")
    return DeployVerifyResult(True, count)


# ------------------------------------------------------------------------------------------ triggers

APPEND_ONLY = AppendOnly(TABLE, "deployment records are append-only")
create_statements = APPEND_ONLY.create_statements  # used by migration 0007
drop_statements = APPEND_ONLY.drop_statements
behind_the_triggers = APPEND_ONLY.behind  # tests only
