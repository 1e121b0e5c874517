import hashlib
import os

from Crypto.Hash import SHA256
from django.contrib.auth.hashers import make_password


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


def salted_sha256(user, password):
    salt = os.urandom(16)
    # A salt does not slow a fast hash down.
    # ruleid: python-weak-hash-for-password
    user.password_hash = hashlib.sha256(salt + password.encode()).hexdigest()
    user.salt = salt


def sha512_update(new_password):
    h = hashlib.sha512()
    # ruleid: python-weak-hash-for-password
    h.update(new_password.encode())
    return h.hexdigest()


def pycryptodome_digest(password):
    # ruleid: python-weak-hash-for-password
    return SHA256.new(password.encode()).hexdigest()


def django_weak_hasher(raw_password):
    # ruleid: python-weak-hash-for-password
    return make_password(raw_password, hasher="unsalted_md5")


# ruleid: python-weak-hash-for-password
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def store_password_safe(user, password):
    salt = os.urandom(16)
    # ok: python-weak-hash-for-password
    user.password_hash = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)
    user.salt = salt


def scrypt_safe(password, salt):
    # ok: python-weak-hash-for-password
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)


def django_default(raw_password):
    # ok: python-weak-hash-for-password
    return make_password(raw_password)


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
    # A reset token is random and long: a fast hash of it is fine.
    # ok: python-weak-hash-for-password
    return hashlib.sha256(password_reset_token.encode()).hexdigest()


def api_key_digest(api_key):
    # ok: python-weak-hash-for-password
    return hashlib.sha256(api_key.encode()).hexdigest()


def short_name(pw):
    # ruleid: python-weak-hash-for-password
    return hashlib.sha256(pw.encode()).hexdigest()


def marked_not_for_security(user_pw):
    # usedforsecurity=False does not make a fast hash fit for passwords.
    # ruleid: python-weak-hash-for-password
    return hashlib.md5(user_pw.encode(), usedforsecurity=False).hexdigest()
