"""Taking and verifying signed checkpoints.

A checkpoint (payload, canonical JSON, signed by the bureau key) holds:

    seq, taken_at (UTC), reason, prev        its place in the chain of checkpoints (prev = hash of the last)
    cases        [{case_no, count, head}]    the head of every case's execution-record chain
    deployments  {count, head, from_seq, hashes}   the deployment log's head and its records since the last
    appended     [{case_no, from_seq, hashes}]     for each case changed since the last checkpoint, the hash
                                                   of every record appended since then
    merkle_root  RFC 6962 root over "deployments:<count>:<head>" and "case:<case_no>:<count>:<head>"
    signer       SHA-256 of the signing certificate

Together the checkpoints hold the hash of every record up to the last one, so verification names the first
record of a case that no longer matches — even when the whole chain after it was recomputed consistently
and the head on the case row rewritten (what ``records.verify_case`` cannot see). The copies: the
``checkpoint`` table (append-only), the JSON-lines file (``CHECKPOINT_FILE``) and ``/api/public/checkpoints``;
verification reads the file and the table, uses the file's copy when they disagree and reports that.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field

from cryptography import x509
from sqlalchemy import select, text

from app.anchoring import journal, merkle
from app.anchoring.models import Checkpoint
from app.cases.models import Case
from app.core.clock import utcnow
from app.designer.records import DeploymentRecord
from app.documents.signing import chains_to_trusted_root, load_key, verify_bytes
from app.extensions import db
from app.records.chain import GENESIS_HASH, canonical_json
from app.records.models import ExecutionRecord

FORMAT = 1


# ---------------------------------------------------------------------------------------- taking one

def _case_heads() -> list[dict]:
    rows = db.session.execute(select(Case.id, Case.case_no, Case.records_count, Case.records_head)
                              .order_by(Case.case_no))
    return [{"id": r.id, "case_no": r.case_no, "count": r.records_count or 0, "head": r.records_head}
            for r in rows]


def _deployment_head() -> tuple[int, str | None]:
    last = db.session.execute(select(DeploymentRecord.seq, DeploymentRecord.hash)
                              .order_by(DeploymentRecord.seq.desc()).limit(1)).first()
    return (last.seq, last.hash) if last else (0, None)


def _record_hashes(case_id: int, after: int, upto: int) -> list[str]:
    """Hashes of records after..upto (inclusive): bounded by the head read from the case row, so records
    committed meanwhile by someone else are left for the next checkpoint."""
    return list(db.session.scalars(select(ExecutionRecord.hash).where(
        ExecutionRecord.case_id == case_id, ExecutionRecord.seq > after, ExecutionRecord.seq <= upto)
        .order_by(ExecutionRecord.seq)))


def _deployment_hashes(after: int, upto: int) -> list[str]:
    return list(db.session.scalars(select(DeploymentRecord.hash).where(
        DeploymentRecord.seq > after, DeploymentRecord.seq <= upto).order_by(DeploymentRecord.seq)))


def merkle_leaves(payload: dict) -> list[bytes]:
    dep = payload["deployments"]
    leaves = [f"deployments:{dep['count']}:{dep['head'] or ''}"]
    leaves += [f"case:{c['case_no']}:{c['count']}:{c['head'] or ''}" for c in payload["cases"]]
    return [leaf.encode("utf-8") for leaf in leaves]


def _build_payload(previous: dict | None, seq: int, reason: str, signer: str) -> dict:
    prev_cases = {c["case_no"]: c["count"] for c in (previous or {}).get("cases", [])}
    prev_dep = (previous or {}).get("deployments", {}).get("count", 0)
    cases, appended = [], []
    for c in _case_heads():
        cases.append({"case_no": c["case_no"], "count": c["count"], "head": c["head"]})
        before = prev_cases.get(c["case_no"], 0)
        if c["count"] > before:
            appended.append({"case_no": c["case_no"], "from_seq": before + 1,
                             "hashes": _record_hashes(c["id"], before, c["count"])})
    dep_count, dep_head = _deployment_head()
    payload = {"format": FORMAT, "seq": seq, "taken_at": utcnow().isoformat(timespec="microseconds") + "Z",
               "reason": reason, "prev": _payload_hash(previous) if previous else GENESIS_HASH, "signer": signer,
               "cases": cases, "appended": appended,
               "deployments": {"count": dep_count, "head": dep_head, "from_seq": prev_dep + 1,
                               "hashes": _deployment_hashes(prev_dep, dep_count) if dep_count > prev_dep else []}}
    payload["merkle_root"] = merkle.root(merkle_leaves(payload))
    return payload


def _payload_hash(payload: dict) -> str:
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def _unchanged(previous: dict | None, payload: dict) -> bool:
    if previous is None:
        return False
    return (previous["merkle_root"] == payload["merkle_root"] and not payload["appended"]
            and not payload["deployments"]["hashes"])


def take_checkpoint(reason: str, *, only_if_changed: bool = False) -> Checkpoint | None:
    """Sign and store a checkpoint now: a row in the table (committed), then a line in the file.

    Commits the session: call it after your own transaction committed (a checkpoint must only anchor
    records that exist). With ``only_if_changed`` nothing is taken when no chain moved since the last one.
    """
    key = load_key()  # before anything: no key, no checkpoint
    if db.session.get_bind().dialect.name == "postgresql":
        # One checkpoint at a time: seq and prev must not be read by two writers at once.
        db.session.execute(text(f"LOCK TABLE {Checkpoint.__tablename__} IN SHARE ROW EXCLUSIVE MODE"))
    last = db.session.scalar(select(Checkpoint).order_by(Checkpoint.seq.desc()).limit(1))
    previous = json.loads(last.payload) if last else None
    payload = _build_payload(previous, (last.seq if last else 0) + 1, reason[:200], key.fingerprint)
    if only_if_changed and _unchanged(previous, payload):
        db.session.rollback()
        return None
    body = canonical_json(payload)
    row = Checkpoint(seq=payload["seq"], taken_at=utcnow(), reason=reason[:200], payload=body,
                     hash=hashlib.sha256(body.encode("utf-8")).hexdigest(), merkle_root=payload["merkle_root"],
                     signature=base64.b64encode(key.sign(body.encode("utf-8"))).decode("ascii"),
                     certificate=base64.b64encode(key.certificate_der()).decode("ascii"))
    db.session.add(row)
    db.session.commit()
    journal.append(row.entry())
    return row


def scheduled_checkpoint(now: dt.datetime) -> dict:
    """The scheduler's hourly job: a checkpoint when anything changed since the last one."""
    row = take_checkpoint("scheduled", only_if_changed=True)
    return {"taken": 0} if row is None else {"taken": 1, "seq": row.seq}


