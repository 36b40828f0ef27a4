"""The bureau's signing key: the one place that loads it, for PAdES signatures on documents and for the
signed checkpoints of app.anchoring.

Where the key comes from (docs/documents.md):
- production: a PKCS#12 file (``SIGNING_PKCS12_FILE``) with its password in a file
  (``SIGNING_PKCS12_PASSWORD_FILE``) or the environment (``SIGNING_PKCS12_PASSWORD``); the trust roots that
  verification accepts come from ``SIGNING_TRUST_ROOTS`` (a PEM bundle), else from the PKCS#12's own chain;
- development and demo: ``flask signing init`` (run by ``flask demo load``) creates a demo CA and a bureau
  certificate under ``SIGNING_DIR`` (default ``instance/signing/``) the first time.

Nothing creates a key silently: without one, issuing and checkpoints fail with a message saying what to do.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import current_app

from app.core.errors import ServiceError

BUREAU = "鞍山市行政审批局"
DEMO_FILES = ("ca.pem", "ca.key", "bureau.pem", "bureau.key")


class SigningKeyMissing(ServiceError):
    """No signing key is configured or present: nothing can be signed (a 503, not a client error)."""
    status = 503
    code = "signing_key_missing"


@dataclass(frozen=True)
class BureauKey:
    private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # the certificates above the bureau's, up to the root
    trust_roots: tuple[x509.Certificate, ...]
    source: str

    def sign(self, data: bytes) -> bytes:
        """ECDSA (or RSA PKCS#1 v1.5) with SHA-256 over ``data``, DER-encoded."""
        if isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            return self.private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        return self.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def certificate_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.certificate_der()).hexdigest()


# ---------------------------------------------------------------------------------------- configuration

def signing_dir() -> Path:
    return Path(current_app.config["SIGNING_DIR"])


def _setting(name: str) -> str | None:
    return current_app.config.get(name) or None


def _pkcs12_password() -> bytes | None:
    path = _setting("SIGNING_PKCS12_PASSWORD_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip().encode("utf-8")
    value = _setting("SIGNING_PKCS12_PASSWORD")
    return value.encode("utf-8") if value else None


def _source() -> tuple[str, tuple]:
    """What the key would be loaded from, and a stamp that changes when the files change."""
    p12 = _setting("SIGNING_PKCS12_FILE")
    files = [Path(p12)] if p12 else [signing_dir() / name for name in ("bureau.pem", "bureau.key", "ca.pem")]
    roots = _setting("SIGNING_TRUST_ROOTS")
    if roots:
        files.append(Path(roots))
    return (f"pkcs12:{p12}" if p12 else f"dir:{signing_dir()}"), tuple(
        (str(f), f.stat().st_mtime_ns if f.exists() else None) for f in files)


_cache: dict[tuple, BureauKey] = {}
_lock = threading.Lock()


def load_key() -> BureauKey:
    """The bureau's key and certificate, loaded once per process (again when the files change)."""
    source, stamp = _source()
    cache_key = (source, stamp)
    with _lock:
        if cache_key not in _cache:
            _cache.clear()
            _cache[cache_key] = _load_pkcs12() if source.startswith("pkcs12:") else _load_demo_dir()
        return _cache[cache_key]


def _load_pkcs12() -> BureauKey:
    path = Path(_setting("SIGNING_PKCS12_FILE"))
    if not path.exists():
        raise SigningKeyMissing(f"SIGNING_PKCS12_FILE does not exist: {path}")
    key, cert, extra = pkcs12.load_key_and_certificates(path.read_bytes(), _pkcs12_password())
    if key is None or cert is None:
        raise SigningKeyMissing(f"{path} holds no private key and certificate")
    chain = tuple(extra or ())
    roots = _read_roots() or tuple(c for c in chain if c.issuer == c.subject)
    if not roots:
        raise SigningKeyMissing("no trust root: set SIGNING_TRUST_ROOTS to the CA certificate(s) (PEM)")
    return BureauKey(key, cert, chain, roots, f"PKCS#12 {path}")


def _load_demo_dir() -> BureauKey:
    directory = signing_dir()
    if not (directory / "bureau.key").exists():
        raise SigningKeyMissing(f"no signing key in {directory}: run `flask signing init` (demo) or set "
                                "SIGNING_PKCS12_FILE (production), see docs/documents.md")
    key = serialization.load_pem_private_key((directory / "bureau.key").read_bytes(), password=None)
    cert = x509.load_pem_x509_certificate((directory / "bureau.pem").read_bytes())
    ca = x509.load_pem_x509_certificate((directory / "ca.pem").read_bytes())
    return BureauKey(key, cert, (ca,), _read_roots() or (ca,), f"demo {directory}")


def _read_roots() -> tuple[x509.Certificate, ...]:
    path = _setting("SIGNING_TRUST_ROOTS")
    return tuple(x509.load_pem_x509_certificates(Path(path).read_bytes())) if path else ()


# ---------------------------------------------------------------------------------------- the demo CA

def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "辽宁省"),
                      x509.NameAttribute(NameOID.LOCALITY_NAME, "鞍山市"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, BUREAU),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: x509.Name, public_key, issuer: x509.Name, issuer_key, *, ca: bool, days: int,
                 issuer_public_key=None) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    usage = dict(digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                 data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                 encipher_only=False, decipher_only=False)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number()).not_valid_before(now)
               .not_valid_after(now + dt.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
               .add_extension(x509.KeyUsage(**usage), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   issuer_public_key or public_key), critical=False))
    return builder.sign(issuer_key, hashes.SHA256())


