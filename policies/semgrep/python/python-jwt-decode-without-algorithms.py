import jwt
from jose import jwt as jose_jwt


def user_id(token, public_key):
    # ruleid: python-jwt-decode-without-algorithms
    return jwt.decode(token, public_key)["sub"]


def user_id_keyword(token, public_key):
    # ruleid: python-jwt-decode-without-algorithms
    return jwt.decode(token, key=public_key, audience="api")["sub"]


def complete(token, key):
    # ruleid: python-jwt-decode-without-algorithms
    return jwt.decode_complete(token, key, options={"require": ["exp"]})


def jose_claims(token, jwks):
    # ruleid: python-jwt-decode-without-algorithms
    return jose_jwt.decode(token, jwks, audience="api")


def user_id_safe(token, public_key):
    # ok: python-jwt-decode-without-algorithms
    return jwt.decode(token, public_key, algorithms=["RS256"])["sub"]


def user_id_positional(token, public_key):
    # ok: python-jwt-decode-without-algorithms
    return jwt.decode(token, public_key, ["RS256"])["sub"]


def configured(token, key, settings):
    # ok: python-jwt-decode-without-algorithms
    return jwt.decode(token, key, **settings)


def jose_claims_safe(token, jwks):
    # ok: python-jwt-decode-without-algorithms
    return jose_jwt.decode(token, jwks, algorithms=["RS256"], audience="api")


def unverified(token):
    # ok: python-jwt-decode-without-algorithms
    return jwt.decode(token, "", options={"verify_signature": False})


def no_key(token):
    # ok: python-jwt-decode-without-algorithms
    return jwt.decode(token, algorithms=["HS256"])


def authlib_instance(token, key):
    from authlib.jose import JsonWebToken

    jwt = JsonWebToken(["RS256"])
    # ok: python-jwt-decode-without-algorithms
    return jwt.decode(token, key)