# ---------------------------------------------------------------------------------------- verifying

@dataclass
class Problem:
    message: str
    case_no: str | None = None  # None: the checkpoints themselves or the deployment log
    seq: int | None = None  # the first record that does not match
    checkpoint: int | None = None

    def line(self) -> str:
        if self.case_no:
            return f"BROKEN {self.case_no}: record #{self.seq}: {self.message}"
        where = f"deployment record #{self.seq}: " if self.seq else ""
        return f"CHECKPOINT {where}{self.message}"


@dataclass
class AnchorReport:
    checkpoints: int = 0
    cases: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"valid": self.ok, "checkpoints": self.checkpoints, "cases": self.cases,
                "problems": [asdict(p) for p in self.problems]}


def _entry_problem(entry: dict) -> str | None:
    """Why this copy of a checkpoint cannot be trusted, or None."""
    try:
        payload = entry["payload"]
        body = canonical_json(payload).encode("utf-8")
        if hashlib.sha256(body).hexdigest() != entry["hash"]:
            return "its content does not match its hash (altered)"
        cert = x509.load_der_x509_certificate(base64.b64decode(entry["certificate"]))
        if not chains_to_trusted_root(cert):
            return "signed with a certificate that is not the bureau's"
        if not verify_bytes(cert, body, base64.b64decode(entry["signature"])):
            return "the signature does not verify (altered or forged)"
        if merkle.root(merkle_leaves(payload)) != payload["merkle_root"]:
            return "its Merkle root does not match its heads"
    except (KeyError, TypeError, ValueError) as exc:
        return f"malformed ({exc})"
    return None