def init_demo_signing(directory: Path | None = None) -> list[Path]:
    """Create a demo CA and the bureau's signing certificate (EC P-256) in ``directory`` unless they exist.
    Returns the files created (none when everything was there already). Never for production."""
    directory = Path(directory or signing_dir())
    if all((directory / name).exists() for name in DEMO_FILES):
        return []
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{BUREAU} 演示根证书 DEMO CA")  # CN ≤ 64 characters
    ca_cert = _certificate(ca_name, ca_key.public_key(), ca_name, ca_key, ca=True, days=3650)
    cert = _certificate(_name(BUREAU), key.public_key(), ca_name, ca_key, ca=False, days=3 * 365,
                        issuer_public_key=ca_key.public_key())
    created = []
    for name, data, mode in (
            ("ca.key", _pem_key(ca_key), 0o600), ("ca.pem", ca_cert.public_bytes(serialization.Encoding.PEM), 0o644),
            ("bureau.key", _pem_key(key), 0o600), ("bureau.pem", cert.public_bytes(serialization.Encoding.PEM), 0o644)):
        path = directory / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        created.append(path)
    return created


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


# ---------------------------------------------------------------------------------------- raw signatures

def verify_bytes(certificate: x509.Certificate, data: bytes, signature: bytes) -> bool:
    public_key = certificate.public_key()
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        return True
    except (InvalidSignature, ValueError):
        return False


def chains_to_trusted_root(certificate: x509.Certificate, key: BureauKey | None = None) -> bool:
    """Is ``certificate`` one of ours: the bureau's own, or issued (directly or through the configured chain)
    by a trust root? Enough for checkpoints, whose signer is always the bureau's certificate of the time."""
    key = key or load_key()
    if certificate == key.certificate:
        return True
    issuers = {c.subject: c for c in (*key.chain, *key.trust_roots)}
    current = certificate
    for _ in range(len(issuers) + 1):
        if current in key.trust_roots:
            return True
        issuer = issuers.get(current.issuer)
        if issuer is None:
            return False
        try:
            current.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            return False
        current = issuer
    return False


# ---------------------------------------------------------------------------------------- PAdES

_signers: dict[str, object] = {}


