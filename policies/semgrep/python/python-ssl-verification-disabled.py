import asyncio
import http.client
import os
import smtplib
import ssl
import urllib.request
from ssl import CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED
from ssl import _create_unverified_context as unverified

import ldap3
import redis
import urllib3
import websocket
from urllib3.util.ssl_ import create_urllib3_context


def fetch(url):
    # ruleid: python-ssl-verification-disabled
    ctx = ssl._create_unverified_context()
    return urllib.request.urlopen(url, context=ctx).read()


def fetch_inline(url):
    # ruleid: python-ssl-verification-disabled
    return urllib.request.urlopen(url, context=ssl._create_unverified_context()).read()


def fetch_aliased(url):
    # ruleid: python-ssl-verification-disabled
    return urllib.request.urlopen(url, context=unverified()).read()


def patch_everything():
    # ruleid: python-ssl-verification-disabled
    ssl._create_default_https_context = ssl._create_unverified_context


def patch_with_lambda():
    # ruleid: python-ssl-verification-disabled
    ssl._create_default_https_context = lambda: make_context()


def restore_default():
    # ok: python-ssl-verification-disabled
    ssl._create_default_https_context = ssl.create_default_context


def stdlib_context():
    # ruleid: python-ssl-verification-disabled
    return ssl._create_stdlib_context()


def stdlib_context_verified():
    # ok: python-ssl-verification-disabled
    return ssl._create_stdlib_context(cert_reqs=ssl.CERT_REQUIRED)


def client_context():
    ctx = ssl.create_default_context()
    # ruleid: python-ssl-verification-disabled
    ctx.check_hostname = False
    # ruleid: python-ssl-verification-disabled
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def client_context_by_name():
    ctx = ssl.create_default_context()
    # ruleid: python-ssl-verification-disabled
    setattr(ctx, "check_hostname", False)
    # ruleid: python-ssl-verification-disabled
    ctx.check_hostname = 0
    return ctx


def unverified_by_name(url):
    # ruleid: python-ssl-verification-disabled
    make = getattr(ssl, "_create_unverified_context")
    return urllib.request.urlopen(url, context=make()).read()


def client_context_enum():
    ctx = ssl.create_default_context()
    # ruleid: python-ssl-verification-disabled
    ctx.verify_mode = ssl.VerifyMode.CERT_NONE
    return ctx


def client_context_imported_name():
    ctx = ssl.create_default_context()
    # ruleid: python-ssl-verification-disabled
    ctx.verify_mode = CERT_NONE
    return ctx


def client_context_zero():
    ctx = ssl.create_default_context()
    # ruleid: python-ssl-verification-disabled
    ctx.verify_mode = 0
    return ctx


def opt_in(insecure):
    ctx = ssl.create_default_context()
    # ruleid: python-ssl-verification-disabled
    ctx.verify_mode = ssl.CERT_NONE if insecure else ssl.CERT_REQUIRED
    return ctx


# ruleid: python-ssl-verification-disabled
def connect(host, cert_reqs=ssl.CERT_NONE):
    return urllib3.PoolManager(cert_reqs=cert_reqs)


def pool():
    # ruleid: python-ssl-verification-disabled
    return urllib3.PoolManager(cert_reqs="CERT_NONE")


def pool_short_name():
    # ruleid: python-ssl-verification-disabled
    return urllib3.PoolManager(cert_reqs="NONE")


def pool_constant():
    # ruleid: python-ssl-verification-disabled
    return urllib3.HTTPSConnectionPool("example.com", 443, cert_reqs=ssl.CERT_NONE)


def pool_from_url(url):
    # ruleid: python-ssl-verification-disabled
    return urllib3.connection_from_url(url, cert_reqs="CERT_NONE")


def adapter_context():
    # ruleid: python-ssl-verification-disabled
    return create_urllib3_context(cert_reqs=ssl.CERT_NONE)


def websocket_client(url):
    # ruleid: python-ssl-verification-disabled
    return websocket.create_connection(url, sslopt={"cert_reqs": ssl.CERT_NONE})


def websocket_client_string(url):
    # ruleid: python-ssl-verification-disabled
    return websocket.create_connection(url, sslopt={"cert_reqs": "CERT_NONE"})


def ldap_tls():
    # ruleid: python-ssl-verification-disabled
    return ldap3.Tls(validate=ssl.CERT_NONE)


def redis_client(host):
    # ruleid: python-ssl-verification-disabled
    return redis.Redis(host=host, ssl=True, ssl_cert_reqs="none")


