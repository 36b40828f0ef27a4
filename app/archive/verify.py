"""Offline check of a sealed case file (执法案卷) bundle. Standard library only: this one file is all an
auditor needs, on any machine with Python 3.9+:

    python3 verify.py XK-2026-000001.zip          (or: python -m app.archive.verify …, flask archive verify …)

It checks that every member listed in manifest.json is present with its SHA-256 and size, that nothing
unlisted was added, that the execution records still form an unbroken hash chain (recomputed exactly as
app.records.chain.record_hash does) ending at the chain head the manifest states, and that every evidence
file hashes to the SHA-256 in its name, in case.json and in the records that mention it.

Do not import Flask, SQLAlchemy or anything from ``app`` here.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sys
import zipfile
from dataclasses import dataclass

GENESIS_HASH = "0" * 64
MANIFEST = "manifest.json"
FORMAT = "xzsp-case-bundle"
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
HASHED_FIELDS = ("case_id", "seq", "ts", "actor", "role", "action", "task_id", "task_name", "from_state",
                 "to_state", "payload", "prev_hash")


@dataclass
class Problem:
    """One thing wrong with a bundle: the member it is in, the record (seq) when there is one, and what."""
    member: str
    text: str
    seq: int | None = None

    def __str__(self) -> str:
        return self.text


@dataclass
class Summary:
    case_no: str | None = None
    records: int = 0
    files: int = 0
    definitions: int = 0
    members: int = 0
    sealed: bool = False
    manifest_sha256: str | None = None
    last_hash: str | None = None
    documents: int = 0
    signer: str | None = None  # SHA-256 of the certificate that signed the manifest


# ------------------------------------------------------------------------------------------ the record hash
# A copy of app.records.chain (canonical_json, _timestamp, record_hash); tests/test_archive.py proves the
# copy gives the same hash as the original on real records.

def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _timestamp(ts) -> str:
    if isinstance(ts, str):
        ts = dt.datetime.fromisoformat(ts)
    if ts.tzinfo is not None:
        ts = ts.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return ts.isoformat(timespec="microseconds")


def record_hash(record: dict) -> str:
    """SHA-256 over the canonical JSON of the record's fields; ``ts`` may be ISO text or a datetime."""
    body = {name: record.get(name) for name in HASHED_FIELDS}
    body["ts"] = _timestamp(record["ts"])
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------------------------ the check

def _short(sha) -> str:
    return f"{sha[:12]}…" if isinstance(sha, str) and len(sha) > 12 else str(sha)


