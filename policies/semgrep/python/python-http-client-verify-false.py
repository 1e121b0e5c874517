import httpx
import requests


def fetch_status(url):
    # ruleid: python-http-client-verify-false
    return requests.get(url, timeout=10, verify=False).status_code


def post_event(url, payload):
    # ruleid: python-http-client-verify-false
    with httpx.Client(verify=False, timeout=5.0) as client:
        return client.post(url, json=payload)


def make_session():
    session = requests.Session()
    # ruleid: python-http-client-verify-false
    session.verify = False
    return session


def upload(url, data):
    session = requests.Session()
    # ruleid: python-http-client-verify-false
    return session.put(url, data=data, verify=False)


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
