import ssl
import urllib.request

import urllib3


def fetch(url):
    # ruleid: python-ssl-verification-disabled
    ctx = ssl._create_unverified_context()
    return urllib.request.urlopen(url, context=ctx).read()


def client_context():
    ctx = ssl.create_default_context()
    # ruleid: python-ssl-verification-disabled
    ctx.check_hostname = False
    # ruleid: python-ssl-verification-disabled
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def pool():
    # ruleid: python-ssl-verification-disabled
    return urllib3.PoolManager(cert_reqs="CERT_NONE")


def fetch_safe(url):
    # ok: python-ssl-verification-disabled
    ctx = ssl.create_default_context()
    return urllib.request.urlopen(url, context=ctx).read()


def client_context_private_ca(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    # ok: python-ssl-verification-disabled
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def is_insecure(ctx):
    # ok: python-ssl-verification-disabled
    return ctx.verify_mode == ssl.CERT_NONE


def pool_safe():
    # ok: python-ssl-verification-disabled
    return urllib3.PoolManager(cert_reqs="CERT_REQUIRED")