def _trusted_checkpoints(report: AnchorReport) -> list[dict]:
    """One trusted payload per seq from the file and the table, in seq order; every disagreement, bad
    copy, missing copy and broken link between checkpoints is a problem in ``report``."""
    table = {row.seq: row.entry() for row in db.session.scalars(select(Checkpoint).order_by(Checkpoint.seq))}
    file_entries, unreadable = journal.read()
    report.problems += [Problem(message) for message in unreadable]
    in_file: dict[int, dict] = {}
    for entry in file_entries:
        seq = entry["payload"].get("seq")
        if not isinstance(seq, int):
            report.problems.append(Problem(f"a checkpoint in the file has no valid seq: {seq!r}"))
            continue
        if seq in in_file and in_file[seq].get("hash") != entry.get("hash"):
            report.problems.append(Problem(f"checkpoint #{seq} appears twice in the file, differently", checkpoint=seq))
        in_file.setdefault(seq, entry)
    chosen: dict[int, dict] = {}
    for seq in sorted(set(table) | set(in_file)):
        entry = _choose(seq, in_file.get(seq), table.get(seq), report)
        if entry is not None:
            chosen[seq] = entry["payload"]
    _check_links(chosen, report)
    report.checkpoints = len(chosen)
    return [chosen[s] for s in sorted(chosen)]


def _choose(seq, from_file: dict | None, from_table: dict | None, report: AnchorReport) -> dict | None:
    file_problem = _entry_problem(from_file) if from_file else None
    table_problem = _entry_problem(from_table) if from_table else None
    if from_file is None:
        report.problems.append(Problem(f"checkpoint #{seq} is in the database but missing from the file",
                                       checkpoint=seq))
    elif from_table is None:
        report.problems.append(Problem(f"checkpoint #{seq} is in the file but missing from the database",
                                       checkpoint=seq))
    elif any(_same(from_file, from_table, part) is False for part in ("payload", "hash", "signature", "certificate")):
        report.problems.append(Problem(f"checkpoint #{seq}: the file and the database disagree "
                                       f"(the file's copy is used)", checkpoint=seq))
    if from_file is not None and file_problem:
        report.problems.append(Problem(f"checkpoint #{seq} in the file: {file_problem}", checkpoint=seq))
    if from_table is not None and table_problem:
        report.problems.append(Problem(f"checkpoint #{seq} in the database: {table_problem}", checkpoint=seq))
    if from_file is not None and not file_problem:
        return from_file
    if from_table is not None and not table_problem:
        return from_table
    return None


def _same(a: dict, b: dict, part: str) -> bool:
    return canonical_json(a.get(part)) == canonical_json(b.get(part))


def _check_links(chosen: dict[int, dict], report: AnchorReport) -> None:
    prev_hash, expected = GENESIS_HASH, 1
    for seq in sorted(chosen):
        payload = chosen[seq]
        if seq != expected:
            report.problems.append(Problem(f"checkpoints #{expected}–#{seq - 1} are missing or untrusted",
                                           checkpoint=seq))
        elif payload.get("prev") != prev_hash:
            report.problems.append(Problem(f"checkpoint #{seq} does not link to checkpoint #{seq - 1} "
                                           "(one was removed or replaced)", checkpoint=seq))
        prev_hash, expected = _payload_hash(payload), seq + 1


@dataclass
class _Anchors:
    """seq → (hash, checkpoint seq) for each case and for the deployment log."""
    cases: dict[str, dict[int, tuple[str, int]]] = field(default_factory=dict)
    deployments: dict[int, tuple[str, int]] = field(default_factory=dict)


def _anchor(target: dict, seq: int, value: str | None, cp: int, report: AnchorReport, case_no: str | None) -> None:
    if value is None:
        return
    known = target.get(seq)
    if known and known[0] != value:
        report.problems.append(Problem(f"checkpoints #{known[1]} and #{cp} anchor different hashes", case_no,
                                       seq, cp))
        return
    target.setdefault(seq, (value, cp))


