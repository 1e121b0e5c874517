import jwt
from authlib.jose import JsonWebToken
from authlib.jose import jwt as authlib_jwt
from joserfc import jwt as rfc_jwt
from jose import jwt as jose_jwt
from jwcrypto import jwt as jwc

ISSUER = JsonWebToken(["RS256"])


def current_user(token, key):
    # ruleid: python-jwt-claims-not-validated
    claims = authlib_jwt.decode(token, key)
    return claims["sub"]


def current_user_with_options(token, key):
    # ruleid: python-jwt-claims-not-validated
    claims = ISSUER.decode(token, key, claims_options={"iss": {"essential": True, "value": "me"}})
    if claims.get("admin"):
        return "admin"
    return claims["sub"]


def joserfc_user(token, key):
    # ruleid: python-jwt-claims-not-validated
    decoded = rfc_jwt.decode(token, key)
    return decoded.claims["sub"]


def jwcrypto_lax(token, key):
    # ruleid: python-jwt-claims-not-validated
    return jwc.JWT(jwt=token, key=key, check_claims=False)


def expired_welcome(token, key):
    # ruleid: python-jwt-claims-not-validated
    return jwt.decode(token, key, algorithms=["HS256"], options={"verify_exp": False})


def jose_expired_welcome(token, key):
    # ruleid: python-jwt-claims-not-validated
    return jose_jwt.decode(token, key, algorithms=["HS256"], options={"verify_exp": False})


def current_user_safe(token, key):
    # ok: python-jwt-claims-not-validated
    claims = authlib_jwt.decode(token, key)
    claims.validate()
    return claims["sub"]


def decode_helper(token, key):
    # ok: python-jwt-claims-not-validated
    claims = ISSUER.decode(token, key)
    return claims


def joserfc_user_safe(token, key):
    # ok: python-jwt-claims-not-validated
    decoded = rfc_jwt.decode(token, key)
    registry = rfc_jwt.JWTClaimsRegistry(iss={"essential": True, "value": "me"})
    registry.validate(decoded.claims)
    return decoded.claims["sub"]


def jwcrypto_strict(token, key):
    # ok: python-jwt-claims-not-validated
    return jwc.JWT(jwt=token, key=key, check_claims={"iss": "me"})


def no_audience(token, key):
    # ok: python-jwt-claims-not-validated
    return jwt.decode(token, key, algorithms=["HS256"], options={"verify_aud": False})
