import jwt
from jose import jws
from jose import jwt as jose_jwt
from jwt import PyJWT


def current_user(token):
    # ruleid: python-jwt-decode-without-verification
    claims = jwt.decode(token, options={"verify_signature": False})
    return claims["sub"]


def current_user_with_algorithms(token, key):
    # ruleid: python-jwt-decode-without-verification
    claims = jwt.decode(token, key, algorithms=["HS256"], options={"verify_signature": False})
    return claims["sub"]


def complete(token):
    # ruleid: python-jwt-decode-without-verification
    return jwt.decode_complete(token, options={"verify_signature": False})["payload"]


def merged_options(token, base):
    # ruleid: python-jwt-decode-without-verification
    return jwt.decode(token, options={**base, "verify_signature": False})


def keyword_options(token):
    # ruleid: python-jwt-decode-without-verification
    return jwt.decode(token, options=dict(verify_signature=False, verify_exp=False))


def legacy_claims(token, key):
    # ruleid: python-jwt-decode-without-verification
    return jwt.decode(token, key, verify=False)


def peek(token, key):
    opts = {"verify_signature": False, "verify_exp": False}
    # ruleid: python-jwt-decode-without-verification
    return jose_jwt.decode(token, key, options=opts)


def built_options(token):
    opts = {}
    opts["verify_signature"] = False
    # ruleid: python-jwt-decode-without-verification
    return jwt.decode(token, options=opts)


# ruleid: python-jwt-decode-without-verification
DECODER = PyJWT(options={"verify_signature": False})


def jws_payload(token):
    # ruleid: python-jwt-decode-without-verification
    return jwt.PyJWS().decode(token, options={"verify_signature": False})


def jose_jws(token, key):
    # ruleid: python-jwt-decode-without-verification
    return jws.verify(token, key, algorithms=["HS256"], verify=False)


def current_user_safe(token, public_key):
    # ok: python-jwt-decode-without-verification
    claims = jwt.decode(token, public_key, algorithms=["RS256"], audience="api")
    return claims["sub"]


def claims_with_required(token, key):
    # ok: python-jwt-decode-without-verification
    return jwt.decode(token, key, algorithms=["HS256"], options={"require": ["exp", "iat"]})


def explicit_verification(token, key):
    # ok: python-jwt-decode-without-verification
    return jwt.decode(token, key, algorithms=["HS256"], options={"verify_signature": True})


# ok: python-jwt-decode-without-verification
STRICT = PyJWT(options={"require": ["exp"]})


def jose_safe(token, key):
    # ok: python-jwt-decode-without-verification
    return jose_jwt.decode(token, key, algorithms=["RS256"], audience="api")


def jose_jws_safe(token, key):
    # ok: python-jwt-decode-without-verification
    return jws.verify(token, key, algorithms=["HS256"])


def key_id(token):
    # ok: python-jwt-decode-without-verification
    return jwt.get_unverified_header(token)["kid"]


UNVERIFIED = {"verify_signature": False}


def module_options(token):
    # ruleid: python-jwt-decode-without-verification
    return jwt.decode(token, options=UNVERIFIED)


def falsy_option(token):
    # ruleid: python-jwt-decode-without-verification
    return jwt.decode(token, options={"verify_signature": 0})


def decoder_object(token):
    decoder = jwt.PyJWT()
    # ruleid: python-jwt-decode-without-verification
    return decoder.decode(token, options={"verify_signature": False})


def decoder_object_safe(token, key):
    decoder = jwt.PyJWT()
    # ok: python-jwt-decode-without-verification
    return decoder.decode(token, key, algorithms=["HS256"])