def _collect(payloads: list[dict], report: AnchorReport, only_case: str | None = None) -> _Anchors:
    anchors = _Anchors()
    for payload in payloads:
        cp = payload["seq"]
        for block in payload.get("appended", []):
            if only_case and block["case_no"] != only_case:
                continue
            target = anchors.cases.setdefault(block["case_no"], {})
            for i, value in enumerate(block["hashes"]):
                _anchor(target, block["from_seq"] + i, value, cp, report, block["case_no"])
        for head in payload.get("cases", []):
            if (only_case and head["case_no"] != only_case) or not head["count"]:
                continue
            _anchor(anchors.cases.setdefault(head["case_no"], {}), head["count"], head["head"], cp, report,
                    head["case_no"])
        dep = payload.get("deployments", {})
        for i, value in enumerate(dep.get("hashes", [])):
            _anchor(anchors.deployments, dep["from_seq"] + i, value, cp, report, None)
        if dep.get("count"):
            _anchor(anchors.deployments, dep["count"], dep["head"], cp, report, None)
    return anchors


def _first_mismatch(anchored: dict[int, tuple[str, int]], stored: dict[int, str]) -> tuple[int, int, str] | None:
    for seq in sorted(anchored):
        value, cp = anchored[seq]
        if seq not in stored:
            return seq, cp, f"anchored in checkpoint #{cp} but no longer in the database (removed)"
        if stored[seq] != value:
            return seq, cp, (f"does not match the hash anchored in checkpoint #{cp} "
                             "(changed after it was anchored; later records rehashed to hide it)")
    return None


def _check_case(case_no: str, anchored: dict, report: AnchorReport) -> None:
    case_id = db.session.scalar(select(Case.id).where(Case.case_no == case_no))
    if case_id is None:
        first = min(anchored)
        report.problems.append(Problem(f"the case is anchored in checkpoint #{anchored[first][1]} but missing "
                                       "from the database", case_no, first, anchored[first][1]))
        return
    stored = dict(db.session.execute(select(ExecutionRecord.seq, ExecutionRecord.hash)
                                     .where(ExecutionRecord.case_id == case_id)).all())
    found = _first_mismatch(anchored, stored)
    if found:
        seq, cp, why = found
        report.problems.append(Problem(why, case_no, seq, cp))


def verify_against_checkpoints() -> AnchorReport:
    """Every chain in the database against the anchored hashes; every checkpoint copy checked."""
    report = AnchorReport()
    anchors = _collect(_trusted_checkpoints(report), report)
    for case_no in sorted(anchors.cases):
        _check_case(case_no, anchors.cases[case_no], report)
    report.cases = len(anchors.cases)
    stored = dict(db.session.execute(select(DeploymentRecord.seq, DeploymentRecord.hash)).all())
    found = _first_mismatch(anchors.deployments, stored)
    if found:
        seq, cp, why = found
        report.problems.append(Problem(f"deployment log: {why}", None, seq, cp))
    return report


def verify_case_against_checkpoints(case) -> dict:
    """One case (for ``GET /api/cases/<no>/records/verify``): ``{valid, first_invalid_seq, reason,
    checkpoints, problems}``; problems with the checkpoints themselves make it invalid too."""
    report = AnchorReport()
    anchors = _collect(_trusted_checkpoints(report), report, only_case=case.case_no)
    if case.case_no in anchors.cases:
        _check_case(case.case_no, anchors.cases[case.case_no], report)
    mine = [p for p in report.problems if p.case_no == case.case_no]
    first = mine[0] if mine else None
    return {"valid": report.ok, "first_invalid_seq": first.seq if first else None,
            "reason": first.message if first else (report.problems[0].message if report.problems else None),
            "checkpoints": report.checkpoints, "problems": [asdict(p) for p in report.problems]}


def case_check(case) -> tuple[int | None, str] | None:
    """For the API verify: (first record that no longer matches, why) when the checkpoints disagree."""
    found = verify_case_against_checkpoints(case)
    return None if found["valid"] else (found["first_invalid_seq"], found["reason"] or "checkpoint mismatch")
