import hashlib

from Crypto.Hash import MD5
from cryptography.hazmat.primitives import hashes


def sign_payload(secret: bytes, payload: bytes) -> str:
    # ruleid: python-weak-hash-algorithm
    return hashlib.md5(secret + payload).hexdigest()


def fingerprint(cert_der: bytes) -> str:
    # ruleid: python-weak-hash-algorithm
    return hashlib.sha1(cert_der).hexdigest()


def integrity(data: bytes) -> bytes:
    # ruleid: python-weak-hash-algorithm
    h = hashlib.new("md5")
    h.update(data)
    return h.digest()


def legacy_digest(data: bytes) -> str:
    # ruleid: python-weak-hash-algorithm
    return MD5.new(data).hexdigest()


def cryptography_digest(data: bytes) -> bytes:
    # ruleid: python-weak-hash-algorithm
    digest = hashes.Hash(hashes.SHA1())
    digest.update(data)
    return digest.finalize()


def integrity_safe(data: bytes) -> bytes:
    # ok: python-weak-hash-algorithm
    h = hashlib.new("sha384")
    h.update(data)
    return h.digest()


def etag(content: bytes) -> str:
    # ok: python-weak-hash-algorithm
    return hashlib.md5(content, usedforsecurity=False).hexdigest()


def cache_key(url: str) -> str:
    # ok: python-weak-hash-algorithm
    return hashlib.new("sha1", url.encode(), usedforsecurity=False).hexdigest()


def modern(data: bytes) -> str:
    # ok: python-weak-hash-algorithm
    return hashlib.sha256(data).hexdigest()