def redis_client_none(host):
    # ruleid: python-ssl-verification-disabled
    return redis.Redis(host=host, ssl=True, ssl_cert_reqs=None)


def redis_client_safe(host):
    # ok: python-ssl-verification-disabled
    return redis.Redis(host=host, ssl=True, ssl_cert_reqs="required")


def raw_socket(sock):
    # ruleid: python-ssl-verification-disabled
    return ssl.wrap_socket(sock)


def raw_socket_verified(sock, cafile):
    # ok: python-ssl-verification-disabled
    return ssl.wrap_socket(sock, ca_certs=cafile, cert_reqs=ssl.CERT_REQUIRED)


def raw_server_socket(sock, cert, key):
    # ok: python-ssl-verification-disabled
    return ssl.wrap_socket(sock, keyfile=key, certfile=cert, server_side=True)


def whole_interpreter():
    # ruleid: python-ssl-verification-disabled
    os.environ["PYTHONHTTPSVERIFY"] = "0"


def whole_interpreter_default():
    # ruleid: python-ssl-verification-disabled
    os.environ.setdefault("PYTHONHTTPSVERIFY", "0")


def whole_interpreter_on():
    # ok: python-ssl-verification-disabled
    os.environ["PYTHONHTTPSVERIFY"] = "1"


def legacy_context_to_client(url, cafile):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS)
    ctx.load_verify_locations(cafile)
    # ruleid: python-ssl-verification-disabled
    return urllib.request.urlopen(url, context=ctx).read()


def bare_context_to_smtp(host):
    ctx = ssl.SSLContext()
    # ruleid: python-ssl-verification-disabled
    return smtplib.SMTP_SSL(host, context=ctx)


def legacy_context_to_https_connection(host):
    ctx = ssl.SSLContext(ssl.PROTOCOL_SSLv23)
    # ruleid: python-ssl-verification-disabled
    return http.client.HTTPSConnection(host, context=ctx)


def legacy_context_inline(url):
    # ruleid: python-ssl-verification-disabled
    return urllib.request.urlopen(url, context=ssl.SSLContext(ssl.PROTOCOL_TLS)).read()


def client_protocol_context_inline(url):
    # ok: python-ssl-verification-disabled
    return urllib.request.urlopen(url, context=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)).read()


def client_protocol_context(url):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_default_certs()
    # ok: python-ssl-verification-disabled
    return urllib.request.urlopen(url, context=ctx).read()


def legacy_context_made_strict(url):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.check_hostname = True
    ctx.load_default_certs()
    # ok: python-ssl-verification-disabled
    return urllib.request.urlopen(url, context=ctx).read()


async def legacy_context_for_server(handler, cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS)
    ctx.load_cert_chain(cert, key)
    # ok: python-ssl-verification-disabled
    return await asyncio.start_server(handler, "0.0.0.0", 8443, ssl=ctx)


def fetch_safe(url):
    # ok: python-ssl-verification-disabled
    ctx = ssl.create_default_context()
    return urllib.request.urlopen(url, context=ctx).read()


def client_context_private_ca(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    # ok: python-ssl-verification-disabled
    ctx.verify_mode = ssl.CERT_REQUIRED
    # ok: python-ssl-verification-disabled
    ctx.check_hostname = True
    return ctx


def is_insecure(ctx):
    # ok: python-ssl-verification-disabled
    return ctx.verify_mode == ssl.CERT_NONE


def is_insecure_identity(ctx):
    # ok: python-ssl-verification-disabled
    return ctx.verify_mode is CERT_NONE


def refuse_weak(ctx):
    # ok: python-ssl-verification-disabled
    if ctx.verify_mode in (ssl.CERT_NONE, ssl.CERT_OPTIONAL):
        raise ValueError("TLS verification must be on")


# ok: python-ssl-verification-disabled
MODES = {"none": CERT_NONE, "optional": CERT_OPTIONAL, "required": CERT_REQUIRED}

# ok: python-ssl-verification-disabled
TO_OPENSSL = {ssl.CERT_NONE: 0, ssl.CERT_OPTIONAL: 1, ssl.CERT_REQUIRED: 3}


def pool_safe():
    # ok: python-ssl-verification-disabled
    return urllib3.PoolManager(cert_reqs="CERT_REQUIRED")


def pool_default():
    # ok: python-ssl-verification-disabled
    return urllib3.PoolManager()
