import docker
import elasticsearch
import gitlab
import httplib2
import pymongo
import redis
import urllib3
from aiohttp import TCPConnector
from kubernetes import client
from playwright.sync_api import sync_playwright
from tornado.httpclient import AsyncHTTPClient, HTTPRequest


def google_style_client():
    # ruleid: python-tls-verification-flag-disabled
    return httplib2.Http(timeout=10, disable_ssl_certificate_validation=True)


def httplib2_attribute():
    http = httplib2.Http()
    # ruleid: python-tls-verification-flag-disabled
    http.disable_ssl_certificate_validation = True
    return http


async def tornado_fetch(url):
    # ruleid: python-tls-verification-flag-disabled
    return await AsyncHTTPClient().fetch(url, validate_cert=False)


def tornado_request(url):
    # ruleid: python-tls-verification-flag-disabled
    return HTTPRequest(url, method="GET", validate_cert=False)


def aiohttp_old_spelling():
    # ruleid: python-tls-verification-flag-disabled
    return TCPConnector(verify_ssl=False)


def urllib3_no_hostname(host):
    # ruleid: python-tls-verification-flag-disabled
    return urllib3.HTTPSConnectionPool(host, 443, assert_hostname=False)


def search_client(hosts):
    # ruleid: python-tls-verification-flag-disabled
    return elasticsearch.Elasticsearch(hosts, verify_certs=False)


def search_config(hosts):
    # ruleid: python-tls-verification-flag-disabled
    config = {"hosts": hosts, "verify_certs": False}
    return elasticsearch.Elasticsearch(**config)


def kube():
    configuration = client.Configuration()
    # ruleid: python-tls-verification-flag-disabled
    configuration.verify_ssl = False
    return client.ApiClient(configuration)


def gitlab_client(url, token):
    # ruleid: python-tls-verification-flag-disabled
    return gitlab.Gitlab(url, private_token=token, ssl_verify=False)


def docker_tls(cert):
    # ruleid: python-tls-verification-flag-disabled
    return docker.tls.TLSConfig(client_cert=cert, verify=False)


def browser(url):
    with sync_playwright() as p:
        b = p.chromium.launch()
        # ruleid: python-tls-verification-flag-disabled
        page = b.new_page(ignore_https_errors=True)
        return page.goto(url)


def google_style_client_safe(ca_certs):
    # ok: python-tls-verification-flag-disabled
    return httplib2.Http(timeout=10, ca_certs=ca_certs)


def tornado_request_safe(url, ca):
    # ok: python-tls-verification-flag-disabled
    return HTTPRequest(url, method="GET", validate_cert=True, ca_certs=ca)


def search_client_safe(hosts, ca):
    # ok: python-tls-verification-flag-disabled
    return elasticsearch.Elasticsearch(hosts, verify_certs=True, ca_certs=ca)


def kube_safe():
    configuration = client.Configuration()
    # ok: python-tls-verification-flag-disabled
    configuration.verify_ssl = True
    return configuration


def unrelated_flags(form):
    # ok: python-tls-verification-flag-disabled
    return form.validate(verify_email=False, skip_empty=True)


def mongo(host):
    # ruleid: python-tls-verification-flag-disabled
    return pymongo.MongoClient(host, tls=True, tlsAllowInvalidCertificates=True)


def mongo_uri():
    # ruleid: python-tls-verification-flag-disabled
    return pymongo.MongoClient("mongodb://db.internal/?tls=true&tlsAllowInvalidCertificates=true")


def redis_uri():
    # ruleid: python-tls-verification-flag-disabled
    return redis.from_url("rediss://cache.internal:6380/0?ssl_cert_reqs=none")


def mongo_safe(host, ca):
    # ok: python-tls-verification-flag-disabled
    return pymongo.MongoClient(host, tls=True, tlsCAFile=ca)


def mongo_uri_safe():
    # ok: python-tls-verification-flag-disabled
    return pymongo.MongoClient("mongodb://db.internal/?tls=true&tlsCAFile=/etc/ca.pem")


def redis_uri_safe():
    # ok: python-tls-verification-flag-disabled
    return redis.from_url("rediss://cache.internal:6380/0?ssl_cert_reqs=required")


def docs():
    # ok: python-tls-verification-flag-disabled
    return "never add tlsAllowInvalidCertificates=true to the URI"