def _asn1_cert(cert: x509.Certificate):
    from asn1crypto import x509 as asn1_x509
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def pdf_signer(key: BureauKey | None = None):
    """A pyHanko signer for the bureau key, built once per key."""
    from asn1crypto import keys as asn1_keys
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    key = key or load_key()
    if key.fingerprint not in _signers:
        der = key.private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption())
        _signers.clear()
        _signers[key.fingerprint] = signers.SimpleSigner(
            signing_cert=_asn1_cert(key.certificate), signing_key=asn1_keys.PrivateKeyInfo.load(der),
            cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in key.chain]))
    return _signers[key.fingerprint]


def outside_event_loop(fn, *args, **kwargs):
    """Call one of pyHanko's synchronous entry points, which run ``asyncio.run`` inside: in a worker thread
    when this thread already runs an event loop (an async server, or a test driving a browser), where
    ``asyncio.run`` would refuse."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def sign_pdf(pdf: bytes, *, reason: str, location: str = "鞍山市", field_name: str = "BureauSeal") -> bytes:
    """PAdES baseline signature (ETSI.CAdES.detached) over the whole file, in an invisible field: the seal
    is drawn in the page itself (pyHanko's stamp font has no Chinese glyphs)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(field_name=field_name, subfilter=fields.SigSeedSubFilter.PADES,
                                        reason=reason, location=location, md_algorithm="sha256")
    out = BytesIO()
    key = load_key()
    signer = pdf_signer(key)
    # pyHanko sizes the signature's placeholder by signing a dummy first (a third of the signing time): do
    # that once per key and reuse the size it chose (the key, chain and attributes do not change).
    reserved = _reserved.get(key.fingerprint)
    outside_event_loop(signers.PdfSigner(meta, signer=signer).sign_pdf, writer, output=out, bytes_reserved=reserved)
    signed = out.getvalue()
    if reserved is None:
        found = _CONTENTS.findall(signed[-200_000:])
        if found:
            _reserved.clear()
            _reserved[key.fingerprint] = len(found[-1])  # in pyHanko's unit: hex digits
    return signed


_CONTENTS = re.compile(rb"/Contents <([0-9a-fA-F]+)>")
_reserved: dict[str, int] = {}  # key fingerprint -> bytes reserved for its signature


@dataclass
class PdfSignatureCheck:
    ok: bool
    reason: str
    signer: str | None = None
    signed_at: dt.datetime | None = None


def check_pdf_signature(pdf: bytes) -> PdfSignatureCheck:
    """Exactly one PAdES signature, intact, valid, trusted against our roots and covering the entire file."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext
    try:
        signatures = PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures
    except Exception as exc:  # noqa: BLE001 — any parse failure means: not a document of ours
        return PdfSignatureCheck(False, f"not a readable PDF: {exc}")
    if len(signatures) != 1:
        return PdfSignatureCheck(False, f"expected one signature, found {len(signatures)}")
    context = ValidationContext(trust_roots=[_asn1_cert(c) for c in load_key().trust_roots], allow_fetching=False)
    try:
        status = outside_event_loop(validate_pdf_signature, signatures[0], context)
    except Exception as exc:  # noqa: BLE001 — a malformed signature is a failed check, with its reason
        return PdfSignatureCheck(False, f"signature could not be validated: {exc}")
    signer = status.signing_cert.subject.human_friendly if status.signing_cert else None
    problems = [text for failed, text in (
        (not status.intact, "the signed bytes were changed (digest mismatch)"),
        (not status.valid, "the signature value is invalid"),
        (not status.trusted, "the signer's certificate does not chain to the bureau's trust root"),
        (status.coverage != SignatureCoverageLevel.ENTIRE_FILE, "the signature does not cover the whole file"),
    ) if failed]
    if problems:
        return PdfSignatureCheck(False, "; ".join(problems), signer, status.signer_reported_dt)
    return PdfSignatureCheck(True, "signature valid, trusted, covers the whole file", signer,
                             status.signer_reported_dt)
