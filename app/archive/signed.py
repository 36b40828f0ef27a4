"""What the sealed case file adds for issue 13: the case's official documents (执法文书, signed PDFs, voided
ones too) as members ``documents/…``, and the manifest signed with the bureau's key (``manifest.sig``, next to
manifest.json: the manifest cannot hold its own signature). The offline checker (verify.py) checks the
signature when the ``cryptography`` package is at hand and prints the signer's certificate fingerprint, to be
compared with the bureau's published certificate (``GET /api/signing/certificate``)."""
from __future__ import annotations

import base64
import hashlib
import json
import zipfile

from app.documents.service import archive_members
from app.documents.signing import load_key

SIGNATURE = "manifest.sig"


class DocumentMissing(Exception):
    pass


def add_documents(zf: zipfile.ZipFile, case) -> tuple[list[dict], list[dict]]:
    """Copy the case's documents into the bundle, checking that each stored file still has its SHA-256.
    Returns (manifest members, the documents' register entries for the manifest)."""
    members, register = [], []
    for doc in archive_members(case):
        path = doc["path"]
        if not path.is_file():
            raise DocumentMissing(f"document {doc['number']}: missing from the store ({path})")
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        if sha != doc["sha256"]:
            raise DocumentMissing(f"document {doc['number']}: the stored PDF no longer hashes to {doc['sha256']}")
        zf.writestr(doc["name"], data, compress_type=zipfile.ZIP_STORED)
        members.append({"name": doc["name"], "sha256": sha, "size": len(data)})
        register.append({"name": doc["name"], "number": doc["number"], "title": doc["title"],
                         "status": doc["status"], "sha256": sha, "void_reason": doc["void_reason"]})
    return members, register


def signature_for(manifest_bytes: bytes) -> bytes:
    """manifest.sig: the bureau's signature over manifest.json's exact bytes, with its certificate."""
    from cryptography.hazmat.primitives.asymmetric import ec
    key = load_key()
    algorithm = "ECDSA-SHA256" if isinstance(key.private_key, ec.EllipticCurvePrivateKey) else "RSA-PKCS1v15-SHA256"
    return json.dumps({
        "algorithm": algorithm, "signed": "manifest.json", "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
        "signature": base64.b64encode(key.sign(manifest_bytes)).decode("ascii"),
        "certificate": base64.b64encode(key.certificate_der()).decode("ascii"),
        "certificate_sha256": key.fingerprint}, ensure_ascii=False, indent=1).encode("utf-8")


def checkpoint_after_archive(case_no: str) -> None:
    """A signed checkpoint at every archive (issue 13), once the sealing transaction committed: a checkpoint
    anchors only committed records. Should it fail (no key), the hourly job anchors the case later; the
    archive itself stands."""
    from flask import current_app

    from app.anchoring.service import take_checkpoint
    try:
        take_checkpoint(f"archive {case_no}")
    except Exception:  # noqa: BLE001 — the case is sealed; the checkpoint is retried by the scheduler
        current_app.logger.exception("checkpoint after archiving %s failed", case_no)


def check_signature(bundle) -> str | None:
    """The manifest's signature checked cryptographically against the certificate it carries, and that
    certificate against the bureau's trust roots when the key is configured. None when good (or unsigned:
    verify.py reports that), else what is wrong."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        if SIGNATURE not in names or "manifest.json" not in names:
            return None
        manifest_bytes, sig = zf.read("manifest.json"), json.loads(zf.read(SIGNATURE).decode("utf-8"))
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(sig["certificate"]))
        signature, key = base64.b64decode(sig["signature"]), certificate.public_key()
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, manifest_bytes, ec.ECDSA(hashes.SHA256()))
        else:
            key.verify(signature, manifest_bytes, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return f"{SIGNATURE}: the signature does not verify over manifest.json (altered after signing, or forged)"
    return None
