import functools
import ssl

import boto3
import httpx
import hvac
import jwt
import requests
from httpx import AsyncClient
from requests import Session
from zeep.transports import Transport

INSECURE = False


def fetch_status(url):
    # ruleid: python-http-client-verify-false
    return requests.get(url, timeout=10, verify=False).status_code


def fetch_generic(url):
    # ruleid: python-http-client-verify-false
    return requests.request("GET", url, verify=False)


def fetch_through_constant(url):
    # ruleid: python-http-client-verify-false
    return requests.post(url, json={}, verify=INSECURE)


def post_event(url, payload):
    # ruleid: python-http-client-verify-false
    with httpx.Client(verify=False, timeout=5.0) as client:
        return client.post(url, json=payload)


async def post_event_async(url, payload):
    # ruleid: python-http-client-verify-false
    async with httpx.AsyncClient(verify=False) as client:
        return await client.post(url, json=payload)


async def post_event_imported(url):
    # ruleid: python-http-client-verify-false
    async with AsyncClient(verify=False) as client:
        return await client.get(url)


def httpx_function(url):
    # ruleid: python-http-client-verify-false
    return httpx.get(url, verify=False)


def httpx_transport():
    # ruleid: python-http-client-verify-false
    transport = httpx.HTTPTransport(verify=False, retries=2)
    return httpx.Client(transport=transport)


def httpx_context_without_checks(url):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    # ok: python-http-client-verify-false
    return httpx.get(url, verify=ctx)


def make_session():
    session = requests.Session()
    # ruleid: python-http-client-verify-false
    session.verify = False
    return session


def make_session_other_name():
    conn = requests.Session()
    # ruleid: python-http-client-verify-false
    conn.verify = False
    return conn


def make_session_imported_name():
    with Session() as r:
        # ruleid: python-http-client-verify-false
        r.verify = False
        return r.get("https://example.com")


class ApiClient:
    def __init__(self, base):
        self.base = base
        # ruleid: python-http-client-verify-false
        self.session.verify = False

    def get(self, path):
        # ruleid: python-http-client-verify-false
        return self.session.get(self.base + path, verify=False)

    def stream(self, path):
        # ruleid: python-http-client-verify-false
        return self._http.request("GET", self.base + path, verify=False)


def upload(url, data):
    session = requests.Session()
    # ruleid: python-http-client-verify-false
    return session.put(url, data=data, verify=False)


def patch_everything():
    # ruleid: python-http-client-verify-false
    requests.Session.request = functools.partialmethod(requests.Session.request, verify=False)


def s3_client(endpoint):
    # ruleid: python-http-client-verify-false
    return boto3.client("s3", endpoint_url=endpoint, verify=False)


def s3_resource(session, endpoint):
    # ruleid: python-http-client-verify-false
    return session.resource("s3", endpoint_url=endpoint, verify=False)


def vault(url, token):
    # ruleid: python-http-client-verify-false
    return hvac.Client(url=url, token=token, verify=False)


def soap_transport(session):
    # ruleid: python-http-client-verify-false
    return Transport(session=session, verify=False)


def fetch_status_safe(url):
    # ok: python-http-client-verify-false
    return requests.get(url, timeout=10).status_code


def fetch_internal(url):
    # ok: python-http-client-verify-false
    return requests.get(url, timeout=10, verify="/etc/ssl/certs/internal-ca.pem")


def post_event_safe(url, payload):
    # ok: python-http-client-verify-false
    with httpx.Client(verify=True, timeout=5.0) as client:
        return client.post(url, json=payload)


def httpx_private_ca(url, cafile):
    # ok: python-http-client-verify-false
    return httpx.get(url, verify=ssl.create_default_context(cafile=cafile))


def keep_verification():
    session = requests.Session()
    # ok: python-http-client-verify-false
    session.verify = "/etc/ssl/certs/internal-ca.pem"
    return session


class Checker:
    def __init__(self):
        # ok: python-http-client-verify-false
        self.verify = False


def claims(token, key):
    # ok: python-http-client-verify-false
    return jwt.decode(token, key, verify=False)


def restore(backup, verify):
    # ok: python-http-client-verify-false
    return backup.restore(verify=False)


def unpacked_literal(url):
    # ruleid: python-http-client-verify-false
    return requests.get(url, **{"verify": False})


def unpacked_variable(url):
    options = {"verify": False, "timeout": 5}
    # ruleid: python-http-client-verify-false
    return requests.get(url, **options)


def unpacked_dict_call(url):
    options = dict(verify=False)
    # ruleid: python-http-client-verify-false
    return httpx.Client(**options).get(url)


def falsy_zero(url):
    # ruleid: python-http-client-verify-false
    return requests.get(url, verify=0)


def attribute_by_name(url):
    conn = requests.Session()
    # ruleid: python-http-client-verify-false
    setattr(conn, "verify", False)
    return conn.get(url)


def unpacked_safe(url):
    options = {"verify": True, "timeout": 5}
    # ok: python-http-client-verify-false
    return requests.get(url, **options)


def user_opt_in(url, insecure):
    # ok: python-http-client-verify-false
    return requests.get(url, verify=not insecure)
