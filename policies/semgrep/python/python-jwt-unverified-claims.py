import base64
import json

from jose import jws
from jose import jwt as jose_jwt
from jwcrypto import jwk
from jwcrypto import jwt as jwc
from jwcrypto.jws import JWS


def current_user(token):
    # ruleid: python-jwt-unverified-claims
    claims = jose_jwt.get_unverified_claims(token)
    return claims["sub"]


def payload(token):
    # ruleid: python-jwt-unverified-claims
    return json.loads(jws.get_unverified_claims(token))


def jwcrypto_peek(token):
    # ruleid: python-jwt-unverified-claims
    parsed = jwc.JWT(jwt=token)
    # ruleid: python-jwt-unverified-claims
    return json.loads(parsed.token.objects["payload"])


def jwcrypto_none_key(token):
    # ruleid: python-jwt-unverified-claims
    return jwc.JWT(jwt=token, key=None)


def jws_raw_payload(token):
    sig = JWS()
    sig.deserialize(token)
    # ruleid: python-jwt-unverified-claims
    return json.loads(sig.objects["payload"])


def current_user_safe(token, key):
    # ok: python-jwt-unverified-claims
    claims = jose_jwt.decode(token, key, algorithms=["RS256"])
    return claims["sub"]


def key_id(token):
    # ok: python-jwt-unverified-claims
    return jose_jwt.get_unverified_header(token)["kid"]


def jwcrypto_verified(token, key):
    # ok: python-jwt-unverified-claims
    parsed = jwc.JWT(jwt=token, key=key, expected_type="JWS")
    return json.loads(parsed.claims)


def jwcrypto_validated_later(token, keyset):
    # ok: python-jwt-unverified-claims
    parsed = jwc.JWT(jwt=token)
    parsed.validate(keyset.get_key(parsed.token.jose_header["kid"]))
    return json.loads(parsed.claims)


def jws_verified_payload(token, key):
    sig = JWS()
    sig.deserialize(token)
    sig.verify(jwk.JWK(**key))
    # ok: python-jwt-unverified-claims
    return sig.payload


def jwcrypto_issue(key, claims):
    # ok: python-jwt-unverified-claims
    token = jwc.JWT(header={"alg": "RS256"}, claims=claims)
    token.make_signed_token(key)
    return token.serialize()


def jws_verified_raw_payload(token, key):
    sig = JWS()
    sig.deserialize(token)
    sig.verify(key)
    # ok: python-jwt-unverified-claims
    return json.loads(sig.objects["payload"])


def by_hand(token):
    payload = token.split(".")[1]
    # ruleid: python-jwt-unverified-claims
    return json.loads(base64.urlsafe_b64decode(payload + "=="))


def by_hand_unpacked(token):
    header, body, signature = token.split(".")
    # ruleid: python-jwt-unverified-claims
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def by_hand_inline(token):
    # ruleid: python-jwt-unverified-claims
    return json.loads(base64.b64decode(token.split(".")[1] + "=="))


def header_by_hand(token):
    # ok: python-jwt-unverified-claims
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))


def minor_version(version):
    # ok: python-jwt-unverified-claims
    return int(version.split(".")[1])
