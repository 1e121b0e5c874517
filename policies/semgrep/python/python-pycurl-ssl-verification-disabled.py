from io import BytesIO

import pycurl
from pycurl import SSL_VERIFYHOST

NO = 0


def fetch(url):
    buf = BytesIO()
    curl = pycurl.Curl()
    curl.setopt(pycurl.URL, url)
    curl.setopt(pycurl.WRITEDATA, buf)
    # ruleid: python-pycurl-ssl-verification-disabled
    curl.setopt(pycurl.SSL_VERIFYPEER, 0)
    # ruleid: python-pycurl-ssl-verification-disabled
    curl.setopt(pycurl.SSL_VERIFYHOST, 0)
    curl.perform()
    curl.close()
    return buf.getvalue()


def fetch_constants_on_object(url):
    c = pycurl.Curl()
    c.setopt(c.URL, url)
    # ruleid: python-pycurl-ssl-verification-disabled
    c.setopt(c.SSL_VERIFYPEER, False)
    # ruleid: python-pycurl-ssl-verification-disabled
    c.setopt(SSL_VERIFYHOST, NO)
    c.perform()


def through_proxy(url, proxy):
    c = pycurl.Curl()
    c.setopt(pycurl.PROXY, proxy)
    # ruleid: python-pycurl-ssl-verification-disabled
    c.setopt(pycurl.PROXY_SSL_VERIFYPEER, 0)
    c.perform()


def fetch_safe(url, cafile):
    c = pycurl.Curl()
    # ok: python-pycurl-ssl-verification-disabled
    c.setopt(pycurl.SSL_VERIFYPEER, 1)
    # ok: python-pycurl-ssl-verification-disabled
    c.setopt(pycurl.SSL_VERIFYHOST, 2)
    c.setopt(pycurl.CAINFO, cafile)
    # ok: python-pycurl-ssl-verification-disabled
    c.setopt(pycurl.FOLLOWLOCATION, 0)
    c.perform()