def _hash_member(zf: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with zf.open(name) as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def verify_bundle(path) -> list[Problem]:
    """Every problem found in the bundle at ``path`` (an empty list: the bundle is intact)."""
    return check_bundle(path)[0]


def check_bundle(path) -> tuple[list[Problem], Summary]:
    problems: list[Problem] = []
    summary = Summary()

    def problem(member: str, text: str, seq: int | None = None) -> None:
        problems.append(Problem(member, text, seq))

    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        return [Problem(str(path), f"{path}: not a readable ZIP file ({exc})")], summary
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        names = [i.filename for i in infos]
        seen: set[str] = set()
        for name in names:
            if name in seen:
                problem(name, f"{name}: present more than once in the ZIP")
            seen.add(name)
        if MANIFEST not in seen:
            problem(MANIFEST, f"{MANIFEST}: missing (the bundle cannot be checked without it)")
            return problems, summary
        manifest_bytes = zf.read(MANIFEST)
        summary.manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()
        try:
            manifest = json.loads(manifest_bytes.decode("utf-8"))
            if not isinstance(manifest, dict) or not isinstance(manifest.get("members"), list):
                raise ValueError("no members list")
        except (ValueError, UnicodeDecodeError) as exc:
            problem(MANIFEST, f"{MANIFEST}: not a valid manifest ({exc})")
            return problems, summary
        if manifest.get("format") != FORMAT:
            problem(MANIFEST, f"{MANIFEST}: format is {manifest.get('format')!r}, expected {FORMAT!r}")
        summary.case_no = manifest.get("case_no")
        summary.sealed = bool(manifest.get("sealed"))

        # 1. the manifest's members: present, same SHA-256 and size; nothing unlisted
        listed: dict[str, dict] = {}
        for entry in manifest["members"]:
            name = entry.get("name") if isinstance(entry, dict) else None
            if not isinstance(name, str):
                problem(MANIFEST, f"{MANIFEST}: a member entry has no name: {entry!r}")
                continue
            listed[name] = entry
        actual: dict[str, str] = {}  # name -> SHA-256 of its bytes
        for name, entry in listed.items():
            if name not in seen:
                problem(name, f"{name}: listed in {MANIFEST} but missing from the bundle")
                continue
            sha, size = _hash_member(zf, name)
            actual[name] = sha
            if sha != entry.get("sha256"):
                problem(name, f"{name}: SHA-256 mismatch (manifest {_short(entry.get('sha256'))}, "
                              f"content {_short(sha)})")
            elif size != entry.get("size"):
                problem(name, f"{name}: size mismatch (manifest {entry.get('size')}, content {size})")
        signature = manifest.get("signature") if isinstance(manifest.get("signature"), str) else None
        if signature:
            summary.signer = _check_signature(zf, seen, signature, manifest_bytes, problem)
        for name in sorted(seen - listed.keys() - {MANIFEST, signature}):
            problem(name, f"unexpected member {name} not in manifest")
            actual[name] = _hash_member(zf, name)[0]
        summary.members = len(listed)

        # 2. case.json
        case = {}
        if "case.json" in seen:
            try:
                case = json.loads(zf.read("case.json").decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                problem("case.json", f"case.json: not valid JSON ({exc})")
        else:
            problem("case.json", "case.json: missing")
        if case and summary.case_no and case.get("case_no") != summary.case_no:
            problem("case.json", f"case.json: case_no {case.get('case_no')!r} differs from the manifest's "
                                 f"{summary.case_no!r}")

        # 3. the record chain
        records = _check_records(zf, seen, case, manifest, problem)
        summary.records = len(records)
        summary.last_hash = records[-1].get("hash") if records else None

        # 4. evidence files: name, case.json and records all agree with the bytes
        files = {}  # sha256 from the name -> member
        for name in sorted(n for n in seen if n.startswith("files/")):
            base = name[len("files/"):]
            named = base.split("__", 1)[0]
            if not SHA256_RE.match(named):
                problem(name, f"{name}: the file name does not start with its SHA-256")
                continue
            files[named] = name
            if actual[name] != named:
                problem(name, f"{name}: SHA-256 mismatch (the bytes hash to {_short(actual[name])}, "
                              f"the name says {_short(named)})")
        summary.files = len(files)
        for item in case.get("evidence") or []:
            member, sha = item.get("member"), item.get("sha256")
            label = f"case.json: file #{item.get('id')} ({item.get('filename')})"
            if member not in seen:
                problem("case.json", f"{label}: its member {member} is not in the bundle")
            elif actual.get(member) != sha:
                problem(member, f"{member}: SHA-256 mismatch (case.json says {_short(sha)}, the bytes hash to "
                                f"{_short(actual.get(member))})")
            elif item.get("size") is not None and zf.getinfo(member).file_size != item["size"]:
                problem(member, f"{member}: size mismatch (case.json says {item['size']}, "
                                f"content {zf.getinfo(member).file_size})")
            mentioned = any(r["_payload"].get("evidence_id") == item.get("id") and r["_payload"].get("sha256") == sha
                            and r.get("action") in ("evidence_added", "evidence_superseded") for r in records)
            if records and not mentioned:
                problem("case.json", f"{label}: no record in records.jsonl adds this file with this SHA-256")
        document_shas = {d.get("sha256") for d in manifest.get("documents") or [] if isinstance(d, dict)}
        for rec in records:
            sha = rec["_payload"].get("sha256")
            in_bundle = sha in document_shas if rec.get("action") in ("document_issued", "document_voided") \
                else sha in files
            if isinstance(sha, str) and SHA256_RE.match(sha) and not in_bundle:
                problem("records.jsonl", f"records.jsonl: record #{rec.get('seq')} names file {_short(sha)} "
                                         f"({rec['_payload'].get('filename') or 'evidence'}) which is not in "
                                         f"the bundle", rec.get("seq"))

        # 5. definitions: the bytes hash to the SHA-256 recorded at deployment
        definitions = case.get("definitions") or []
        summary.definitions = len(definitions)
        for item in definitions:
            member = item.get("member")
            if member not in seen:
                problem("case.json", f"case.json: definition {item.get('key')} v{item.get('version')}: its member "
                                     f"{member} is not in the bundle")
            elif actual.get(member) != item.get("sha256"):
                problem(member, f"{member}: SHA-256 mismatch (deployed as {_short(item.get('sha256'))}, the bytes "
                                f"hash to {_short(actual.get(member))})")

        # 5b. the official documents (signed PDFs): listed with their SHA-256, which the members must have
        documents = manifest.get("documents") or []
        summary.documents = len(documents)
        for item in documents:
            member = item.get("name") if isinstance(item, dict) else None
            if member not in seen or actual.get(member) != item.get("sha256"):
                problem(str(member), f"{member}: document {item.get('number')} missing or altered")

        # 6. a sealed bundle ends with the record that seals it, naming its files and definitions
        if summary.sealed and records:
            _check_seal(records[-1], files, definitions, problem)
            shipped_documents = {d.get("sha256") for d in documents if isinstance(d, dict)}
            for sha in records[-1]["_payload"].get("documents") or []:
                if sha not in shipped_documents:
                    problem("records.jsonl", f"records.jsonl: the sealing record lists document {_short(sha)}, "
                                             f"which is not in the bundle", records[-1].get("seq"))
        elif summary.sealed:
            problem("records.jsonl", "records.jsonl: a sealed bundle without records")
    return problems, summary


def _check_records(zf, seen, case: dict, manifest: dict, problem) -> list[dict]:
    if "records.jsonl" not in seen:
        problem("records.jsonl", "records.jsonl: missing")
        return []
    records = []
    for line_no, line in enumerate(zf.read("records.jsonl").decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            problem("records.jsonl", f"records.jsonl: line {line_no} is not a valid record ({exc})")
            continue
        try:
            payload = json.loads(rec.get("payload") or "{}")
        except (TypeError, ValueError):
            payload = {}
        rec["_payload"] = payload if isinstance(payload, dict) else {}
        records.append(rec)

    prev, expected = GENESIS_HASH, 1
    case_id = case.get("id")
    for rec in records:
        seq = rec.get("seq")
        if not isinstance(seq, int):
            problem("records.jsonl", f"records.jsonl: a record has no valid seq ({seq!r})")
            continue
        gap = seq != expected
        if seq > expected:
            missing = f"record #{expected}" if seq == expected + 1 else f"records #{expected}–#{seq - 1}"
            problem("records.jsonl", f"records.jsonl: {missing} missing (sequence jumps from {expected - 1} "
                                     f"to {seq})", expected)
        elif seq < expected:
            problem("records.jsonl", f"records.jsonl: record #{seq} out of order or repeated (after "
                                     f"#{expected - 1})", seq)
        if case_id is not None and rec.get("case_id") != case_id:
            problem("records.jsonl", f"records.jsonl: record #{seq} belongs to case id {rec.get('case_id')}, not "
                                     f"this case ({case_id})", seq)
        try:
            computed = record_hash(rec)
        except (KeyError, TypeError, ValueError) as exc:
            problem("records.jsonl", f"records.jsonl: record #{seq} cannot be hashed ({exc})", seq)
            computed = None
        if computed is not None and computed != rec.get("hash"):
            problem("records.jsonl", f"records.jsonl: record #{seq} does not match its hash", seq)
        elif not gap and rec.get("prev_hash") != prev:
            problem("records.jsonl", f"records.jsonl: record #{seq} does not link to the record before it "
                                     f"(a record before it was removed, inserted or changed)", seq)
        prev, expected = rec.get("hash"), max(expected, seq + 1)

    head = manifest.get("chain_head") or {}
    count, last = len(records), records[-1].get("hash") if records else GENESIS_HASH
    last_seq = records[-1].get("seq") if records else 0
    if head.get("records_count") != last_seq or head.get("last_hash") != last:
        problem("records.jsonl", f"records.jsonl: chain head mismatch: the manifest expects "
                                 f"{head.get('records_count')} records ending in {_short(head.get('last_hash'))}, "
                                 f"the bundle has {count} ending in #{last_seq} {_short(last)} "
                                 f"(records removed from or added at the end?)")
    if case and (case.get("records_count"), case.get("records_head")) != (head.get("records_count"),
                                                                         head.get("last_hash")):
        problem("case.json", f"case.json: its chain head ({case.get('records_count')} records, "
                             f"{_short(case.get('records_head'))}) differs from the manifest's")
    return records


def _check_signature(zf, seen, name: str, manifest_bytes: bytes, problem) -> str | None:
    """The manifest's signature by the bureau's key: its file must be there and bind these exact bytes
    (their SHA-256); returns the signer's certificate fingerprint, to compare with the bureau's published
    certificate. The ECDSA/RSA signature itself needs a cryptography library: ``flask archive verify``
    checks it too (app.archive.signed.check_signature); this file stays standard-library only."""
    import base64
    if name not in seen:
        problem(name, f"{name}: the manifest says it is signed, but the signature is missing")
        return None
    try:
        sig = json.loads(zf.read(name).decode("utf-8"))
        base64.b64decode(sig["signature"], validate=True)
        certificate = base64.b64decode(sig["certificate"], validate=True)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        problem(name, f"{name}: not a valid signature file ({exc})")
        return None
    if sig.get("manifest_sha256") != hashlib.sha256(manifest_bytes).hexdigest():
        problem(name, f"{name}: signs another manifest (SHA-256 {_short(sig.get('manifest_sha256'))})")
    return hashlib.sha256(certificate).hexdigest()


def _check_seal(last: dict, files: dict, definitions: list, problem) -> None:
    seq, payload = last.get("seq"), last["_payload"]
    if last.get("action") != "case_archived":
        problem("records.jsonl", f"records.jsonl: the bundle is marked sealed but its last record #{seq} is "
                                 f"{last.get('action')!r}, not the case_archived record", seq)
        return
    if payload.get("records_sealed") != seq:
        problem("records.jsonl", f"records.jsonl: record #{seq} seals {payload.get('records_sealed')} records, "
                                 f"but it is record #{seq}", seq)
    for sha in payload.get("files") or []:
        if sha not in files:
            problem("records.jsonl", f"records.jsonl: sealing record #{seq} lists file {_short(sha)}, which is "
                                     f"not in the bundle", seq)
    shipped = {d.get("sha256") for d in definitions}
    for sha in payload.get("definitions") or []:
        if sha not in shipped:
            problem("records.jsonl", f"records.jsonl: sealing record #{seq} lists definition {_short(sha)}, which "
                                     f"is not in the bundle", seq)


def report(path, expect_manifest: str | None = None) -> tuple[list[str], bool]:
    """The lines to print for ``path`` and whether the bundle is intact (shared by both command lines)."""
    problems, summary = check_bundle(path)
    if expect_manifest and summary.manifest_sha256 and summary.manifest_sha256 != expect_manifest.lower():
        problems.append(Problem(MANIFEST, f"{MANIFEST}: SHA-256 {summary.manifest_sha256} is not the expected "
                                          f"{expect_manifest} (the bundle is not the one that was sealed)"))
    if problems:
        lines = [f"FAILED {path}: {len(problems)} problem(s)"] + [f"  {p}" for p in problems]
        return lines, False
    lines = [f"OK {summary.case_no}: {summary.records} records, {summary.files} files, "
             f"{summary.definitions} definitions, {summary.members} members"
             f"{' (sealed)' if summary.sealed else ''}",
             f"chain head #{summary.records} {summary.last_hash}",
             f"{summary.documents} official document(s); manifest signed by certificate SHA-256 {summary.signer}"
             if summary.signer else f"{summary.documents} official document(s); manifest not signed",
             f"manifest.json SHA-256 {summary.manifest_sha256}"]
    return lines, True


def main(argv: list[str] | None = None) -> int:
    import argparse
    parser = argparse.ArgumentParser(prog="verify", description="Check a sealed case file bundle (ZIP) offline.")
    parser.add_argument("bundle")
    parser.add_argument("--expect-manifest", metavar="SHA256",
                        help="the manifest SHA-256 kept on the case (archive_sha256)")
    args = parser.parse_args(argv)
    lines, ok = report(args.bundle, args.expect_manifest)
    for line in lines:
        print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
