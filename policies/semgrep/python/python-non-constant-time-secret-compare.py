import hashlib
import hmac

import sqlalchemy as sa

from flask import abort, request


def verify_webhook(secret: bytes, body: bytes) -> None:
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    # ruleid: python-non-constant-time-secret-compare
    if request.headers.get("X-Hub-Signature-256", "") != "sha256=" + expected:
        abort(401)


def verify_signature(key: bytes, message: bytes, signature: str) -> bool:
    # ruleid: python-non-constant-time-secret-compare
    return hmac.new(key, message, hashlib.sha256).hexdigest() == signature


def check_api_key(user, presented_key):
    # ruleid: python-non-constant-time-secret-compare
    return presented_key == user.api_key


def check_csrf(session, form):
    # ruleid: python-non-constant-time-secret-compare
    if form["csrf"] != session["csrf_token"]:
        abort(403)


def check_reset(user, token):
    # ruleid: python-non-constant-time-secret-compare
    return user.reset_token == token


def verify_signature_safe(key: bytes, message: bytes, signature: str) -> bool:
    expected = hmac.new(key, message, hashlib.sha256).hexdigest()
    # ok: python-non-constant-time-secret-compare
    return hmac.compare_digest(expected, signature)


def has_token(token):
    # ok: python-non-constant-time-secret-compare
    return token != ""


def missing_signature(signature):
    # ok: python-non-constant-time-secret-compare
    return signature == None  # noqa: E711


def token_kind(token_type, expected_type):
    # ok: python-non-constant-time-secret-compare
    return token_type == expected_type


def same_device(mac_address, known_address):
    # ok: python-non-constant-time-secret-compare
    return mac_address == known_address


def shape(signature, expected):
    # ok: python-non-constant-time-secret-compare
    return len(signature) == len(expected)


def find_by_token(db, User, token):
    # ok: python-non-constant-time-secret-compare
    return db.session.scalar(sa.select(User).where(User.token == token))


def test_issue_token(client):
    token = client.post("/token").json["token"]
    # ok: python-non-constant-time-secret-compare
    assert client.get("/me", headers={"Authorization": token}).json["token"] == token
