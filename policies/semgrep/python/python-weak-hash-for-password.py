import hashlib
import os


def store_password(user, password):
    # ruleid: python-weak-hash-for-password
    user.password_hash = hashlib.md5(password.encode("utf-8")).hexdigest()


def check_password(user, candidate_pwd):
    salted = user.salt + candidate_pwd
    # ruleid: python-weak-hash-for-password
    return hashlib.sha1(salted.encode() + candidate_pwd.encode()).hexdigest() == user.hash


def legacy_digest(passwd):
    # ruleid: python-weak-hash-for-password
    return hashlib.new("md5", passwd.encode()).hexdigest()


def api_secret_fingerprint(client_secret):
    h = hashlib.sha1()
    # ruleid: python-weak-hash-for-password
    h.update(client_secret.encode())
    return h.hexdigest()


def store_password_safe(user, password):
    salt = os.urandom(16)
    # ok: python-weak-hash-for-password
    user.password_hash = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)
    user.salt = salt


def etag(content: bytes) -> str:
    # ok: python-weak-hash-for-password
    return hashlib.md5(content, usedforsecurity=False).hexdigest()


def file_checksum(path):
    h = hashlib.sha1()
    with open(path, "rb") as fh:
        # ok: python-weak-hash-for-password
        h.update(fh.read())
    return h.hexdigest()


def token_digest(password_reset_token):
    # ok: python-weak-hash-for-password
    return hashlib.sha256(password_reset_token.encode()).hexdigest()
