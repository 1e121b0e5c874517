import jwt
from jose import jws
from jose import jwt as jose_jwt

ALLOWED = ["RS256", "ES256"]


def verify(token, keys):
    header = jwt.get_unverified_header(token)
    key = keys[header["kid"]]
    # ruleid: python-jwt-algorithm-from-token
    return jwt.decode(token, key, algorithms=[header["alg"]])


def verify_through_variable(token, keys):
    header = jwt.get_unverified_header(token)
    alg = header.get("alg", "RS256")
    # ruleid: python-jwt-algorithm-from-token
    return jwt.decode(token, keys[header["kid"]], [alg], audience="api")


def verify_inline(token, key):
    # ruleid: python-jwt-algorithm-from-token
    return jwt.decode(token, key, algorithms=jwt.get_unverified_header(token)["alg"])


def jose_verify(token, jwks):
    header = jose_jwt.get_unverified_header(token)
    # ruleid: python-jwt-algorithm-from-token
    return jose_jwt.decode(token, jwks, algorithms=header["alg"])


def jose_jws_verify(token, key):
    alg = jws.get_unverified_header(token)["alg"]
    # ruleid: python-jwt-algorithm-from-token
    return jws.verify(token, key, [alg])


def verify_safe(token, keys):
    header = jwt.get_unverified_header(token)
    key = keys[header["kid"]]
    # ok: python-jwt-algorithm-from-token
    return jwt.decode(token, key, algorithms=ALLOWED)


def verify_with_jwk(token, jwks_client):
    signing_key = jwks_client.get_signing_key_from_jwt(token)
    # ok: python-jwt-algorithm-from-token
    return jwt.decode(token, signing_key.key, algorithms=[signing_key.algorithm_name])


def jose_verify_safe(token, jwks):
    header = jose_jwt.get_unverified_header(token)
    key = jwks[header["kid"]]
    # ok: python-jwt-algorithm-from-token
    return jose_jwt.decode(token, key, algorithms=["RS256"])
