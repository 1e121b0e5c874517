import jwt
from authlib.jose import JsonWebToken
from authlib.jose import jwt as authlib_jwt
from jose import jws
from jose import jwt as jose_jwt


def issue(claims):
    # ruleid: python-jwt-none-algorithm
    return jwt.encode(claims, None, algorithm="none")


def issue_positional(claims):
    # ruleid: python-jwt-none-algorithm
    return jwt.encode(claims, "", "none")


def issue_without_algorithm(claims):
    # ruleid: python-jwt-none-algorithm
    return jwt.encode(claims, None, algorithm=None)


def issue_with_header(claims, key):
    # ruleid: python-jwt-none-algorithm
    return jwt.encode(claims, key, algorithm="HS256", headers={"alg": "none"})


def verify(token, key):
    # ruleid: python-jwt-none-algorithm
    return jwt.decode(token, key, algorithms=["HS256", "none"])


def verify_any(token, key):
    # ruleid: python-jwt-none-algorithm
    return jwt.decode(token, key, algorithms="None")


def verify_positional(token, key):
    # ruleid: python-jwt-none-algorithm
    return jwt.decode(token, key, ["NONE"])


def jose_issue(claims):
    # ruleid: python-jwt-none-algorithm
    return jose_jwt.encode(claims, "", algorithm="none")


def jose_verify(token, key):
    # ruleid: python-jwt-none-algorithm
    return jose_jwt.decode(token, key, algorithms=["none", "HS256"])


def jose_jws_sign(payload):
    # ruleid: python-jwt-none-algorithm
    return jws.sign(payload, "", algorithm="none")


def authlib_issue(payload):
    # ruleid: python-jwt-none-algorithm
    return authlib_jwt.encode({"alg": "none"}, payload, None)


# ruleid: python-jwt-none-algorithm
LAX = JsonWebToken(["RS256", "none"])


def issue_safe(claims, private_key):
    # ok: python-jwt-none-algorithm
    return jwt.encode(claims, private_key, algorithm="RS256")


def issue_default(claims, key):
    # ok: python-jwt-none-algorithm
    return jwt.encode(claims, key)


def issue_with_kid(claims, key):
    # ok: python-jwt-none-algorithm
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "2024-01"})


def verify_safe(token, key):
    # ok: python-jwt-none-algorithm
    return jwt.decode(token, key, algorithms=["HS256"])


def authlib_issue_safe(payload, key):
    # ok: python-jwt-none-algorithm
    return authlib_jwt.encode({"alg": "RS256"}, payload, key)


# ok: python-jwt-none-algorithm
STRICT = JsonWebToken(["RS256"])


def verify_every_algorithm(token, key):
    # ruleid: python-jwt-none-algorithm
    return jwt.decode(token, key, algorithms=list(jwt.algorithms.get_default_algorithms()))
