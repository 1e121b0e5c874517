import jwt
from jose import jwt as jose_jwt


def current_user(token):
    # ruleid: python-jwt-decode-without-verification
    claims = jwt.decode(token, options={"verify_signature": False})
    return claims["sub"]


def legacy_claims(token, key):
    # ruleid: python-jwt-decode-without-verification
    return jwt.decode(token, key, verify=False)


def peek(token, key):
    opts = {"verify_signature": False, "verify_exp": False}
    # ruleid: python-jwt-decode-without-verification
    return jose_jwt.decode(token, key, options=opts)


def current_user_safe(token, public_key):
    # ok: python-jwt-decode-without-verification
    claims = jwt.decode(token, public_key, algorithms=["RS256"], audience="api")
    return claims["sub"]


def claims_with_required(token, key):
    # ok: python-jwt-decode-without-verification
    return jwt.decode(token, key, algorithms=["HS256"], options={"require": ["exp", "iat"]})


def key_id(token):
    # ok: python-jwt-decode-without-verification
    return jwt.get_unverified_header(token)["kid"]
